#!/bin/sh
# Create Aura's data tree without Python (the same tree as `aura setup`; a test compares
# them). Idempotent: existing folders and files are never deleted or rewritten.
#   ./setup-data-dirs.sh            creates ./data (or $AURA_DATA_DIR)
#   ./setup-data-dirs.sh /srv/aura  creates /srv/aura
set -eu

root=${1:-${AURA_DATA_DIR:-./data}}

make_dir() { # path mode
  if [ -d "$1" ]; then
    return 0
  fi
  if [ -e "$1" ] || [ -L "$1" ]; then
    echo "error: $1 exists but is not a directory. Fix: move it away (mv $1 $1.bak) and run again." >&2
    exit 1
  fi
  mkdir -p "$1"
  chmod "$2" "$1"
  echo "created  $1"
}

make_dir "$root" 755
# Infrastructure (each owned by its own container)
make_dir "$root/postgres" 700
make_dir "$root/redis" 755
make_dir "$root/prometheus" 755
make_dir "$root/grafana" 755
make_dir "$root/nginx" 755
make_dir "$root/nginx/logs" 755
# Services
for service in visual_analysis outfit_recommendation conversational_ai; do
  make_dir "$root/$service" 755
  make_dir "$root/$service/models" 755
  make_dir "$root/$service/logs" 755
done
make_dir "$root/conversational_ai/vector_store" 755
# One-process mode: the SQLite database and the process log
make_dir "$root/embedded" 700
make_dir "$root/embedded/logs" 755

echo "Data tree ready at $root"

"""What the app imports before anyone uses a rarely-used route: not the MCP SDK (built on
the first /mcp request), nor a training or plotting library, nor what only a photo (Pillow,
scipy), a forecast (httpx) or the CLI's tables (rich) need: each costs start-up time before
ready."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.server import clean_environ

NEVER_AT_IDLE = ("mcp", "torch", "transformers", "sklearn", "pandas", "matplotlib", "cv2")
NOT_BEFORE_FIRST_USE = ("PIL", "scipy", "httpx", "rich")  # rich: the CLI's tables and bars
PROBE = """
import json, sys
from pathlib import Path
import aura.cli.main, aura.cli.serve  # the `aura serve` command, as on its way to ready
from aura.api.app import create_app
from aura.config import load_settings
create_app(load_settings(data_dir=Path(sys.argv[1])))
print(json.dumps(sorted(m for m in sys.argv[2:] if m in sys.modules)))
"""


def test_the_one_process_app_imports_no_mcp_sdk_and_no_training_library(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(tmp_path / "data"),
            *NEVER_AT_IDLE,
            *NOT_BEFORE_FIRST_USE,
        ],
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []

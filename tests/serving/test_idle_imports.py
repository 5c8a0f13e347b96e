"""What the app imports before anyone uses a rarely-used route: not the MCP SDK (built on
the first /mcp request), nor a training or plotting library, nor what only a photo (Pillow,
scipy), a forecast (httpx) or the CLI's tables (rich) need: each costs start-up time before
ready. Nor, on the way to ready (the app and its foreground start-up phases), the runtimes
of what loads in the background after it: faiss, onnxruntime, tokenizers, llama.cpp."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.server import clean_environ

NEVER_AT_IDLE = ("mcp", "torch", "transformers", "sklearn", "pandas", "matplotlib", "cv2")
NOT_BEFORE_FIRST_USE = ("PIL", "scipy", "httpx", "rich")  # rich: the CLI's tables and bars
AFTER_READY = ("faiss", "onnxruntime", "tokenizers", "llama_cpp")  # background loads
PROBE = """
import json, sys
from pathlib import Path
import aura.cli.main, aura.cli.serve  # the `aura serve` command, as on its way to ready
from aura.api.app import create_app
from aura.config import load_settings
from aura.layout import DataTree
from aura.startup import PhaseContext, StartupState
settings = load_settings(data_dir=Path(sys.argv[1]))
DataTree(settings).setup()
app = create_app(settings)
for phase in app.state.platform.phases():  # the foreground ones: what ready waits for
    if not phase.background:
        phase.run(PhaseContext(StartupState()))
print(json.dumps(sorted(m for m in sys.argv[2:] if m in sys.modules)))
"""


def test_on_its_way_to_ready_the_app_imports_only_what_ready_needs(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(tmp_path / "data"),
            *NEVER_AT_IDLE,
            *NOT_BEFORE_FIRST_USE,
            *AFTER_READY,
        ],
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []

"""`aura serve` on a terminal, as `make run` shows it: readable log lines, none of the bundled
libraries' start-up chatter, and the sign-in link last, framed."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from tests.cli.terminal import Terminal
from tests.server import free_port, run_aura

pytestmark = pytest.mark.slow  # one real start of the whole platform
HUMAN = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) +[\w.]+  \S")


def test_serve_on_a_terminal_prints_readable_lines_and_the_link_last(data_dir: Path) -> None:
    port = free_port()
    env = {
        "AURA_DATA_DIR": str(data_dir),
        "AURA_PORT": str(port),
        "AURA_HOST": "127.0.0.1",
        "AURA_OFFLINE": "1",
    }
    assert run_aura("setup", env=env).returncode == 0  # as `make run` does
    terminal = Terminal("serve", env=env, columns=120)
    try:
        text = terminal.read_until(lambda t: re.search(r"#signin=[\s\S]*└─+┘", t), 240)
        terminal.proc.send_signal(signal.SIGTERM)
        assert terminal.wait() == 0
    finally:
        terminal.close()
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).rstrip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    top = next(i for i, line in enumerate(lines) if line.startswith("┌"))
    bottom = next(i for i, line in enumerate(lines) if line.startswith("└"))
    box = lines[top : bottom + 1]
    assert any(re.fullmatch(rf"│ http://127\.0\.0\.1:{port}/#signin=[\w-]+ +│", b) for b in box)
    assert "Aura is ready" in box[1], box
    assert len({len(b) for b in box}) == 1, box  # a closed frame
    before, after = lines[:top], lines[bottom + 1 :]
    assert before[0].startswith(f"Aura on http://127.0.0.1:{port}"), before[:3]
    assert "native-stderr.log" in before[0]
    noise = [line for line in before[1:] if not HUMAN.match(line)]
    assert noise == [], noise  # no JSON, no TensorFlow Lite / MediaPipe / absl lines
    assert any("startup phase done" in line for line in before)
    # after the link: only the shutdown's own log lines
    assert all(HUMAN.match(line) for line in after), after
    # The libraries' chatter is kept, in the logs folder, not thrown away.
    native = data_dir / "embedded" / "logs" / "native-stderr.log"
    assert native.is_file()

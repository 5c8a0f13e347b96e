"""The garbage collector is paused while `aura` starts (imports, routes) and resumes when
start-up's foreground phases are over, whether they end ready or failed; a process that
never paused it (an app built in a test) is left as it was. Each case in its own
interpreter: the collector is per process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.server import clean_environ

PROBE = """
import gc, sys
from aura import runtime
from aura.startup import Phase, Startup
if sys.argv[1] == "paused":
    runtime.pause_collector()
    assert not gc.isenabled()
seen = []
def work(ctx):
    seen.append(gc.isenabled())
def broken(ctx):
    raise RuntimeError("this phase fails")
def later(ctx):
    seen.append(gc.isenabled())
phases = [Phase("work", work), Phase("broken", broken)] if sys.argv[2] == "fails" else [
    Phase("work", work), Phase("later", later, True, "conversational_ai")]
state = Startup(phases).run()
print(state.status, seen, gc.isenabled(), gc.get_freeze_count() > 0)
"""


def _probe(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # paused through the foreground phases; frozen and collecting again for the rest
        (("paused", "ready"), "ready [False, True] True True"),
        (("paused", "fails"), "failed [False] True True"),
        (("untouched", "ready"), "ready [True, True] True False"),
    ],
)
def test_the_collector_resumes_when_start_up_is_over(args: tuple[str, str], expected: str) -> None:
    assert _probe(*args) == expected


def test_the_aura_command_resumes_it_before_any_other_command_runs() -> None:
    code = (
        "import gc, sys; sys.argv = ['aura', 'config', '--help']\n"
        "from aura.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(gc.isenabled())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=clean_environ(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "True"

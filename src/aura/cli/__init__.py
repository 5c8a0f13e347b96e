"""The `aura` command."""

from __future__ import annotations


def main() -> None:
    """The `aura` command's entry point: the garbage collector is paused before the CLI and
    what it needs are imported (:func:`aura.runtime.pause_collector`); it resumes before a
    command runs, or for `aura serve` once its start-up phases are over."""
    from aura.runtime import pause_collector

    pause_collector()
    from aura.cli.main import main as run

    run()

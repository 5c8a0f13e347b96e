"""`aura models` as a newcomer meets it: a fresh install pulled offline (HF_HUB_OFFLINE=1),
then verified in full, then listed through a pipe and on a narrow terminal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.terminal import Terminal
from tests.server import clean_environ, run_aura


@dataclass
class Offline:
    env: dict[str, str]
    pulled: subprocess.CompletedProcess[str]
    models: list[dict]  # `aura models list --json` after the pull


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Offline:
    """A fresh install's `aura models pull` with huggingface_hub's offline switch on (and a
    hub address where nothing listens, so an attempted download could not succeed)."""
    data_dir = tmp_path_factory.mktemp("models-cli") / "data"
    env = {
        "AURA_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
        "HF_ENDPOINT": "http://127.0.0.1:9",
    }
    pulled = run_aura("models", "pull", env=env, timeout=300)
    listed = run_aura("models", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    return Offline(env, pulled, json.loads(listed.stdout))


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    """`aura ARGS` in this process (its output captured: not a terminal)."""
    from typer.testing import CliRunner

    from aura.cli.main import app

    result = CliRunner().invoke(app, list(args), env={"AURA_DATA_DIR": env["AURA_DATA_DIR"]})
    return result.exit_code, result.stdout


def test_an_offline_pull_skips_optional_hub_models_and_succeeds(offline: Offline) -> None:
    env, pulled = offline.env, offline.pulled
    out = pulled.stdout + pulled.stderr
    assert pulled.returncode == 0, out
    assert "The hub has no" not in out  # the hub was never asked, so it cannot have said so
    assert re.search(
        r"skipped\s+fashion-detector \(optional\): offline \(HF_HUB_OFFLINE=1\): not in the "
        r"store, the hub was not asked",
        pulled.stderr,
    ), out
    # The summary says what was done and what was not attempted, and that Aura can run.
    assert "Offline (HF_HUB_OFFLINE=1): hub downloads were not attempted" in pulled.stdout
    assert "Every required model is present." in pulled.stdout
    models = offline.models
    required = [m["name"] for m in models if m["required"]]
    assert required and all(m["state"] == "ok" for m in models if m["required"]), models
    for name in required:
        assert re.search(rf"imported\s+{re.escape(name)}", pulled.stderr), out
    # Named explicitly, an optional model that cannot be fetched offline is a failure.
    named = run_aura("models", "pull", "fashion-detector", "--json", env=env)
    assert named.returncode == 1, named.stdout + named.stderr
    entry = json.loads(named.stdout)["models"][0]
    assert entry["action"] == "failed" and "no download was attempted" in entry["reason"]
    assert "HF_HUB_OFFLINE" in entry["fix"]


def test_verify_full_counts_fine_missing_optional_and_broken_apart(offline: Offline) -> None:
    env = offline.env
    states = Counter(
        "fine"
        if m["state"] == "ok"
        else f"{m['state']}-{'required' if m['required'] else 'optional'}"
        for m in offline.models
    )
    assert states["missing-optional"] >= 1  # the detector and the two models Aura trains
    verify = run_aura("models", "verify", "--full", env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert (
        f"Full check of {sum(states.values())} model(s): {states['fine']} fine, "
        f"{states['missing-optional']} missing (optional), 0 broken." in verify.stdout
    ), verify.stdout
    assert "missing (optional)  fashion-detector" in verify.stdout
    code, out = invoke(env, "models", "verify", "--json")
    assert code == 0, out
    counts = json.loads(out)["counts"]
    assert counts == {
        "fine": states["fine"],
        "missing_optional": states["missing-optional"],
        "missing_required": 0,
        "broken": 0,
    }


def test_models_list_through_a_pipe_shows_whole_values(offline: Offline) -> None:
    env, models = offline.env, offline.models
    piped = subprocess.run(  # `aura models list | cat`: a real pipe between two processes
        f"{sys.executable} -m aura models list | cat",
        shell=True,
        env=clean_environ(env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert piped.returncode == 0, piped.stderr
    assert "…" not in piped.stdout and "─" not in piped.stdout  # plain layout, nothing cut
    lines = piped.stdout.splitlines()
    for model in models:
        row = next(line for line in lines if line.split()[:1] == [model["name"]])
        assert model["service"] in row.split() and model["source"] in row.split(), row
    header = next(line for line in lines if line.startswith("name"))
    assert header.split() == ["name", "service", "source", "revision", "size", "state", "required"]


def test_models_list_on_a_narrow_terminal_wraps_instead_of_cutting(offline: Offline) -> None:
    env = offline.env
    terminal = Terminal("models", "list", env=env, columns=60)
    try:
        assert terminal.wait() == 0
    finally:
        terminal.close()
    assert "…" not in terminal.text, terminal.text
    # Each name whole, if folded over several lines: the first column's pieces, joined.
    first_column = "".join(
        line.split("│")[1].strip() for line in terminal.text.splitlines() if line.count("│") > 2
    )
    for model in offline.models:
        assert model["name"] in first_column, terminal.text


def test_every_listing_command_has_json() -> None:
    import typer.main

    from aura.cli.main import app

    root = typer.main.get_command(app)
    listing = {
        ("models", "list"), ("models", "pull"), ("models", "verify"), ("models", "gc"),
        ("models", "export"), ("models", "import"), ("users", "list"), ("users", "create"),
        ("backup", "create"), ("backup", "verify"), ("backup", "prune"), ("index", "status"),
        ("index", "rebuild"), ("usage",), ("config",), ("doctor",), ("setup",),
        ("verify-persistence",), ("wardrobe", "import"),
    }  # fmt: skip
    missing = []
    for path in sorted(listing):
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        if "--json" not in {o for p in command.params for o in getattr(p, "opts", [])}:
            missing.append(" ".join(path))
    assert not missing, missing


def test_plain_tables_are_not_wrapped_at_80_columns(tmp_path: Path) -> None:
    from rich.table import Table

    from aura.cli.output import make_console, print_table

    out = tmp_path / "out.txt"
    with out.open("w") as stream:
        table = Table(title="t")
        table.add_column("a")
        table.add_column("b")
        table.add_row("x" * 150, "[green]y[/]" * 3)
        print_table(table, make_console(file=stream))
    assert out.read_text().splitlines() == ["t", "a" + " " * 151 + "b", "x" * 150 + "  yyy"]

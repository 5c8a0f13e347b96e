"""`aura backup create` without a file name writes into the data tree, never the checkout."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from aura.cli.main import app
from tests.server import run_aura

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_backup_folder_is_inside_the_data_tree(data_dir: Path, tmp_path: Path) -> None:
    env = {"AURA_DATA_DIR": str(data_dir)}
    assert run_aura("users", "create", "someone", env=env).returncode == 0  # a database
    workdir = tmp_path / "checkout"  # where a person runs `aura` from: the repository
    workdir.mkdir()
    created = run_aura("backup", "create", "--json", env=env, cwd=workdir)
    assert created.returncode == 0, created.stderr
    archive = Path(json.loads(created.stdout)["path"])
    assert archive.parent == data_dir / "backups" and archive.is_file()
    assert list(workdir.iterdir()) == []  # nothing written where the command ran
    assert stat.S_IMODE(archive.parent.stat().st_mode) & 0o077 == 0  # photos: owner only
    pruned = CliRunner().invoke(app, ["backup", "prune", "--keep", "1", "--json"], env=env)
    assert json.loads(pruned.stdout) == {"kept": [str(archive)], "deleted": []}


def test_a_backups_folder_in_the_checkout_is_git_ignored() -> None:
    checked = subprocess.run(
        ["git", "check-ignore", "--no-index", "-q", "backups/aura-backup-x.tar.gz"],
        cwd=ROOT,
        capture_output=True,
    )
    assert checked.returncode == 0, "backups/ must be in .gitignore"

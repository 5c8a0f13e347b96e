"""The data tree: exactly the seed's, the same from `aura setup` and the shell script,
idempotent, and never touching existing data."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from aura.config import load_settings
from aura.errors import LayoutError
from aura.layout import DataTree, tree_snapshot
from tests.server import run_aura

ROOT = Path(__file__).resolve().parents[1]

SEED_TREE = {
    "visual_analysis",
    "visual_analysis/models",
    "visual_analysis/logs",
    "outfit_recommendation",
    "outfit_recommendation/models",
    "outfit_recommendation/logs",
    "conversational_ai",
    "conversational_ai/models",
    "conversational_ai/vector_store",
    "conversational_ai/logs",
    "postgres",
    "redis",
    "prometheus",
    "grafana",
    "nginx",
    "nginx/logs",
}
EMBEDDED = {"embedded", "embedded/logs"}


def test_setup_creates_exactly_the_seed_tree(data_dir):
    result = run_aura("setup", "--json", env={"AURA_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    assert set(tree_snapshot(data_dir)) == SEED_TREE | EMBEDDED
    modes = tree_snapshot(data_dir)
    assert modes["postgres"] == 0o700 and modes["embedded"] == 0o700
    assert modes["conversational_ai/models"] == 0o755


def test_shell_script_creates_the_same_tree(tmp_path):
    by_cli, by_sh = tmp_path / "cli", tmp_path / "sh"
    assert run_aura("setup", env={"AURA_DATA_DIR": str(by_cli)}).returncode == 0
    result = subprocess.run(
        ["sh", str(ROOT / "setup-data-dirs.sh"), str(by_sh)],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"]},
    )
    assert result.returncode == 0, result.stderr
    assert tree_snapshot(by_sh) == tree_snapshot(by_cli)
    # and both are idempotent
    again = subprocess.run(
        ["sh", str(ROOT / "setup-data-dirs.sh"), str(by_sh)], capture_output=True, text=True
    )
    assert again.returncode == 0 and "created" not in again.stdout


def test_batch_script_lists_the_same_folders():
    text = (ROOT / "setup-data-dirs.bat").read_bytes().decode()
    listed = re.search(r"for %%D in \(([^)]*)\)", text)
    assert listed, "setup-data-dirs.bat must create the folders in one for-loop"
    leaves = {p.replace("\\", "/") for p in listed.group(1).split()}
    expected_leaves = {
        p
        for p in SEED_TREE | EMBEDDED
        if not any(q.startswith(p + "/") for q in SEED_TREE | EMBEDDED)
    }
    assert leaves == expected_leaves
    assert "\r\n" in text, "a .bat needs CRLF line ends"


def test_setup_is_idempotent_and_keeps_existing_data(data_dir):
    tree = DataTree(load_settings(data_dir=data_dir))
    first = tree.setup()
    assert len(first.created) == len(tree.dirs())
    weights = data_dir / "conversational_ai/models/weights.bin"
    weights.write_bytes(b"\x00important")
    os.chmod(data_dir / "visual_analysis/models", 0o750)  # a user's own choice
    before = weights.stat().st_mtime_ns
    second = tree.setup()
    assert second.created == [] and len(second.existing) == len(first.created)
    assert weights.read_bytes() == b"\x00important" and weights.stat().st_mtime_ns == before
    assert tree_snapshot(data_dir)["visual_analysis/models"] == 0o750


def test_setup_refuses_a_file_where_a_folder_belongs(data_dir):
    data_dir.mkdir()
    (data_dir / "redis").write_text("not a folder")
    with pytest.raises(LayoutError) as info:
        DataTree(load_settings(data_dir=data_dir)).setup()
    assert "not a directory" in str(info.value) and "mv " in info.value.fix
    assert (data_dir / "redis").read_text() == "not a folder"
    result = run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)})
    assert result.returncode == 2
    assert "not a directory" in result.stderr and "fix:" in result.stderr


def test_overridden_paths_are_created_too(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data", model_path=tmp_path / "shared-models")
    DataTree(settings).setup()
    assert (tmp_path / "shared-models").is_dir()

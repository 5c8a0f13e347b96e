"""The model store in-process, against a real local hub: download once, check every byte,
repair what is damaged, collect garbage, carry models to another host."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest
from huggingface_hub import scan_cache_dir

from aura.config import Settings, load_settings
from aura.errors import ConfigError, ModelCorrupt, ModelDownloadFailed, ModelMissing
from aura.storage.models import hfcache
from aura.storage.models.store import ModelStore
from aura.storage.models.transfer import export_models, import_models
from tests.fakehub import FakeHub, Fault, Repo
from tests.models.conftest import TINY, TINY_REPO, overrides, tiny_model_files

WANTED = {"config.json", "model.safetensors", "preprocessor_config.json"}


def file_gets(hub: FakeHub) -> list[str]:
    return [line for line in hub.stats.log if line.startswith("GET file")]


def blobs_of(store: ModelStore) -> Path:
    spec = store.registry.get(TINY)
    return hfcache.repo_dir(store.store_dir(spec), TINY_REPO) / "blobs"


def blob_for(store: ModelStore, relpath: str) -> Path:
    return (store.resolve(TINY) / relpath).resolve()


def damage(path: Path, *, truncate: bool = False) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    if truncate:
        data = data[: len(data) // 2]
    else:
        data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))


def test_first_pull_downloads_then_nothing_is_downloaded_again(settings: Settings, hub: FakeHub):
    store = ModelStore(settings)
    spec = store.registry.get(TINY)
    assert store.status(spec).state == "missing"
    with pytest.raises(ModelMissing) as missing:
        store.resolve(TINY)
    assert "aura models pull tiny" in (missing.value.fix or "")
    assert hub.stats.total == 0  # resolving never asks the hub

    result = store.pull(spec)
    assert result.action == "downloaded"
    fetched = {line.rsplit("/", 1)[-1] for line in file_gets(hub)}
    assert fetched == WANTED  # README.md is outside allow_patterns
    assert result.downloaded_bytes == sum(len(tiny_model_files()[f]) for f in WANTED)

    hub.reset_stats()
    path = store.resolve(TINY)
    assert {p.name for p in path.iterdir()} == WANTED
    assert store.pull(spec).action == "cached"
    assert ModelStore(settings).status(spec, full=True).ok
    assert hub.stats.total == 0  # the seed's promise: downloaded once

    for blob in blobs_of(store).iterdir():
        assert stat.S_IMODE(blob.stat().st_mode) & 0o222 == 0, f"{blob} is writable"
    # huggingface_hub's own cache tools understand the folder.
    info = scan_cache_dir(store.store_dir(spec))
    (repo,) = [r for r in info.repos if r.repo_id == TINY_REPO]
    (revision,) = repo.revisions
    assert revision.commit_hash == path.name
    assert {f.file_name for f in revision.files} == WANTED


def test_a_cut_connection_resumes_with_a_range_request(settings: Settings, hub: FakeHub):
    hub.faults["model.safetensors"] = Fault("cut", after=20_000)
    store = ModelStore(settings)
    assert store.pull(store.registry.get(TINY)).action == "downloaded"
    gets = [g for g in file_gets(hub) if g.endswith("model.safetensors")]
    assert len(gets) == 2  # the cut one, then the resumed rest
    assert store.status(store.registry.get(TINY), full=True).ok


def test_a_wrong_byte_from_the_hub_never_enters_the_store(settings: Settings, hub: FakeHub):
    hub.faults["model.safetensors"] = Fault("flip", after=5_000)
    store = ModelStore(settings)
    spec = store.registry.get(TINY)
    assert store.pull(spec).action == "downloaded"
    assert len([g for g in file_gets(hub) if g.endswith("model.safetensors")]) == 2
    assert store.status(spec, full=True).ok
    expected = tiny_model_files()["model.safetensors"]
    assert (store.resolve(TINY) / "model.safetensors").read_bytes() == expected


def test_a_hub_that_keeps_serving_bad_bytes_fails_cleanly(settings: Settings, hub: FakeHub):
    hub.faults["model.safetensors"] = Fault("flip", after=5_000, times=99)
    store = ModelStore(settings)
    spec = store.registry.get(TINY)
    with pytest.raises(ModelDownloadFailed) as failed:
        store.pull(spec)
    assert "checksum" in failed.value.message and "aura models pull tiny" in failed.value.fix
    assert store.status(spec).state == "missing"  # nothing half-done looks valid


def test_truncated_and_bit_flipped_blobs_are_found_and_repaired(settings: Settings, hub: FakeHub):
    store = ModelStore(settings)
    spec = store.registry.get(TINY)
    store.pull(spec)

    damage(blob_for(store, "model.safetensors"), truncate=True)
    status = store.status(spec)
    assert status.state == "broken" and status.problems == ["model.safetensors: size"]
    hub.reset_stats()
    assert store.pull(spec).action == "repaired"
    assert [g.rsplit("/", 1)[-1] for g in file_gets(hub)] == ["model.safetensors"]
    assert store.status(spec, full=True).ok

    damage(blob_for(store, "config.json"))  # same size, one bit different
    assert store.status(spec).ok  # the fast check (sizes) cannot see it...
    full = store.status(spec, full=True)
    assert full.state == "broken" and full.problems == ["config.json: checksum"]
    hub.reset_stats()
    assert store.pull(spec).action == "repaired"  # ...pull always checks hashes
    assert [g.rsplit("/", 1)[-1] for g in file_gets(hub)] == ["config.json"]
    assert store.status(spec, full=True).ok


def test_offline_mode_forbids_downloads_with_a_fix(data_dir: Path, hub: FakeHub, tiny_repo: Repo):
    settings = load_settings(
        data_dir=data_dir, hf_endpoint=hub.url, offline=True, model_overrides=overrides(tiny_repo)
    )
    store = ModelStore(settings)
    with pytest.raises(ModelDownloadFailed) as failed:
        store.pull(store.registry.get(TINY))
    assert "AURA_OFFLINE" in failed.value.message and "aura models import" in failed.value.fix
    assert hub.stats.total == 0


def test_a_new_revision_and_gc(settings: Settings, hub: FakeHub, data_dir: Path):
    store = ModelStore(settings)
    old = store.pull(store.registry.get(TINY)).path
    assert old is not None
    newer = hub.add(TINY_REPO, {**tiny_model_files(), "model.safetensors": b"x" * 5000})
    newer_settings = load_settings(
        data_dir=data_dir, hf_endpoint=hub.url, model_overrides=overrides(newer)
    )
    store = ModelStore(newer_settings)
    spec = store.registry.get(TINY)
    assert store.status(spec).state == "missing"  # the registry pins another commit now
    new = store.pull(spec).path
    assert new is not None and new != old and old.exists()
    blobs = blobs_of(store)
    leftover = blobs / "deadbeef.0123abcd.incomplete"
    leftover.write_bytes(b"partial")

    report = store.gc()
    assert not old.exists() and not leftover.exists()
    assert report.freed >= len(tiny_model_files()["model.safetensors"])
    assert store.status(spec, full=True).ok
    assert {p.name for p in blobs.iterdir()} == {
        r.blob for r in hfcache.read_manifest(store.store_dir(spec), TINY_REPO, TINY).files
    }

    freed = store.rm(spec)
    assert freed > 0 and store.status(spec).state == "missing"
    assert not hfcache.repo_dir(store.store_dir(spec), TINY_REPO).exists()


def test_gc_leaves_caches_aura_does_not_manage(settings: Settings):
    store = ModelStore(settings)
    foreign = store.tree.models_dir(store.registry.get(TINY).service) / "models--other--model"
    (foreign / "snapshots" / ("a" * 40)).mkdir(parents=True)
    (foreign / "blobs").mkdir()
    (foreign / "blobs" / "x.incomplete").write_bytes(b"someone else's")
    store.gc()
    assert (foreign / "blobs" / "x.incomplete").exists()


def test_export_then_import_on_another_host(settings: Settings, hub: FakeHub, tmp_path: Path):
    source = ModelStore(settings)
    source.pull(source.registry.get(TINY))
    archive = tmp_path / "models.tar"
    report = export_models(source, archive)
    assert report.models == [TINY]

    other = load_settings(
        data_dir=tmp_path / "airgapped",
        hf_endpoint="http://127.0.0.1:9",  # nothing listens: any download attempt would fail
        offline=True,
        model_overrides=settings.model_overrides,
    )
    target = ModelStore(other)
    hub.reset_stats()
    assert import_models(target, archive).models == [TINY]
    assert target.status(target.registry.get(TINY), full=True).ok
    assert target.resolve(TINY).name == source.resolve(TINY).name
    assert hub.stats.total == 0


def test_import_refuses_a_damaged_archive(settings: Settings, tmp_path: Path):
    source = ModelStore(settings)
    source.pull(source.registry.get(TINY))
    archive = tmp_path / "models.tar"
    export_models(source, archive)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as tin, tarfile.open(damaged, "w") as tout:
        for member in tin.getmembers():
            data = tin.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith(blob_for(source, "model.safetensors").name):
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            tout.addfile(member, io.BytesIO(data))
    target = ModelStore(
        load_settings(data_dir=tmp_path / "other", model_overrides=settings.model_overrides)
    )
    with pytest.raises(ModelCorrupt):
        import_models(target, damaged)
    assert target.status(target.registry.get(TINY)).state == "missing"


def test_overrides_are_checked_and_can_drop_models(data_dir: Path):
    with pytest.raises(ConfigError):
        ModelStore(
            load_settings(
                data_dir=data_dir, model_overrides={"fashion-detector": {"colour": "red"}}
            )
        )
    with pytest.raises(ConfigError):
        ModelStore(load_settings(data_dir=data_dir, model_overrides={"new": {"repo_id": "a/b"}}))
    store = ModelStore(
        load_settings(data_dir=data_dir, model_overrides={"fashion-detector": {"enabled": False}})
    )
    assert "fashion-detector" not in {s.name for s in store.specs()}
    detector = dataclasses.replace(store.registry.specs[0])
    assert detector.name == "all-MiniLM-L6-v2" and detector.source == "packaged"
    hub_minilm = ModelStore(
        load_settings(data_dir=data_dir, model_overrides={"all-MiniLM-L6-v2": {"source": "hub"}})
    ).registry.get("all-MiniLM-L6-v2")
    assert hub_minilm.store_repo_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert json.loads(json.dumps(hub_minilm.allow_patterns))


def test_a_conversion_is_made_once_and_kept(settings: Settings, hub: FakeHub, data_dir: Path):
    store = ModelStore(settings)
    store.pull(store.registry.get(TINY))
    calls = []

    def convert(folder: Path) -> None:
        calls.append(folder)
        source = store.resolve(TINY) / "model.safetensors"
        (folder / "model.fp16.safetensors").write_bytes(source.read_bytes()[:1000])

    first = store.derived(TINY, "fp16", convert)
    again = ModelStore(settings).derived(TINY, "fp16", convert)  # another process, same result
    assert first == again and len(calls) == 1
    assert (first / "model.fp16.safetensors").stat().st_size == 1000
    (first / "model.fp16.safetensors").write_bytes(b"short")  # damaged: rebuilt once
    store.derived(TINY, "fp16", convert)
    assert len(calls) == 2

    newer = hub.add(TINY_REPO, {**tiny_model_files(), "config.json": b'{"v": 2}'})
    store = ModelStore(
        load_settings(data_dir=data_dir, hf_endpoint=hub.url, model_overrides=overrides(newer))
    )
    store.pull(store.registry.get(TINY))
    store.derived(TINY, "fp16", convert)  # a new source revision: converted again
    assert len(calls) == 3


def test_load_time_is_recorded_per_model(settings: Settings):
    from prometheus_client import REGISTRY

    with ModelStore(settings).timed_load("tiny-load-probe"):
        pass
    value = REGISTRY.get_sample_value("aura_model_load_seconds", {"model": "tiny-load-probe"})
    assert value is not None and value >= 0


def test_trained_artifacts_travel_too(tmp_path: Path):
    only_outfit = {
        name: {"enabled": False}
        for name in (
            "all-MiniLM-L6-v2",
            "SmolLM2-135M-Instruct-GGUF",
            "efficientnet-lite0",
            "fashion-detector",
            "aura-fashion-assistant",
        )
    }
    from aura.storage.models.artifacts import verify_artifact, write_artifact

    source = ModelStore(load_settings(data_dir=tmp_path / "a", model_overrides=only_outfit))
    spec = source.registry.get("outfit-transformer")
    with write_artifact(source.artifact_dir(spec), base_model="none", training={"n": 3}) as out:
        (out / "model.safetensors").write_bytes(os.urandom(4096))
        (out / "cfg").mkdir()
        (out / "cfg" / "config.json").write_text('{"d": 64}')
    archive = tmp_path / "outfit.tar"
    assert export_models(source, archive).models == ["outfit-transformer"]
    target = ModelStore(load_settings(data_dir=tmp_path / "b", model_overrides=only_outfit))
    assert import_models(target, archive).models == ["outfit-transformer"]
    check = verify_artifact(target.artifact_dir(spec), full=True)
    assert check.ok and check.manifest is not None and check.manifest.training == {"n": 3}
    assert (target.artifact_dir(spec) / "model.safetensors").read_bytes() == (
        source.artifact_dir(spec) / "model.safetensors"
    ).read_bytes()


def test_doctor_names_missing_and_damaged_models_with_their_fix(settings: Settings):
    from aura.storage.models.doctor import check_models

    def tiny_finding() -> tuple[str, str, str | None]:
        (f,) = [f for f in check_models(settings) if f.subject == f"visual_analysis/{TINY}"]
        return f.severity.value, f.message, f.fix

    severity, message, fix = tiny_finding()
    assert severity == "error" and "not in the store" in message and fix == "aura models pull tiny"
    store = ModelStore(settings)
    store.pull(store.registry.get(TINY))
    assert tiny_finding()[0] == "ok"
    damage(blob_for(store, "model.safetensors"), truncate=True)
    severity, message, fix = tiny_finding()
    assert severity == "error" and "damaged" in message and fix == "aura models pull tiny"
    (blobs_of(store) / "0123.abcd.incomplete").write_bytes(b"x")
    assert any("interrupted download" in f.message for f in check_models(settings))


def test_asking_for_more_files_fetches_only_those(settings: Settings, hub: FakeHub, data_dir: Path):
    store = ModelStore(settings)
    store.pull(store.registry.get(TINY))
    wider = overrides(hub.repos[TINY_REPO], allow_patterns=["*.json", "*.safetensors", "*.md"])
    store = ModelStore(load_settings(data_dir=data_dir, hf_endpoint=hub.url, model_overrides=wider))
    spec = store.registry.get(TINY)
    assert store.status(spec).state == "missing"  # the record no longer covers what is asked
    hub.reset_stats()
    assert store.pull(spec).action == "downloaded"
    assert [g.rsplit("/", 1)[-1] for g in file_gets(hub)] == ["README.md"]
    assert {p.name for p in store.resolve(TINY).iterdir()} == {*WANTED, "README.md"}


def test_a_wrong_repository_or_revision_fails_at_once(
    data_dir: Path, hub: FakeHub, tiny_repo: Repo
):
    for change in ({"revision": "f" * 40}, {"repo_id": "aura-test/no-such-model"}):
        store = ModelStore(
            load_settings(
                data_dir=data_dir,
                hf_endpoint=hub.url,
                model_overrides=overrides(tiny_repo, **change),
            )
        )
        hub.reset_stats()
        with pytest.raises(ModelDownloadFailed) as failed:
            store.pull(store.registry.get(TINY))
        assert "The hub has no" in failed.value.message and "repo_id" in failed.value.fix
        assert hub.stats.total <= 3  # no retry loop against a definite "not found"

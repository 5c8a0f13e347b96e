"""The sentence embedder on ONNX Runtime against the torch model it was exported from.

The export is a derived artifact of the model store: verified at export time (figures in
its manifest), listed and verified by `aura models`, left out of backups, and rebuilt when
damaged. Here its embeddings are compared again with sentence-transformers' on sentences it
was not verified on, and retrieval on a labelled set is compared with torch's.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pytest

from aura.config import load_settings
from aura.storage.models.artifacts import read_artifact, verify_artifact
from aura.wardrobe.embedder import ONNX_KEY, STORE_NAME, TextEmbedder, item_text
from tests.server import run_aura

EXPORT = f"{STORE_NAME}/{ONNX_KEY}"
COLOURS = ["navy", "red", "black", "white", "beige", "green"]
# category -> (items' descriptions, queries that want that category, worded differently)
LABELLED = {
    "shirt": (["linen, slim fit", "cotton oxford"], ["a button-down top", "collared shirt"]),
    "jeans": (["slim denim", "relaxed denim"], ["denim trousers", "blue jeans for weekends"]),
    "coat": (["wool, long", "padded, warm"], ["warm outerwear for winter", "an overcoat"]),
    "dress": (["floral summer", "evening gown"], ["a frock for a party", "summer dress"]),
    "boots": (["leather ankle", "hiking"], ["ankle footwear", "leather boots for rain"]),
    "scarf": (["knitted wool", "silk"], ["something to wrap around my neck", "a muffler"]),
    "skirt": (["pleated midi", "denim mini"], ["a pleated skirt", "mini skirt"]),
    "hat": (["straw sun", "wool beanie"], ["headwear for the sun", "a cap or beanie"]),
    "sneakers": (["white canvas", "running"], ["trainers for running", "casual sneakers"]),
    "blazer": (["tailored navy", "tweed"], ["a smart jacket for the office", "sport coat"]),
}
K = 2


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("embedder-onnx") / "data"
    assert run_aura("setup", env={"AURA_DATA_DIR": str(data_dir)}).returncode == 0
    return data_dir


@pytest.fixture(scope="module")
def onnx(tree: Path) -> TextEmbedder:
    embedder = TextEmbedder.from_store(load_settings(data_dir=tree), import_packaged=True)
    embedder.load()
    return embedder


@pytest.fixture(scope="module")
def torch_model(onnx: TextEmbedder):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(onnx.folder), device="cpu", local_files_only=True)


def _torch_embed(model, texts: list[str]) -> np.ndarray:
    return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)


def _labelled() -> tuple[list[str], list[str], list[str], list[str]]:
    items, item_labels, queries, query_labels = [], [], [], []
    for n, (category, (descriptions, asks)) in enumerate(LABELLED.items()):
        for m, description in enumerate(descriptions):
            items.append(item_text(category, [COLOURS[(n + m) % len(COLOURS)]], None, description))
            item_labels.append(category)
        queries.extend(asks)
        query_labels.extend([category] * len(asks))
    return items, item_labels, queries, query_labels


def _recall(items: np.ndarray, queries: np.ndarray, item_labels, query_labels) -> float:
    """Share of an item's category among the top K for each query (the search's cosine)."""
    scores = queries @ items.T
    hits = 0
    for row, label in zip(scores, query_labels, strict=True):
        top = np.argsort(-row, kind="stable")[:K]
        hits += sum(item_labels[i] == label for i in top)
    return hits / (K * len(query_labels))


def test_onnx_embeddings_equal_torch_within_the_recorded_tolerance(onnx, torch_model):
    manifest = read_artifact(onnx.export_dir)
    assert manifest is not None and onnx.export_dir is not None
    facts = manifest.extra
    assert facts["passed"] and facts["max_abs_diff"] <= facts["atol"] <= 1e-4
    assert facts["min_cosine"] >= 0.9999 and facts["source_commit"] == onnx.revision
    texts = [*_labelled()[0], *_labelled()[2], "", "   ", "x" * 3000]
    ours, theirs = onnx.embed(texts), _torch_embed(torch_model, texts)
    assert ours.dtype == np.float32 and ours.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1, atol=1e-5)
    assert float(np.abs(ours - theirs).max()) <= facts["atol"]
    assert float((ours * theirs).sum(1).min()) >= facts["min_cosine_required"]
    assert onnx.space.model_id == "sentence-transformers/all-MiniLM-L6-v2"  # space unchanged


def test_retrieval_quality_matches_torch(onnx, torch_model):
    items, item_labels, queries, query_labels = _labelled()
    ours = _recall(onnx.embed(items), onnx.embed(queries), item_labels, query_labels)
    theirs = _recall(
        _torch_embed(torch_model, items),
        _torch_embed(torch_model, queries),
        item_labels,
        query_labels,
    )
    print(f"recall@{K}: onnx {ours:.3f}, torch {theirs:.3f}")
    assert abs(ours - theirs) <= 0.01
    assert theirs > 0.5  # the set is not trivial noise: the model does find the categories


def test_models_list_and_verify_show_the_export_and_backup_leaves_it_out(onnx, tree, tmp_path):
    env = {"AURA_DATA_DIR": str(tree)}
    listed = run_aura("models", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    row = rows[EXPORT]
    assert row["source"] == "derived" and row["state"] == "ok" and row["size"] > 80e6
    assert row["verification"]["max_abs_diff"] <= row["verification"]["atol"]
    pulled = run_aura("models", "pull", "conversational_ai", env=env)  # the service's others
    assert pulled.returncode == 0, pulled.stderr
    verified = run_aura("models", "verify", "conversational_ai", "--full", "--json", env=env)
    assert verified.returncode == 0, verified.stdout
    assert EXPORT in {d["name"] for d in json.loads(verified.stdout)["derived"]}

    assert run_aura("users", "create", "owner", env=env).returncode == 0  # a database to back up
    backups = tmp_path / "backups"
    made = run_aura("backup", "create", env={**env, "AURA_BACKUP_DIR": str(backups)})
    assert made.returncode == 0, made.stderr
    (archive,) = backups.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names and not [n for n in names if "aura-derived" in n or n.endswith(".onnx")]


def test_a_damaged_export_is_detected_and_rebuilt(onnx, tree):
    env = {"AURA_DATA_DIR": str(tree)}
    model = onnx.export_dir / "model.onnx"
    size = model.stat().st_size
    with open(model, "r+b") as handle:  # same size, different bytes: only a hash sees it
        handle.seek(size // 2)
        handle.write(b"\x00" * 4096)
    verified = run_aura("models", "verify", "conversational_ai", "--full", "--json", env=env)
    assert verified.returncode == 1
    (broken,) = [d for d in json.loads(verified.stdout)["derived"] if d["name"] == EXPORT]
    assert broken["state"] == "broken" and "checksum" in broken["problems"][0]

    # the next load finds it and rebuilds it: from the shared cache's verified copy (a
    # real export when there is none, as on the first start of a machine)
    again = TextEmbedder.from_store(load_settings(data_dir=tree))
    again.load()
    assert again.export_dir == onnx.export_dir
    assert verify_artifact(again.export_dir, full=True).ok
    manifest = read_artifact(again.export_dir)
    assert manifest is not None and manifest.extra["passed"]
    texts = ["grey wool coat", "white sneakers"]
    assert float(np.abs(again.embed(texts) - onnx.embed(texts)).max()) <= 1e-5

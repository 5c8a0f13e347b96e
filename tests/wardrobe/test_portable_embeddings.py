"""'Download my data' carries the photo features of items saved from photos, and its import
restores them, so 'similar items' works on the new account as on the old; a tampered vector
refuses the whole archive; an archive made before embeddings.json existed still imports."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import select

from aura.config import load_settings
from aura.layout import DataTree
from aura.storage.changes import Space
from aura.storage.schema import ItemEmbedding
from aura.vision.weights import IMAGE_SPACE_MODEL
from aura.wardrobe.portable import ArchiveRejected, export_zip, import_zip

IMAGE = Space(IMAGE_SPACE_MODEL, "test-revision", 1280)
LIMIT = 10 * 1024 * 1024
NAN = base64.b64encode(np.full(1280, np.nan, np.float32).tobytes()).decode()


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from aura.platform import Platform
    from aura.startup import Startup

    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("portable") / "data", service="conversational_ai"
    )
    DataTree(settings).setup()
    made = Platform(settings)
    phases = [p for p in made.phases() if p.name != "assistant model load"]
    assert Startup(phases).run().status == "ready"
    yield made
    made.close()


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(IMAGE.dimension).astype(np.float32)
    return v / np.linalg.norm(v)


def _image_vectors(platform, user_id: int) -> dict[str, np.ndarray]:
    """{item description: its photo-features vector} of the user's items."""
    items = {i["id"]: i["description"] for i in platform.wardrobe.list(user_id)["items"]}
    with platform.db.session() as s:
        rows = s.scalars(
            select(ItemEmbedding).where(
                ItemEmbedding.user_id == user_id, ItemEmbedding.model_id == IMAGE_SPACE_MODEL
            )
        ).all()
        return {items[r.item_id]: np.frombuffer(r.vector, np.float32) for r in rows}


def _rezip(blob: bytes, change) -> bytes:
    """The archive with embeddings.json changed by ``change`` and the manifest re-signed
    (a forger's archive: only the content checks can catch it)."""
    src = zipfile.ZipFile(io.BytesIO(blob))
    files = {n: src.read(n) for n in src.namelist() if n != "manifest.json"}
    manifest = json.loads(src.read("manifest.json"))
    if change is None:
        files.pop("embeddings.json")
        manifest["files"].pop("embeddings.json")
    else:
        files["embeddings.json"] = json.dumps(change(json.loads(files["embeddings.json"])))\
            .encode()  # fmt: skip
    for name, content in files.items():
        manifest["files"][name] = {"sha256": hashlib.sha256(content).hexdigest(),
                                   "size": len(content)}  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_photo_features_go_along_and_come_back(platform) -> None:
    from aura.storage.users import create_user

    svc = platform.wardrobe
    ann, _ = create_user(platform.db, "ann")
    ben, _ = create_user(platform.db, "ben")
    fields = [
        {"category": c, "colors": [colour], "pattern": None, "description": d, "attributes": {}}
        for c, colour, d in (
            ("coat", "camel", "camel coat"),
            ("jeans", "blue", "straight jeans"),
            ("t-shirt", "white", "plain tee"),
        )
    ]
    # as from-photo stores them: the items with their photo-features vectors
    vectors = [{IMAGE: _vector(1)}, {IMAGE: _vector(2)}, {}]
    svc.create_many(ann, fields, vectors=vectors)
    before = _image_vectors(platform, ann)
    assert set(before) == {"camel coat", "straight jeans"}

    blob = export_zip(platform.db, ann)
    listed = json.loads(zipfile.ZipFile(io.BytesIO(blob)).read("embeddings.json"))
    assert len(listed) == 2 and {e["model_id"] for e in listed} == {IMAGE_SPACE_MODEL}

    # forged vectors: refused whole, nothing written
    for change, words in (
        (lambda e: [{**e[0], "vector": base64.b64encode(b"\0" * 12).decode()}], "numbers"),
        (lambda e: [{**e[0], "item_id": 10**9}], "not in items.json"),
        (lambda e: [{**e[0], "model_id": "someone/else"}], "not one whose vectors"),
        (lambda e: [{**e[0], "vector": NAN}], "not finite"),
    ):
        with pytest.raises(ArchiveRejected, match=words):
            import_zip(svc, ben, _rezip(blob, change), LIMIT)
        assert svc.list(ben)["total"] == 0

    done = import_zip(svc, ben, blob, LIMIT)
    assert done["imported"]["items"] == 3 and done["imported"]["embeddings"] == 2
    after = _image_vectors(platform, ben)
    assert set(after) == set(before)
    for name, vector in before.items():
        assert np.array_equal(after[name], vector)
    # similar items by the photo on the new account, as on the old
    coat = next(i["id"] for i in svc.list(ben)["items"] if i["description"] == "camel coat")
    similar = platform.similar.similar(ben, coat, k=5)
    assert similar["space"] == "image"
    assert [r["item"]["description"] for r in similar["results"]] == ["straight jeans"]

    # an archive without embeddings.json (an older export): imports, text only
    cara, _ = create_user(platform.db, "cara")
    older = import_zip(svc, cara, _rezip(blob, None), LIMIT)
    assert older["imported"]["items"] == 3 and older["imported"]["embeddings"] == 0

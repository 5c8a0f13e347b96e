"""The Polyvore Outfits reader, the synthetic data set written in that format, features."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from aura.errors import DatasetError
from aura.outfits import synthetic
from aura.outfits.features import FeatureCache, HandcraftedExtractor, hashed_text
from aura.outfits.polyvore import PolyvoreDataset


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("polyvore")
    return synthetic.generate(root, n_items=240, n_outfits=(80, 30, 40), n_fitb=30, seed=3)


def _write_tiny(root: Path) -> None:
    """Three outfits written by hand, exactly as the public archive lays them out."""
    meta = {
        "1001": {
            "url_name": "white tee",
            "catgeories": [],
            "title": "White tee",
            "category_id": "11",
            "semantic_category": "tops",
            "description": "",
        },
        "1002": {
            "title": "",
            "url_name": "blue jeans",
            "semantic_category": "bottoms",
            "category_id": "27",
            "description": "Slim blue jeans",
        },
        "1003": {"title": "Sneakers", "semantic_category": "shoes", "category_id": "41"},
        "1004": {"title": "Red heels", "semantic_category": "shoes", "category_id": "43"},
        "1005": {"title": "Gown", "semantic_category": "all-body", "category_id": "3"},
    }
    (root / "nondisjoint").mkdir(parents=True)
    (root / "polyvore_item_metadata.json").write_text(json.dumps(meta))
    outfits = [
        {
            "set_id": "55",
            "items": [
                {"item_id": "1002", "index": 2},
                {"item_id": "1001", "index": 1},
                {"item_id": "1003", "index": 3},
            ],
        },
        {
            "set_id": "66",
            "items": [{"item_id": "1005", "index": 1}, {"item_id": "1004", "index": 2}],
        },
    ]
    (root / "nondisjoint" / "test.json").write_text(json.dumps(outfits))
    (root / "nondisjoint" / "compatibility_test.txt").write_text(
        "1 55_1 55_2 55_3\n0 55_1 66_1 66_2\n"
    )
    fitb = [{"question": ["55_1", "55_2"], "answers": ["66_2", "55_3"], "blank_position": 3}]
    (root / "nondisjoint" / "fill_in_blank_test.json").write_text(json.dumps(fitb))


def test_reads_the_published_format(tmp_path: Path) -> None:
    _write_tiny(tmp_path)
    ds = PolyvoreDataset(tmp_path)
    split = ds.load_split("test")
    assert [o.item_ids for o in split.outfits] == [("1001", "1002", "1003"), ("1005", "1004")]
    assert [(q.label, q.item_ids) for q in split.compatibility] == [
        (1, ("1001", "1002", "1003")),
        (0, ("1001", "1005", "1004")),
    ]
    (q,) = split.fitb
    assert q.question == ("1001", "1002") and q.answers == ("1004", "1003")
    assert q.correct == 1 and q.blank_position == 3  # the answer from the question's own outfit
    assert ds.items["1002"].text == "blue jeans"  # url_name when the title is empty
    assert ds.image_path("1001") == tmp_path / "images" / "1001.jpg"


def test_format_errors_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"polyvore_item_metadata\.json is missing") as err:
        PolyvoreDataset(tmp_path)
    assert "aura outfits synthesize" in (err.value.fix or "")
    _write_tiny(tmp_path)
    (tmp_path / "nondisjoint" / "compatibility_test.txt").write_text("1 55_1 77_4\n")
    with pytest.raises(DatasetError, match="77_4"):
        PolyvoreDataset(tmp_path).load_split("test")
    with pytest.raises(DatasetError, match="Unknown Polyvore version"):
        PolyvoreDataset(tmp_path, "joint")


def test_synthetic_data_follows_its_hidden_rules(data: Path) -> None:
    truth = synthetic.load_truth(data)
    ds = PolyvoreDataset(data)
    for name in ("train", "valid", "test"):
        split = ds.load_split(name)
        assert all(synthetic.is_compatible([truth[i] for i in o.item_ids]) for o in split.outfits)
        labels = [q.label for q in split.compatibility]
        assert labels.count(1) == len(split.outfits) and labels.count(0) > 0.9 * len(split.outfits)
        for q in split.compatibility:
            assert synthetic.is_compatible([truth[i] for i in q.item_ids]) == bool(q.label)
        assert split.fitb
        for f in split.fitb:
            assert len(f.answers) == 4
            fits = [
                synthetic.is_compatible([truth[i] for i in (*f.question, a)]) for a in f.answers
            ]
            assert fits == [n == f.correct for n in range(4)]
            assert len({truth[a].category for a in f.answers}) == 1  # same-category distractors
    with Image.open(ds.image_path(next(iter(ds.items)))) as img:
        assert img.format == "JPEG" and img.size == (64, 64)


def test_disjoint_version_shares_no_item_between_splits(data: Path) -> None:
    ds = PolyvoreDataset(data, "disjoint")
    train, test = ds.load_split("train", questions=False), ds.load_split("test")
    assert not train.item_ids() & test.item_ids()
    nd = PolyvoreDataset(data, "nondisjoint")
    assert nd.load_split("train").item_ids() & nd.load_split("test").item_ids()


def test_features_are_cached_and_extended(data: Path, tmp_path: Path) -> None:
    ds = PolyvoreDataset(data)
    ids = sorted(ds.items)[:30]
    cache = FeatureCache(tmp_path, HandcraftedExtractor())
    first = cache.get({i: (ds.image_path(i), ds.items[i].text) for i in ids[:20]})
    assert first.image.shape == (20, HandcraftedExtractor.image_dim)
    stamp = cache.path.stat().st_mtime_ns
    again = cache.get({i: (ds.image_path(i), ds.items[i].text) for i in ids[5:15]})
    assert cache.path.stat().st_mtime_ns == stamp  # nothing recomputed, nothing written
    assert np.array_equal(again.image, first.image[5:15])
    more = cache.get({i: (ds.image_path(i), ds.items[i].text) for i in ids})
    assert more.ids == ids and np.array_equal(more.image[:20], first.image)
    cache.path.write_bytes(b"garbage")  # a corrupt cache is a missing cache
    rebuilt = cache.get({i: (ds.image_path(i), ds.items[i].text) for i in ids})
    assert np.allclose(rebuilt.image, more.image)


def test_colour_is_in_the_image_features() -> None:
    red = Image.new("RGB", (64, 64), (255, 255, 255))
    red.paste((200, 30, 30), (10, 10, 50, 50))
    blue = Image.new("RGB", (64, 64), (255, 255, 255))
    blue.paste((30, 30, 200), (10, 10, 50, 50))
    a, b = HandcraftedExtractor().image_features([red, blue])
    assert a[:72].sum() == pytest.approx(1.0) and b[:72].sum() == pytest.approx(1.0)
    assert float(a[:72] @ b[:72]) == 0.0  # no shared colour bin; background left out
    t = hashed_text(["smart navy blazer", "smart navy blazer", "relaxed tee"])
    assert np.allclose(t[0], t[1]) and abs(float(t[0] @ t[2])) < 0.5


def test_efficientnet_lite0_weights_load_strictly() -> None:
    torch = pytest.importorskip("torch")
    from aura.outfits.effnet import EffNetExtractor

    ext = EffNetExtractor()
    img = Image.new("RGB", (300, 300), (255, 255, 255))
    img.paste((20, 20, 120), (60, 40, 240, 280))
    feats = ext.image_features([img, img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)])
    assert feats.shape == (2, 1280) and np.isfinite(feats).all()
    with torch.no_grad():
        from aura.outfits.effnet import to_input

        probs = ext.net(to_input([img]))[1].softmax(-1)  # (pooled, ImageNet logits)
    assert probs.shape == (1, 1000) and float(probs.sum()) == pytest.approx(1.0, abs=1e-4)


def test_another_data_set_with_the_same_ids_gets_its_own_features(
    data: Path, tmp_path: Path
) -> None:
    from aura.outfits.train import load_table

    other = synthetic.generate(tmp_path / "other", n_items=240, n_outfits=(80, 30, 40), seed=4)
    cache = tmp_path / "features"
    tables = []
    for root in (data, other):
        ds = PolyvoreDataset(root)
        tables.append(load_table(ds, [ds.load_split("test")], "handcrafted", cache))
    shared = sorted(set(tables[0].features.ids) & set(tables[1].features.ids))
    assert shared  # the generator reuses item ids across seeds, as unrelated data sets may
    a = tables[0].features.image[tables[0].features.rows(shared)]
    b = tables[1].features.image[tables[1].features.rows(shared)]
    assert not np.allclose(a, b)
    assert len(list(cache.glob("handcrafted-*.npz"))) == 2

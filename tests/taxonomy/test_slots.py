"""The garment taxonomy: words people type and classes models produce land in one slot."""

from __future__ import annotations

import numpy as np
import pytest

from aura.taxonomy import Slot, Taxonomy, colour_family, lexical_slot, slot_of
from aura.taxonomy.resolver import describe
from aura.vision.classifier import CLASSES as FASHION_MNIST
from aura.vision.imagenet_garments import GARMENT_CLASSES

EXPECTED = {
    Slot.TOP: ["t-shirt", "Tee", "T-Shirts", "shirt", "blouses", "Sweater", "hoodie",
               "cardigan", "tank top", "white linen shirt", "short sleeve shirt", "Pullover"],
    Slot.BOTTOM: ["jeans", "Trousers", "chinos", "shorts", "skirt", "pencil skirts",
                  "slim-fit jeans", "cargo pants", "Trouser"],
    Slot.ONE_PIECE: ["dress", "Dresses", "jumpsuit", "shirt dress", "jacket dress", "gown"],
    Slot.OUTERWEAR: ["jacket", "coats", "blazer", "parka", "raincoat", "rain jacket",
                     "denim jacket", "trench coat", "puffer vest", "suit jacket", "Coat"],
    Slot.SHOES: ["sneakers", "boots", "loafers", "sandals", "Ankle boot", "rain boots",
                 "Sneaker", "Sandal", "running shoes", "heels"],
    Slot.BAG: ["bag", "Bag", "handbag", "backpack", "tote bags"],
    Slot.ACCESSORY: ["belt", "scarves", "hat", "sunglasses", "earrings", "watch"],
}  # fmt: skip


@pytest.mark.parametrize(("slot", "text"), [(s, t) for s, ts in EXPECTED.items() for t in ts])
def test_words_people_type_land_in_their_slot(slot: Slot, text: str) -> None:
    assert slot_of(text) is slot, text


def test_every_fashion_mnist_and_imagenet_garment_class_has_a_slot() -> None:
    for name in FASHION_MNIST:
        assert lexical_slot(name) is not None, name
    for name, _group in GARMENT_CLASSES.values():
        assert lexical_slot(name.split(",")[0]) is not None, name


def test_unknown_words_are_other_without_an_embedder_and_say_so() -> None:
    match = Taxonomy().resolve("zzgloop")
    assert (match.slot, match.source) == (Slot.OTHER, "unknown")
    assert Taxonomy().resolve("Chinos").as_dict() == {
        "slot": "bottom", "source": "word", "term": "chinos", "similarity": None,
    }  # fmt: skip


def test_embedding_fallback_places_an_unknown_word_by_its_nearest_term() -> None:
    """A toy embedder (character trigrams) stands in for the sentence model: the fallback's
    logic (nearest known term, threshold, cache) is what is tested here."""
    calls: list[int] = []

    def trigrams(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text} "
            for i in range(len(padded) - 2):
                out[row, hash(padded[i : i + 3]) % 512] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

    taxonomy = Taxonomy(trigrams)
    match = taxonomy.resolve("sneakerz")
    assert (match.slot, match.source) == (Slot.SHOES, "embedding")
    assert match.similarity is not None and match.similarity >= 0.45
    assert taxonomy.resolve("qqqq xxxx").slot is Slot.OTHER
    before = len(calls)
    taxonomy.resolve("sneakerz")
    assert len(calls) == before  # cached


def test_colour_families() -> None:
    assert colour_family("mustard") == "yellow"
    assert colour_family("Sky Blue") == "blue"
    assert colour_family("denim") == "blue"
    assert colour_family("navy blue") == "navy"
    assert colour_family("light grey") == "grey"
    assert colour_family("hot pink") == "pink"
    assert colour_family("linen") is None


def test_describe_lists_every_slot_and_family() -> None:
    data = describe()
    assert [s["slot"] for s in data["slots"]] == [str(s) for s in Slot]
    assert len(data["colour_families"]) == 15
    assert set(data["core"]) == {"top", "bottom", "one-piece"}

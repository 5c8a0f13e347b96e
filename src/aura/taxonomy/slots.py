"""Garment slots and the words that name them; one rule: a category text maps to one slot.

A slot is where a garment goes on a person: ``top``, ``bottom``, ``one-piece`` (a dress or
jumpsuit covers top and bottom), ``outerwear``, ``shoes``, ``bag``, ``accessory``, or
``other``. :func:`lexical_slot` knows the words people type, Fashion-MNIST's and ImageNet's
garment classes and Polyvore's semantic categories, in any case, singular or plural; in a
phrase the last known word (or two-word term) wins: "denim jacket" is outerwear, "shirt
dress" a one-piece, "rain boots" shoes. Words it does not know return ``None`` here; the
:class:`~aura.taxonomy.resolver.Taxonomy` then asks the text embedding.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache


class Slot(StrEnum):
    TOP = "top"
    BOTTOM = "bottom"
    ONE_PIECE = "one-piece"
    OUTERWEAR = "outerwear"
    SHOES = "shoes"
    BAG = "bag"
    ACCESSORY = "accessory"
    OTHER = "other"


SLOTS: tuple[Slot, ...] = tuple(Slot)
# what an outfit is built on: a top and a bottom, or a one-piece
CORE_SLOTS: frozenset[Slot] = frozenset({Slot.TOP, Slot.BOTTOM, Slot.ONE_PIECE})

# Singular, lower-case terms; plurals and case are folded by :func:`normalise`.
_TERMS: dict[Slot, tuple[str, ...]] = {
    Slot.TOP: (
        "top", "tops", "t-shirt", "t shirt", "tshirt", "tee", "shirt", "blouse", "sweater",
        "jumper", "pullover", "hoodie", "hoody", "sweatshirt", "cardigan", "tank", "tank top",
        "vest top", "camisole", "cami", "polo", "polo shirt", "knit", "knitwear", "turtleneck",
        "rollneck", "crop top", "bodysuit", "tunic", "henley", "jersey", "long sleeve", "halter",
        "button-down", "button down", "oxford shirt", "flannel", "sweater vest", "waistcoat",
        "corset", "bustier", "apron", "kurta", "top/blouse", "t-shirt/top", "upper body",
    ),
    Slot.BOTTOM: (
        "bottom", "bottoms", "jean", "jeans", "denims", "trouser", "trousers", "pant", "pants",
        "chino", "chinos", "short", "shorts", "skirt", "miniskirt", "mini skirt", "midi skirt",
        "maxi skirt", "pencil skirt", "skort", "legging", "leggings", "jogger", "joggers",
        "sweatpants", "tracksuit bottoms", "culottes", "cargo", "cargos", "slacks", "capri",
        "capris", "bermuda", "hoopskirt", "overskirt", "sarong", "swimming trunks",
        "board shorts", "lower body",
    ),
    Slot.ONE_PIECE: (
        "one-piece", "one piece", "all-body", "dress", "sundress", "gown", "jumpsuit", "romper",
        "playsuit", "overall", "overalls", "dungarees", "boilersuit", "kaftan", "caftan",
        "kimono", "abaya", "sari", "saree", "shirt dress", "slip dress", "maxi dress",
        "midi dress", "mini dress", "wrap dress", "cocktail dress", "suit", "tuxedo",
        "swimsuit", "bikini", "maillot", "tank suit", "wetsuit", "onesie", "pajama", "pyjama",
        "pajamas", "pyjamas", "nightgown", "tracksuit",
    ),
    Slot.OUTERWEAR: (
        "outerwear", "coat", "jacket", "blazer", "parka", "raincoat", "rain jacket", "mac",
        "trench", "trench coat", "puffer", "puffer jacket", "anorak", "windbreaker", "gilet",
        "bomber", "overcoat", "peacoat", "pea coat", "fleece", "shacket", "poncho", "cape",
        "cloak", "fur coat", "lab coat", "suit jacket", "sport coat", "leather jacket",
        "denim jacket", "duffle coat", "down jacket", "shell jacket", "academic gown",
        "military uniform", "vest", "body warmer",
    ),
    Slot.SHOES: (
        "shoes", "shoe", "footwear", "sneaker", "sneakers", "trainer", "trainers", "boot",
        "boots", "ankle boot", "chelsea boot", "rain boot", "wellington", "wellies",
        "cowboy boot", "loafer", "loafers", "sandal", "sandals", "heel", "heels", "pump",
        "pumps", "stiletto", "oxford", "oxfords", "brogue", "brogues", "derby", "flat",
        "flats", "ballet flat", "espadrille", "slipper", "slippers", "mule", "mules", "clog",
        "clogs", "flip-flop", "flip flop", "slide", "slides", "running shoe", "court shoe",
        "moccasin", "boat shoe", "wedge", "wedges",
    ),
    Slot.BAG: (
        "bag", "bags", "handbag", "backpack", "rucksack", "clutch", "tote", "tote bag",
        "satchel", "purse", "crossbody", "shoulder bag", "messenger bag", "mailbag", "wallet",
        "duffel", "duffle bag", "bum bag", "fanny pack", "briefcase", "shopper",
    ),
    Slot.ACCESSORY: (
        "accessory", "accessories", "belt", "scarf", "hat", "cap", "beanie", "beret",
        "sunglasses", "glasses", "tie", "bow tie", "bolo tie", "windsor tie", "necktie",
        "gloves", "glove", "mitten", "mittens", "watch", "jewellery", "jewelry", "necklace",
        "earring", "earrings", "bracelet", "ring", "brooch", "hair clip", "headband",
        "bonnet", "sombrero", "cowboy hat", "fedora", "stole", "shawl", "pashmina", "sock",
        "socks", "tights", "umbrella", "cufflinks", "pocket square", "suspenders",
    ),
    Slot.OTHER: (
        "other", "underwear", "brassiere", "bra", "lingerie", "boxers", "briefs",
        "sleepwear", "swimwear", "garment", "clothing", "item",
    ),
}  # fmt: skip

_LOOKUP: dict[str, Slot] = {term: slot for slot, terms in _TERMS.items() for term in terms}
_SPLIT = re.compile(r"[^a-z0-9\-/ ]+")


def synonyms(slot: Slot | str) -> tuple[str, ...]:
    """The words known to name ``slot`` (for the taxonomy route and the embedding fallback)."""
    return _TERMS[Slot(slot)]


def _fold(word: str) -> list[str]:
    """``word`` and its singular candidates ("dresses" → "dress", "hoodies" → "hoody")."""
    out = [word]
    if word.endswith("ves"):  # scarves, gloves' cousins: scarf
        out.append(word[:-3] + "f")
    if word.endswith("ies"):
        out.append(word[:-3] + "y")
    if word.endswith("es"):
        out.append(word[:-2])
    if word.endswith("s"):
        out.append(word[:-1])
    return out


def normalise(text: str) -> str:
    """Lower case, punctuation other than ``-`` and ``/`` as spaces, single spaces."""
    return " ".join(_SPLIT.sub(" ", text.lower().replace("_", " ")).split())


@lru_cache(maxsize=4096)
def lexical_slot(text: str) -> tuple[Slot, str] | None:
    """(slot, the known term that decided it) for a category text, or None if no word is known.

    The whole text first, then the last known two-word term, then the last known word."""
    norm = normalise(text)
    if not norm:
        return None
    for candidate in _fold(norm):
        if candidate in _LOOKUP:
            return _LOOKUP[candidate], candidate
    words = norm.replace("/", " ").split()
    for end in range(len(words), 0, -1):
        if end >= 2:
            pair = " ".join(words[end - 2 : end])
            for candidate in (*_fold(pair), pair.replace(" ", "-")):
                if candidate in _LOOKUP:
                    return _LOOKUP[candidate], candidate
        for candidate in _fold(words[end - 1]):
            if candidate in _LOOKUP:
                return _LOOKUP[candidate], candidate
    return None


def slot_of(text: str) -> Slot:
    """The slot of a category text by its words alone; :attr:`Slot.OTHER` when none is known.

    Use :meth:`Taxonomy.resolve <aura.taxonomy.resolver.Taxonomy.resolve>` where a text
    embedder is at hand: it also places words this table does not know."""
    found = lexical_slot(text)
    return found[0] if found else Slot.OTHER

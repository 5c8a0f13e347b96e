"""A small data set in the Polyvore Outfits format whose compatibility follows hidden rules.

The real data set cannot be downloaded here, so tests and benchmarks generate one: real
JPEG images drawn with PIL (a garment silhouette per category, filled with the item's
colour; casual items striped, formal ones plain) and metadata with short titles. An outfit
is compatible exactly when (:func:`is_compatible`):

* category coverage: one top and one bottom, or one all-body piece, plus one pair of shoes,
  optionally one outerwear and one bag, no category twice;
* formality: every item casual, or every item formal;
* colour harmony: neutrals go with anything; the accent colours are within 45° of hue of
  each other.

Colour is only in the image and formality only partly in the text, so a model must read
both modalities. The attributes are written to ``synthetic_truth.json`` beside the data
(not part of the format; the reader ignores it) so tests can check the rule scorer too.
"""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from aura.outfits import polyvore
from aura.outfits.polyvore import Outfit
from aura.storage import atomic

TRUTH_FILE = "synthetic_truth.json"
NEUTRALS = {
    "black": (20, 20, 20),
    "white": (225, 225, 225),
    "grey": (128, 128, 128),
    "beige": (214, 196, 160),
    "navy": (28, 36, 84),
}
ACCENTS = {
    "red": 0,
    "orange": 30,
    "yellow": 55,
    "green": 120,
    "teal": 175,
    "blue": 215,
    "purple": 275,
    "pink": 330,
}
FINE = {
    "tops": (["t-shirt", "tank top", "sweater"], ["blouse", "shirt"]),
    "bottoms": (["jeans", "shorts"], ["trousers", "pencil skirt"]),
    "all-body": (["sundress", "jumpsuit"], ["gown", "sheath dress"]),
    "shoes": (["sneakers", "sandals"], ["pumps", "oxfords"]),
    "outerwear": (["parka", "denim jacket"], ["blazer", "trench coat"]),
    "bags": (["backpack", "tote"], ["clutch", "satchel"]),
}
SIZE = 64


@dataclass(frozen=True)
class Garment:
    item_id: str
    category: str
    formal: bool
    colour: str
    fine: str

    @property
    def hue(self) -> int | None:
        return ACCENTS.get(self.colour)


def _hue_gap(a: int, b: int) -> int:
    d = abs(a - b) % 360
    return min(d, 360 - d)


def is_compatible(items: list[Garment]) -> bool:
    """The hidden rule: coverage, one formality, harmonious accent colours."""
    cats = [g.category for g in items]
    if len(set(cats)) != len(cats) or "shoes" not in cats:
        return False
    body = {"tops", "bottoms"} <= set(cats) and "all-body" not in cats
    dress = "all-body" in cats and not ({"tops", "bottoms"} & set(cats))
    if not (body or dress):
        return False
    if len({g.formal for g in items}) != 1:
        return False
    hues = [g.hue for g in items if g.hue is not None]
    return all(_hue_gap(a, b) <= 45 for a in hues for b in hues)


def _rgb(colour: str, rng: random.Random) -> tuple[int, int, int]:
    if colour in NEUTRALS:
        base = NEUTRALS[colour]
    else:
        r, g, b = colorsys.hsv_to_rgb(ACCENTS[colour] / 360, 0.75, 0.85)
        base = (int(r * 255), int(g * 255), int(b * 255))
    return tuple(max(0, min(255, c + rng.randint(-12, 12))) for c in base)  # type: ignore[return-value]


def _silhouette(category: str) -> list[tuple[int, int]]:
    s = SIZE
    return {
        "tops": [
            (8, 14),
            (22, 8),
            (42, 8),
            (56, 14),
            (50, 24),
            (44, 20),
            (44, 54),
            (20, 54),
            (20, 20),
            (14, 24),
        ],
        "bottoms": [(18, 6), (46, 6), (50, 58), (36, 58), (32, 24), (28, 58), (14, 58)],
        "all-body": [(24, 4), (40, 4), (42, 20), (54, 60), (10, 60), (22, 20)],
        "shoes": [(6, 36), (26, 36), (30, 44), (58, 48), (58, 56), (6, 56)],
        "outerwear": [(6, 12), (22, 4), (42, 4), (58, 12), (54, 60), (10, 60)],
        "bags": [(10, 22), (54, 22), (58, 58), (6, 58)],
    }[category] or [(0, 0), (s, s)]


def draw(g: Garment, rng: random.Random) -> Image.Image:
    """A garment picture: silhouette in the item's colour on white; casual items striped."""
    img = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
    mask = Image.new("L", (SIZE, SIZE), 0)
    ImageDraw.Draw(mask).polygon(_silhouette(g.category), fill=255)
    fill = Image.new("RGB", (SIZE, SIZE), _rgb(g.colour, rng))
    if not g.formal:
        stripe = ImageDraw.Draw(fill)
        tone = tuple(min(255, c + 60) for c in fill.getpixel((0, 0)))  # type: ignore[union-attr]
        for y in range(rng.randint(0, 5), SIZE, 8):
            stripe.rectangle([0, y, SIZE, y + 2], fill=tone)
    img.paste(fill, (0, 0), mask)
    if g.category == "bags":
        ImageDraw.Draw(img).arc([20, 6, 44, 34], 180, 360, fill=(60, 60, 60), width=3)
    return img


def _title(g: Garment, rng: random.Random) -> str:
    words = [rng.choice(["classic", "new", "essential", "vintage", "", ""])]
    if rng.random() < 0.5:
        words.append("smart" if g.formal else "relaxed")
    words.append(g.fine)
    return " ".join(w for w in words if w)


def _make_items(n: int, rng: random.Random) -> list[Garment]:
    colours = list(NEUTRALS) + list(ACCENTS)
    items = []
    cats = list(FINE)
    for k in range(n):
        cat = cats[k % len(cats)] if k < len(cats) * 4 else rng.choice(cats)
        formal = rng.random() < 0.5
        fine = rng.choice(FINE[cat][1 if formal else 0])
        items.append(Garment(str(100000000 + k), cat, formal, rng.choice(colours), fine))
    return items


def _positive(pool: dict[tuple[str, bool], list[Garment]], rng: random.Random) -> list[Garment]:
    for _ in range(200):
        cats = rng.choice([["tops", "bottoms", "shoes"], ["all-body", "shoes"]])
        cats += [c for c, p in (("outerwear", 0.3), ("bags", 0.4)) if rng.random() < p]
        formal = rng.random() < 0.5
        accent = rng.choice(list(ACCENTS.values()))
        chosen = []
        for cat in cats:
            fits = [
                g
                for g in pool.get((cat, formal), [])
                if g.hue is None or _hue_gap(g.hue, accent) <= 22
            ]
            if not fits:
                break
            chosen.append(rng.choice(fits))
        if len(chosen) == len(cats) and is_compatible(chosen):
            rng.shuffle(chosen)
            return chosen
    raise RuntimeError("the item pool is too small to build a compatible outfit")


def _split_questions(
    outfits: list[Outfit], by_id: dict[str, Garment], rng: random.Random, n_fitb: int
) -> tuple[list[tuple[int, list[str]]], list[dict[str, Any]]]:
    """Compatibility pairs (every outfit and one negative) and FITB questions, as keys."""
    refs: dict[str, list[tuple[str, str]]] = {}
    everything: list[tuple[str, str]] = []
    for o in outfits:
        for n, item_id in enumerate(o.item_ids):
            key = (item_id, f"{o.set_id}_{n + 1}")
            refs.setdefault(by_id[item_id].category, []).append(key)
            everything.append(key)
    compat: list[tuple[int, list[str]]] = []
    for o in outfits:
        compat.append((1, [f"{o.set_id}_{n + 1}" for n in range(len(o.item_ids))]))
        same_category = rng.random() < 2 / 3
        for _ in range(100):
            if same_category:
                picks = [rng.choice(refs[by_id[i].category]) for i in o.item_ids]
            else:
                picks = rng.sample(everything, len(o.item_ids))
            if not is_compatible([by_id[i] for i, _ in picks]):
                compat.append((0, [k for _, k in picks]))
                break
    rng.shuffle(compat)
    fitb = []
    for o in rng.sample(outfits, min(n_fitb, len(outfits))):
        blank = rng.randrange(len(o.item_ids))
        keys = [f"{o.set_id}_{n + 1}" for n in range(len(o.item_ids))]
        rest = [by_id[i] for n, i in enumerate(o.item_ids) if n != blank]
        cat = by_id[o.item_ids[blank]].category
        wrong = [
            k
            for i, k in refs[cat]
            if not k.startswith(o.set_id + "_") and not is_compatible([*rest, by_id[i]])
        ]
        if len(wrong) < 3:
            continue
        answers = [keys[blank], *rng.sample(wrong, 3)]
        rng.shuffle(answers)
        question = [k for n, k in enumerate(keys) if n != blank]
        fitb.append({"question": question, "answers": answers, "blank_position": blank + 1})
    return compat, fitb


def generate(
    root: Path,
    *,
    n_items: int = 600,
    n_outfits: tuple[int, int, int] = (400, 100, 150),
    n_fitb: int = 100,
    seed: int = 0,
) -> Path:
    """Write a Polyvore-format data set under ``root`` (both versions); returns ``root``."""
    rng = random.Random(seed)
    root = Path(root)
    items = _make_items(n_items, rng)
    by_id = {g.item_id: g for g in items}
    for g in items:
        path = root / polyvore.IMAGES_DIR / f"{g.item_id}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        draw(g, rng).save(path, "JPEG", quality=90)
    fine_ids = {f: str(n + 1) for n, f in enumerate(sorted({g.fine for g in items}))}
    polyvore.write_metadata(
        root,
        {
            g.item_id: {
                "url_name": _title(g, rng),
                "title": _title(g, rng),
                "description": "",
                "categories": [],
                "related": [],
                "category_id": fine_ids[g.fine],
                "semantic_category": g.category,
            }
            for g in items
        },
    )
    polyvore.write_categories(
        root,
        [
            (fine_ids[f], f, c)
            for c, fs in FINE.items()
            for group in fs
            for f in group
            if f in fine_ids
        ],
    )
    atomic.write_json(
        root / TRUTH_FILE,
        {
            g.item_id: {"category": g.category, "formal": g.formal, "colour": g.colour}
            for g in items
        },
    )
    shuffled = items[:]
    rng.shuffle(shuffled)
    thirds = [
        shuffled[: n_items * 6 // 10],
        shuffled[n_items * 6 // 10 : n_items * 8 // 10],
        shuffled[n_items * 8 // 10 :],
    ]
    set_counter = iter(range(200000000, 300000000))
    for version in polyvore.VERSIONS:
        for split, count, part in zip(polyvore.SPLITS, n_outfits, thirds, strict=True):
            source = items if version == "nondisjoint" else part
            pool: dict[tuple[str, bool], list[Garment]] = {}
            for g in source:
                pool.setdefault((g.category, g.formal), []).append(g)
            outfits = [
                Outfit(str(next(set_counter)), tuple(g.item_id for g in _positive(pool, rng)))
                for _ in range(count)
            ]
            compat, fitb = _split_questions(outfits, by_id, rng, n_fitb)
            polyvore.write_split(root, version, split, outfits, compat, fitb)
    return root


def load_truth(root: Path) -> dict[str, Garment]:
    raw = atomic.read_json(Path(root) / TRUTH_FILE) or {}
    return {k: Garment(k, v["category"], v["formal"], v["colour"], "") for k, v in raw.items()}

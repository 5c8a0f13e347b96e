"""Reader (and writer) for the Polyvore Outfits format (Vasileva et al., ECCV 2018).

The layout, exactly as the public data set ships it::

    ROOT/
      polyvore_item_metadata.json   {item_id: {"semantic_category", "category_id", "title",
                                               "url_name", "description", ...}}
      categories.csv                category_id,fine name,semantic category (optional)
      images/{item_id}.jpg
      {nondisjoint,disjoint}/
        {train,valid,test}.json     [{"set_id": "...", "items": [{"item_id": "...", "index": 1}]}]
        compatibility_{split}.txt   "label setid_index setid_index ..." (label 1 or 0)
        fill_in_blank_{split}.json  [{"question": [...], "answers": [...], "blank_position": n}]

Items in the question files are referenced as ``{set_id}_{index}``, resolved through the
split's outfit file. A fill-in-the-blank answer is correct when it comes from the same
outfit as the question (its ``set_id`` prefix equals the question's), which is how the
benchmark's own evaluation decides it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aura.errors import DatasetError
from aura.storage import atomic

VERSIONS = ("nondisjoint", "disjoint")
SPLITS = ("train", "valid", "test")
METADATA_FILE = "polyvore_item_metadata.json"
CATEGORIES_FILE = "categories.csv"
IMAGES_DIR = "images"


@dataclass(frozen=True)
class Item:
    item_id: str
    semantic_category: str
    category_id: str = ""
    title: str = ""
    description: str = ""

    @property
    def text(self) -> str:
        """The text the model reads: title, else description, else the category name."""
        return (self.title or self.description or self.semantic_category).strip()


@dataclass(frozen=True)
class Outfit:
    set_id: str
    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class CompatibilityQuestion:
    label: int
    item_ids: tuple[str, ...]


@dataclass(frozen=True)
class FITBQuestion:
    question: tuple[str, ...]
    answers: tuple[str, ...]
    correct: int  # index into answers
    blank_position: int


@dataclass
class Split:
    name: str
    outfits: list[Outfit]
    compatibility: list[CompatibilityQuestion] = field(default_factory=list)
    fitb: list[FITBQuestion] = field(default_factory=list)

    def item_ids(self) -> set[str]:
        return {i for o in self.outfits for i in o.item_ids}


class PolyvoreDataset:
    """One Polyvore Outfits root and version (``nondisjoint`` is the paper's main split)."""

    def __init__(self, root: Path, version: str = "nondisjoint") -> None:
        self.root = Path(root)
        if version not in VERSIONS:
            raise DatasetError(
                f"Unknown Polyvore version {version!r}.", fix=f"Use one of {', '.join(VERSIONS)}."
            )
        self.version = version
        meta_path = self.root / METADATA_FILE
        raw = _read_json(meta_path)
        if not isinstance(raw, dict):
            raise DatasetError(f"{meta_path} is not a JSON object.", fix=_FIX)
        self.items: dict[str, Item] = {k: _item(k, v) for k, v in raw.items()}

    def image_path(self, item_id: str) -> Path:
        return self.root / IMAGES_DIR / f"{item_id}.jpg"

    def load_split(self, split: str, *, questions: bool = True) -> Split:
        folder = self.root / self.version
        data = _read_json(folder / f"{split}.json")
        outfits: list[Outfit] = []
        ref: dict[str, str] = {}
        for entry in data:
            set_id = str(entry["set_id"])
            ordered = sorted(entry["items"], key=lambda it: int(it["index"]))
            for it in ordered:
                ref[f"{set_id}_{it['index']}"] = str(it["item_id"])
            outfits.append(Outfit(set_id, tuple(str(it["item_id"]) for it in ordered)))
        missing = {i for o in outfits for i in o.item_ids} - self.items.keys()
        if missing:
            raise DatasetError(
                f"{len(missing)} items of {folder / (split + '.json')} are not in {METADATA_FILE} "
                f"(e.g. {sorted(missing)[0]}).",
                fix=_FIX,
            )
        result = Split(split, outfits)
        if questions:
            result.compatibility = _read_compatibility(folder / f"compatibility_{split}.txt", ref)
            result.fitb = _read_fitb(folder / f"fill_in_blank_{split}.json", ref)
        return result

    def categories(self) -> list[str]:
        return sorted({item.semantic_category for item in self.items.values()})


_FIX = (
    "Point --data at the folder holding polyvore_item_metadata.json, images/ and "
    "nondisjoint/ (the unpacked Polyvore Outfits archive), or generate a test set with "
    "`aura outfits synthesize DIR`."
)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{path} is missing.", fix=_FIX) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path} is not valid JSON: {exc}.", fix=_FIX) from None


def _item(item_id: str, raw: dict[str, Any]) -> Item:
    return Item(
        item_id=str(item_id),
        semantic_category=str(raw.get("semantic_category") or "unknown"),
        category_id=str(raw.get("category_id") or ""),
        title=str(raw.get("title") or raw.get("url_name") or ""),
        description=str(raw.get("description") or ""),
    )


def _resolve(ref: dict[str, str], key: str, path: Path) -> str:
    try:
        return ref[key]
    except KeyError:
        raise DatasetError(
            f"{path} refers to {key}, which no outfit of its split has.", fix=_FIX
        ) from None


def _read_compatibility(path: Path, ref: dict[str, str]) -> list[CompatibilityQuestion]:
    if not path.exists():
        raise DatasetError(f"{path} is missing.", fix=_FIX)
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            continue
        label = int(parts[0])
        out.append(CompatibilityQuestion(label, tuple(_resolve(ref, p, path) for p in parts[1:])))
    return out


def _read_fitb(path: Path, ref: dict[str, str]) -> list[FITBQuestion]:
    out = []
    for q in _read_json(path):
        set_id = str(q["question"][0]).rsplit("_", 1)[0]
        answers = [str(a) for a in q["answers"]]
        correct = [i for i, a in enumerate(answers) if a.rsplit("_", 1)[0] == set_id]
        if len(correct) != 1:
            raise DatasetError(f"{path}: a question has {len(correct)} correct answers.", fix=_FIX)
        out.append(
            FITBQuestion(
                question=tuple(_resolve(ref, k, path) for k in q["question"]),
                answers=tuple(_resolve(ref, k, path) for k in answers),
                correct=correct[0],
                blank_position=int(q.get("blank_position", 0)),
            )
        )
    return out


# ---- writing (used by the synthetic generator; the same format, nothing else) ----------


def write_metadata(root: Path, items: dict[str, dict[str, Any]]) -> None:
    atomic.write_json(root / METADATA_FILE, items)


def write_categories(root: Path, rows: list[tuple[str, str, str]]) -> None:
    path = root / CATEGORIES_FILE
    with atomic.atomic_open(path, "w") as handle:
        csv.writer(handle).writerows(rows)


def write_split(
    root: Path,
    version: str,
    split: str,
    outfits: list[Outfit],
    compatibility: list[tuple[int, list[str]]],
    fitb: list[dict[str, Any]],
) -> None:
    """Write one split; ``compatibility`` and ``fitb`` already use ``setid_index`` keys."""
    folder = root / version
    entries = [
        {
            "set_id": o.set_id,
            "items": [{"item_id": i, "index": n + 1} for n, i in enumerate(o.item_ids)],
        }
        for o in outfits
    ]
    atomic.write_text(folder / f"{split}.json", json.dumps(entries))
    lines = "".join(f"{label} {' '.join(keys)}\n" for label, keys in compatibility)
    atomic.write_text(folder / f"compatibility_{split}.txt", lines)
    atomic.write_text(folder / f"fill_in_blank_{split}.json", json.dumps(fitb))

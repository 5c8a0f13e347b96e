"""Wardrobe items as CSV: the import (validated whole, errors by line) and the export.

The columns are :data:`aura.wardrobe.fields.CSV_COLUMNS` (documented there); every row is
validated by the same :class:`~aura.wardrobe.fields.ItemFields` as the API. A file with any
bad row is refused as a whole, naming every bad line (up to 50), and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from aura.errors import InvalidInput
from aura.wardrobe.fields import CSV_COLUMNS, ItemFields, explain

MAX_ROWS = 10_000
MAX_ERRORS = 50
FIX = (
    "Correct the lines listed in `detail` and import the file again (nothing was imported). "
    f"Columns: {', '.join(CSV_COLUMNS)}; only category is required; colours separated by ';'."
)


class CsvRejected(InvalidInput):
    """A CSV file with bad rows; ``detail`` lists them: [{"line", "error"}]."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message, fix=FIX)
        self.detail = errors

    def to_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return {**super().to_dict(), "detail": self.detail}


def _row(raw: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        text = (value or "").strip()
        if key == "colors":
            out[key] = [c for c in (p.strip() for p in text.split(";")) if c]
        elif key == "attributes":
            if text:
                out[key] = json.loads(text)  # a JSONDecodeError names the line below
        elif text or key == "description":
            out[key] = text
    return out


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Every item of the CSV text, validated; CsvRejected lists the bad lines."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "category" not in header:
        raise CsvRejected(
            "line 1: the header row has no 'category' column.",
            [{"line": 1, "error": f"header {header or '(empty)'} lacks category"}],
        )
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise CsvRejected(
            f"line 1: unknown column(s) {unknown}.",
            [{"line": 1, "error": f"unknown column(s) {unknown}; allowed: {list(CSV_COLUMNS)}"}],
        )
    reader.fieldnames = header
    items: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    try:
        for raw in reader:
            line = reader.line_num
            if None in raw:
                errors.append({"line": line, "error": "more fields than the header has"})
                continue
            if not any((v or "").strip() for v in raw.values()):
                continue  # a blank line
            if len(items) >= MAX_ROWS:
                errors.append({"line": line, "error": f"more than {MAX_ROWS} rows"})
                break
            try:
                items.append(ItemFields.model_validate(_row(raw)).stored())
            except ValidationError as exc:
                errors.append({"line": line, "error": explain(exc)})
            except json.JSONDecodeError as exc:
                errors.append({"line": line, "error": f"attributes: not JSON ({exc.msg})"})
            if len(errors) >= MAX_ERRORS:
                break
    except csv.Error as exc:
        errors.append({"line": reader.line_num, "error": f"not CSV ({exc})"})
    if errors:
        first = errors[0]
        raise CsvRejected(
            f"{len(errors)} bad line(s) in the CSV, first line {first['line']}: {first['error']}",
            errors,
        )
    if not items:
        raise CsvRejected("The CSV has no items.", [{"line": 2, "error": "no rows"}])
    return items


def to_csv(items: Iterable[dict[str, Any]]) -> str:
    """Items (as the API shows them) in the import's columns: the export reads back in."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow(
            {
                "category": item["category"],
                "colors": ";".join(item.get("colors") or []),
                "pattern": item.get("pattern") or "",
                "description": item.get("description") or "",
                "purchase_price": ""
                if item.get("purchase_price") is None
                else item["purchase_price"],
                "purchase_date": item.get("purchase_date") or "",
                "laundry": item.get("laundry") or "clean",
                "attributes": json.dumps(item["attributes"]) if item.get("attributes") else "",
            }
        )
    return out.getvalue()

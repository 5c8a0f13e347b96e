"""The one schema of a wardrobe item's own fields: the API (``POST /api/v1/wardrobe/items``),
the JSON-lines bulk import and the CSV import all validate with :class:`ItemFields`.

CSV columns (a header row names them, any order; only ``category`` is required):
``category``, ``colors`` (separated by ``;``), ``pattern``, ``description``,
``purchase_price`` (a number, e.g. 49.90), ``purchase_date`` (YYYY-MM-DD), ``laundry``
(clean, in_wash, at_cleaner, lent_out) and ``attributes`` (a JSON object).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from aura.errors import InvalidInput

Name = Annotated[str, Field(min_length=1, max_length=50)]
Laundry = Literal["clean", "in_wash", "at_cleaner", "lent_out"]
CSV_COLUMNS = (
    "category",
    "colors",
    "pattern",
    "description",
    "purchase_price",
    "purchase_date",
    "laundry",
    "attributes",
)


def _clean(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class ItemFields(BaseModel):
    """What a person (or a file) says about an item."""

    model_config = ConfigDict(extra="forbid")
    category: Name
    colors: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=10
    )
    pattern: Annotated[str, Field(max_length=50)] | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    description: str = Field("", max_length=2000)
    purchase_price: float | None = Field(None, ge=0, le=10_000_000, allow_inf_nan=False)
    purchase_date: date | None = None
    laundry: Laundry = "clean"

    _lower = field_validator("category", "pattern", mode="after")(_clean)

    @field_validator("colors", mode="after")
    @classmethod
    def _colours(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(c.strip().lower() for c in value if c.strip()))

    def stored(self) -> dict[str, Any]:
        """The fields as the wardrobe service stores them."""
        out = self.model_dump()
        out["pattern"] = out["pattern"] or None
        return out


def explain(error: ValidationError) -> str:
    """A validation error in one line: "purchase_date: Input should be a valid date; ..."."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg']}" for e in error.errors()
    )


def validate_line(line_no: int, raw: Any) -> dict[str, Any]:
    """One item of a file, validated like the API; InvalidInput naming the line."""
    try:
        return ItemFields.model_validate(raw).stored()
    except ValidationError as exc:
        raise InvalidInput(
            f"line {line_no}: {explain(exc)}", fix="Fix that line and import again."
        ) from None

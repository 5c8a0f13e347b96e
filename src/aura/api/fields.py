"""Field rules the routes share, written so the published OpenAPI schema states exactly what
the API accepts (checked by schemathesis' ``positive_data_acceptance`` in test_fuzz_api.py).

* A JSON Schema ``integer`` includes whole-number floats (``1.0``), so the strict request
  models take them too: :data:`WholeNumber` turns ``1.0`` into ``1`` before the strict check
  (``1.5``, ``true`` and ``"1"`` are still refused).
* Ids stop at :data:`MAX_ID`, 2**53 - 1: every id up to it is exact as a JSON number in any
  client (JavaScript's largest safe integer), and a schema bound a float can hold exactly
  (2**63 - 1 as a float rounds up, so generators crossed it).
* Text that must say something carries ``minLength`` and the :data:`NOT_BLANK` pattern, and
  the route checks it with :func:`has_text`, the same rule in Python: JSON Schema's regexes
  (ECMA) and Python's disagree on what white space is (U+0085 and U+001C-001F are white
  space only to Python, U+FEFF only to ECMA), so the pattern names them both ways.
* Dates are ``YYYY-MM-DD`` (:data:`IsoDate`), as the schema's ``format: date`` says; pydantic
  alone would also read ``0`` as 1970-01-01.
* A JSON boolean is ``true`` or ``false`` (:data:`Flag`); pydantic alone would also read ``0``.
* A boolean form field is ``true`` or ``false`` (:data:`FormBool`), as the schema's boolean
  says; pydantic alone would also read ``0``, ``yes``, ``off``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator, Field, Strict

MAX_ID = 2**53 - 1
NOT_BLANK = r"[^\s\x1c-\x1f\x85\ufeff]"  # a character no one calls white space
_TEXT = re.compile(NOT_BLANK)


def has_text(value: str) -> bool:
    """What :data:`NOT_BLANK` says, in Python."""
    return _TEXT.search(value) is not None


def _whole_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = BeforeValidator(_whole_number)


def _form_bool(value: Any) -> Any:
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise ValueError("must be true or false")
        return value.lower() == "true"
    return value


FormBool = BeforeValidator(_form_bool)

# Ids: constraints first, so ``minimum``/``maximum`` land in the schema; 1.0 reads as 1.
Id = Annotated[int, Field(ge=1, le=MAX_ID), WholeNumber]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Flag = Annotated[bool, Strict()]


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError("must be a date written YYYY-MM-DD")
        return dt.date.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def unique(ids: list[int]) -> list[int]:
    """The ids in order, each once: a repeated id asks for nothing more (accepted, not refused)."""
    return list(dict.fromkeys(ids))

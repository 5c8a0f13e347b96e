"""Field rules the routes share, written so the published OpenAPI schema states exactly what
the API accepts (checked by schemathesis' ``positive_data_acceptance`` in test_fuzz_api.py).

* A JSON Schema ``integer`` includes whole-number floats (``1.0``), so the strict request
  models take them too: :data:`WholeNumber` turns ``1.0`` into ``1`` before the strict check
  (``1.5``, ``true`` and ``"1"`` are still refused).
* Ids stop at :data:`MAX_ID`, 2**53 - 1: every id up to it is exact as a JSON number in any
  client (JavaScript's largest safe integer), and a schema bound a float can hold exactly
  (2**63 - 1 as a float rounds up, so generators crossed it).
* Text that must say something carries ``minLength`` and a ``\\S`` pattern.
* A boolean form field is ``true`` or ``false`` (:data:`FormBool`), as the schema's boolean
  says; pydantic alone would also read ``0``, ``yes``, ``off``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BeforeValidator

MAX_ID = 2**53 - 1
NOT_BLANK = r"\S"  # at least one character that is not white space


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


def unique(ids: list[int]) -> list[int]:
    """The ids in order, each once: a repeated id asks for nothing more (accepted, not refused)."""
    return list(dict.fromkeys(ids))

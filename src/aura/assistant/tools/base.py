"""The tool machinery: a :class:`Tool` is a name, a description, a pydantic model of its
arguments (validation and the JSON schema in one), whether it writes, and a function of a
:class:`ToolSession` (the caller, their data, the request's context). :class:`Toolbox`
validates arguments, runs a tool and reports the outcome as data, errors included, so every
driver (the planner, the tool-calling loop, the MCP server) sees the same thing.

A session belongs to ONE user: every tool reads that user's rows only, so no result can
hold another user's item.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from aura.assistant.tools.context import RequestContextView
from aura.assistant.tools.items import ItemView, SlotOf, distinct_labels, view
from aura.errors import AuraError
from aura.storage.db import Database
from aura.storage.wardrobe_items import user_items
from aura.taxonomy import slot_of

if TYPE_CHECKING:
    from aura.outfits.saved import SavedOutfits
    from aura.outfits.service import OutfitService
    from aura.wardrobe.service import WardrobeService

Dense = Callable[[int, str, int], list[tuple[int, float]]]


class ToolError(AuraError):
    """A tool refused: bad arguments, an unknown id, a capability that is off."""


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class ToolDeps:
    """What tools run over; built once per process (platform) or per test."""

    db: Database
    wardrobe: WardrobeService | None = None
    outfits: Callable[[], OutfitService] | None = None
    slot_for: SlotOf = slot_of

    def dense(self) -> Dense | None:
        if self.wardrobe is None:
            return None
        wardrobe = self.wardrobe

        def search(user_id: int, query: str, k: int) -> list[tuple[int, float]]:
            return [
                (int(h["item"]["id"]), float(h["score"]))
                for h in wardrobe.search(user_id, query, k)
            ]

        return search

    def saved(self) -> SavedOutfits:
        from aura.outfits.saved import SavedOutfits

        return SavedOutfits(self.outfit_service())

    def outfit_service(self) -> OutfitService:
        if self.outfits is None:
            raise ToolError(
                "Outfit tools are not available in this process.",
                fix="Serve the assistant with the outfit service (the default one-process mode).",
            )
        return self.outfits()


@dataclass
class ToolSession:
    """One user's turn: the deps, the request's context, and the wardrobe loaded once."""

    deps: ToolDeps
    user_id: int
    context: RequestContextView = field(default_factory=RequestContextView)
    today: date = field(default_factory=date.today)
    allow_writes: bool = False
    _items: list[ItemView] | None = None

    def items(self) -> list[ItemView]:
        if self._items is None:
            with self.deps.db.session() as s:
                rows = user_items(s, self.user_id)
                self._items = distinct_labels([view(r, self.deps.slot_for) for r in rows])
        return self._items

    def by_id(self) -> dict[int, ItemView]:
        return {i.id: i for i in self.items()}

    def own(self, ids: Iterable[Any]) -> list[ItemView]:
        """Those of ``ids`` that are the caller's items (in order); others are dropped."""
        mine = self.by_id()
        out = []
        for raw in ids:
            try:
                key = int(raw)
            except (TypeError, ValueError):
                continue
            if key in mine and mine[key] not in out:
                out.append(mine[key])
        return out

    def forget(self) -> None:
        """After a write: the next read loads the wardrobe again."""
        self._items = None


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[Args]
    run: Callable[[ToolSession, Any], BaseModel]
    writes: bool = False

    def schema(self) -> dict[str, Any]:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        return schema

    def openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.schema(),
            },
        }


@dataclass
class ToolOutcome:
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    ms: float

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        """One line for the reply's ``tool_calls`` (the 'how I got this')."""
        if self.error:
            return f"error: {self.error}"
        r = self.result or {}
        bits = []
        for key in ("count", "total"):
            if key in r and isinstance(r[key], int):
                bits.append(f"{key} {r[key]}")
                break
        for key in ("items", "outfits", "results", "gaps"):
            if isinstance(r.get(key), list):
                bits.append(f"{len(r[key])} {key}")
        if isinstance(r.get("item"), dict) and r["item"].get("label"):
            bits.append(str(r["item"]["label"]))
        return ", ".join(bits) or "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arguments": self.arguments,
            "summary": self.summary(),
            "ok": self.ok,
            "ms": round(self.ms, 1),
        }

    def content(self) -> str:
        """The outcome as a tool message for a model (JSON)."""
        body = {"error": self.error} if self.error else self.result
        return json.dumps(body, ensure_ascii=False, default=str)


class Toolbox:
    def __init__(self, tools: Sequence[Tool]) -> None:
        self.tools = {t.name: t for t in tools}

    def names(self, *, writes: bool = False) -> list[str]:
        return [n for n, t in self.tools.items() if writes or not t.writes]

    def visible(self, *, writes: bool = False) -> list[Tool]:
        return [self.tools[n] for n in self.names(writes=writes)]

    def openai_tools(self, *, writes: bool = False) -> list[dict[str, Any]]:
        return [t.openai() for t in self.visible(writes=writes)]

    def run(self, session: ToolSession, name: str, arguments: Any) -> ToolOutcome:
        """Validate and run; every failure is an outcome with an ``error`` a model can read."""
        began = time.perf_counter()
        shown = arguments if isinstance(arguments, dict) else {"raw": arguments}

        def failed(message: str) -> ToolOutcome:
            return ToolOutcome(name, shown, None, message, (time.perf_counter() - began) * 1e3)

        tool = self.tools.get(name)
        if tool is None:
            return failed(f"unknown tool {name!r}; the tools are: {', '.join(self.names())}")
        if tool.writes and not session.allow_writes:
            return failed(f"{name} changes data and writes are not enabled for this client")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments or "{}")
            except json.JSONDecodeError as exc:
                return failed(f"arguments are not valid JSON ({exc.msg} at {exc.pos})")
            shown = arguments if isinstance(arguments, dict) else {"raw": arguments}
        if arguments is None:
            arguments = {}
        try:
            args = tool.args.model_validate(arguments)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors(include_url=False)
            )
            return failed(f"invalid arguments: {problems}")
        try:
            result = tool.run(session, args)
        except AuraError as exc:
            return failed(exc.message + (f" {exc.fix}" if exc.fix else ""))
        if tool.writes:
            session.forget()
        dumped = result.model_dump(mode="json", exclude_none=True)
        return ToolOutcome(
            name, args.model_dump(mode="json", exclude_none=True), dumped, None,
            (time.perf_counter() - began) * 1e3,
        )  # fmt: skip

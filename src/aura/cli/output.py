"""Printing for the CLI: JSON for machines, rich tables for people, errors with their fix.

Output that is not a terminal (a pipe, a file, CI) is never cut to rich's 80-column
default: lines are not wrapped and tables are printed in a plain layout at their full width.
On a terminal, table cells that do not fit wrap (``fold``) instead of ending in an ellipsis.
The consoles are made on first use: rich (about 35 ms of imports) is not loaded by a command
that prints nothing through it, such as `aura serve` on its way to ready.
"""

from __future__ import annotations

import io
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

# Wide enough for any value a table holds; only used to lay out plain (non-terminal) tables.
_PLAIN_WIDTH = 100_000


def make_console(stderr: bool = False, **options: Any) -> Console:
    """A rich console that does not wrap lines written to a pipe or a file."""
    from rich.console import Console

    class _Console(Console):
        """A console that does not wrap lines written to a pipe or a file."""

        def print(self, *objects: Any, soft_wrap: bool | None = None, **kwargs: Any) -> None:
            if soft_wrap is None and not self.is_terminal:
                soft_wrap = True
            super().print(*objects, soft_wrap=soft_wrap, **kwargs)

    return _Console(stderr=stderr, **options)


class _LazyConsole:
    """Stands for a rich console, made on its first use; ``real`` is the console itself
    (for rich's own classes that take one)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._real: Console | None = None

    @property
    def real(self) -> Console:
        if self._real is None:
            self._real = make_console(self._stderr)
        return self._real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


console: Console = _LazyConsole()  # type: ignore[assignment]
err_console: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def print_table(table: Table, out: Console | None = None) -> None:
    """A table, whole: on a terminal cells wrap; elsewhere one plain line per row."""
    out = out or console
    for column in table.columns:
        column.overflow = "fold"
    if out.is_terminal:
        out.print(table)
        return
    table.box = None
    table.show_edge = False
    table.pad_edge = False
    table.padding = (0, 2, 0, 0)
    from rich.console import Console

    wide = Console(
        file=io.StringIO(), width=_PLAIN_WIDTH, color_system=None, highlight=False, emoji=False
    )
    wide.print(table)
    text = wide.file.getvalue()  # type: ignore[attr-defined]
    lines = [line.rstrip() for line in text.splitlines()]
    if lines and table.title:  # rich centres the title over the table: put it on the left
        lines[0] = lines[0].strip()
    out.file.write("\n".join(lines) + "\n")
    out.file.flush()


def human_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")

"""`aura verify-persistence`: the seed's persistence check on the whole platform."""

from __future__ import annotations

from pathlib import Path

import typer

from aura.cli.output import console, print_json, print_table


def verify_persistence(
    backends: str = typer.Option(
        "sqlite,postgres", help="Comma-separated: sqlite (embedded defaults), postgres (+ Redis)."
    ),
    photos: int = typer.Option(4, min=1, max=50, help="Photos the first user adds."),
    work_dir: Path | None = typer.Option(
        None, help="Where the data trees go (a new temporary folder by default; kept)."
    ),
    postgres_url: str = typer.Option(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="A PostgreSQL server to create a fresh database on (dropped afterwards).",
    ),
    redis_url: str = typer.Option("redis://127.0.0.1:6379/14", help="Redis for the postgres run."),
    keep: bool = typer.Option(False, "--keep", help="Keep the data trees and the database."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (one entry per check)."),
) -> None:
    """Empty tree, models, users, wardrobe from photos, chat, outfits; restart four ways
    (SIGTERM, SIGKILL, moved tree, corrupted index); check everything is still there."""
    from aura.proof.verify_persistence import Options
    from aura.proof.verify_persistence import verify_persistence as run

    names = tuple(b.strip() for b in backends.split(",") if b.strip())
    unknown = set(names) - {"sqlite", "postgres"}
    if unknown or not names:
        raise typer.BadParameter(f"unknown back-end(s) {sorted(unknown)}; use sqlite,postgres")
    rows = run(
        Options(
            backends=names,
            photos=photos,
            work_dir=work_dir,
            postgres_url=postgres_url,
            redis_url=redis_url,
            keep=keep,
        )
    )
    failed = sum(not r.check.ok for r in rows)
    if json_out:
        print_json(
            {
                "passed": len(rows) - failed,
                "failed": failed,
                "checks": [
                    {
                        "backend": r.backend,
                        "after": r.stage,
                        "check": r.check.name,
                        "ok": r.check.ok,
                        "figures": r.check.detail,
                    }
                    for r in rows
                ],
            }
        )
        raise typer.Exit(1 if failed or not rows else 0)
    from rich.table import Table

    table = Table(title="aura verify-persistence")
    for column in ("back-end", "after", "check", "result", "figures"):
        table.add_column(column, overflow="fold")
    for row in rows:
        result = "[green]PASS[/]" if row.check.ok else "[red]FAIL[/]"
        table.add_row(row.backend, row.stage, row.check.name, result, row.check.detail)
    print_table(table)  # whole in CI logs and pipes too
    console.print(f"{len(rows) - failed} passed, {failed} failed")
    raise typer.Exit(1 if failed or not rows else 0)

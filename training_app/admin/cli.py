"""Installation and operations commands: set up, staff accounts, backups."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

staff_cli = AppGroup("staff", help="Staff accounts: create, deactivate, reset a password.")


def setup_command() -> None:
    """Create or migrate the database, then load the demo data once and print the logins."""
    from ..certificates.signing import ensure_signing_key
    from ..demo import load_demo, read_demo_logins
    from ..pins import instance_pepper

    upgrade(directory=current_app.extensions["migrate"].directory)
    ensure_signing_key(current_app.instance_path)
    if not current_app.config.get("PIN_PEPPER"):
        instance_pepper(current_app.instance_path)  # kept beside the database, not in it
    load_demo(current_app.instance_path)
    click.echo(read_demo_logins(current_app.instance_path))


def _mission(code: str | None):
    from sqlalchemy import select

    from ..extensions import db
    from ..models import Mission

    mission = db.session.scalar(select(Mission).where(Mission.code == code)) if code else None
    if code and mission is None:
        raise click.BadParameter(f"no mission with code {code!r}", param_hint="--mission")
    return mission


def _user(username: str):
    from sqlalchemy import select

    from ..extensions import db
    from ..models import User

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no staff account {username!r}")
    return user


def _create(username: str, role: str, name: str, mission_code: str | None,
            password: str) -> None:
    from ..auth import services as accounts

    if role != "admin" and not mission_code:
        raise click.BadParameter("give the mission's code", param_hint="--mission")
    try:
        accounts.create_staff(username, name, role, _mission(mission_code), password,
                              "system:cli")
    except accounts.AccountError as exc:
        raise click.ClickException(exc.reason.replace("-", " ")) from exc
    click.echo(f"created {role} {username.strip().lower()}")


_ROLE = click.option("--role", type=click.Choice(["admin", "hq", "trainer"]), required=True)
_NAME = click.option("--name", required=True, help="Full name shown in the interface.")
_MISSION = click.option("--mission", "mission_code", help="Mission code (not for admins).")
_PASSWORD = click.password_option(help="At least 10 characters.")


@staff_cli.command("create")
@click.argument("username")
@_ROLE
@_NAME
@_MISSION
@_PASSWORD
def staff_create(username: str, role: str, name: str, mission_code: str | None,
                 password: str) -> None:
    """Create a staff account, for example the first admin of a new installation."""
    _create(username, role, name, mission_code, password)


# the name earlier releases documented
create_staff = click.Command("create-staff", callback=staff_create.callback,
                             params=staff_create.params, help="The same as `flask staff create`.",
                             hidden=True)


@staff_cli.command("reset-password")
@click.argument("username")
@_PASSWORD
def staff_reset_password(username: str, password: str) -> None:
    """Set a staff account's password; every session of that account ends."""
    from ..auth import services as accounts

    try:
        accounts.set_staff_password(_user(username), password, "system:cli")
    except accounts.AccountError as exc:
        raise click.ClickException(exc.reason.replace("-", " ")) from exc
    click.echo(f"password of {username.strip().lower()} changed; its sessions have ended")


@staff_cli.command("deactivate")
@click.argument("username")
def staff_deactivate(username: str) -> None:
    """Stop a staff account from signing in; its sessions end at once."""
    from ..auth import services as accounts

    accounts.deactivate_staff(_user(username), "system:cli")
    click.echo(f"{username.strip().lower()} can no longer sign in")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the whole database to TARGET (SQLite online backup, or pg_dump)."""
    from ..extensions import db
    from ..ops import BackupError, backup_database

    db.session.remove()
    try:
        backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {target} ({target.stat().st_size} bytes)")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database's contents with a backup. Stop the app first."""
    from ..extensions import db
    from ..ops import BackupError, restore_database

    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored from {source}")

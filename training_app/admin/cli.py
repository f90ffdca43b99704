"""Installation and operations commands: set up, staff accounts, backups."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

staff_cli = AppGroup("staff", help="Staff accounts: create, deactivate, reset a password.")
missions_cli = AppGroup("missions", help="Missions: create one, list them.")
contingents_cli = AppGroup("contingents", help="A mission's contingents: import them.")

NEXT_STEPS = """\
Database ready. No mission, no account and no demonstration data were created.
Next steps:
  1. flask missions create --code UNXXX --name "United Nations ... Mission"
  2. flask staff create --role admin --name "Full Name" --username admin.name
     (or --role hq / trainer with --mission UNXXX; add --generate-password to get one)
  3. flask contingents import --mission UNXXX contingents.csv
     (columns: unit name, short designation, country code)
  4. TRAINING_TRUSTED_HOSTS=training.mission.example gunicorn -c gunicorn.conf.py wsgi:app"""


@click.option("--production", is_flag=True,
              help="A real installation: no demonstration mission and no default accounts.")
def setup_command(production: bool) -> None:
    """Create or migrate the database; without --production, also load the demonstration
    data once and print its logins (make run)."""
    from ..certificates.signing import ensure_signing_key
    from ..config import is_demo_installation
    from ..demo import echo_demo_logins, load_demo
    from ..pins import instance_pepper

    if production and is_demo_installation(current_app.instance_path):
        raise click.ClickException(
            f"{current_app.instance_path} holds a demonstration installation. Use a new "
            "instance folder (TRAINING_INSTANCE_PATH) and database for real records.")
    upgrade(directory=current_app.extensions["migrate"].directory)
    ensure_signing_key(current_app.instance_path)
    if not current_app.config.get("PIN_PEPPER"):
        instance_pepper(current_app.instance_path)  # kept beside the database, not in it
    if production:
        from ..auth import services as accounts

        missions, staff = len(accounts.missions()), len(accounts.all_staff())
        click.echo(NEXT_STEPS if not (missions or staff) else
                   f"Database up to date. Missions: {missions}; staff accounts: {staff}.")
        if not current_app.config.get("TRUSTED_HOSTS"):
            click.echo("Note: TRAINING_TRUSTED_HOSTS is not set; the server will not start "
                       "without it.")
        return
    load_demo(current_app.instance_path)
    echo_demo_logins(current_app.instance_path)


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
@click.argument("username_argument", metavar="[USERNAME]", required=False)
@click.option("--username", "--email", "username_option",
              help="What the person signs in with: a username or their e-mail address.")
@_ROLE
@_NAME
@_MISSION
@click.option("--password", help="At least 10 characters; asked for when not given.")
@click.option("--generate-password", is_flag=True,
              help="Make up a strong password and show it once.")
def staff_create(username_argument: str | None, username_option: str | None, role: str,
                 name: str, mission_code: str | None, password: str | None,
                 generate_password: bool) -> None:
    """Create a staff account, for example the first admin of a new installation."""
    import secrets

    if username_argument and username_option and username_argument != username_option:
        raise click.UsageError("give the username once")
    username = username_option or username_argument
    if not username:
        raise click.UsageError("give the username (--username, or --email)")
    if generate_password and password:
        raise click.UsageError("give --password or --generate-password, not both")
    if generate_password:
        password = secrets.token_urlsafe(12)
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    _create(username, role, name, mission_code, password)
    if generate_password:
        click.echo(f"password: {password}")
        click.echo("(shown only now: hand it over in person; it is not kept anywhere)")


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
    click.echo(f"{username.strip().lower()} can no longer sign in; its sessions have ended")


@missions_cli.command("create")
@click.option("--code", required=True, help="The mission's short code, for example UNMISS.")
@click.option("--name", required=True, help="The mission's full name.")
@click.option("--focal-point", "focal_point_name", default="",
              help="The SEA Focal Point's name and office.")
@click.option("--focal-point-contact", default="", help="How to reach the Focal Point.")
@click.option("--alternate", "alternate_name", default="", help="The Alternate's name.")
@click.option("--alternate-contact", default="", help="How to reach the Alternate.")
@click.option("--off-limits-directive", "offlimits_directive", default="",
              help="The reference of the mission's Off-Limits directive.")
@click.option("--self-registration/--no-self-registration", default=True, show_default=True,
              help="Whether peacekeepers may register themselves.")
def missions_create(code: str, name: str, self_registration: bool, **texts: str) -> None:
    """Create a mission; HQ can change its settings later in the interface."""
    from ..hq import services

    try:
        mission = services.create_mission(code, name, "system:cli", self_registration,
                                          **texts)
    except services.MissionError as exc:
        raise click.ClickException("; ".join(exc.problems)) from exc
    click.echo(f"created mission {mission.code}: {mission.name}")


@missions_cli.command("list")
def missions_list() -> None:
    """Every mission: code, name, contingents, self-registration."""
    from ..auth import services as accounts

    missions = accounts.missions()
    if not missions:
        click.echo("no missions yet: flask missions create --code ... --name ...")
    for m in missions:
        registration = "self-registration" if m.self_registration else "roster only"
        click.echo(f"{m.code:<12} {m.name}  ({len(m.contingents)} contingents, "
                   f"{registration})")


@contingents_cli.command("import")
@click.option("--mission", "mission_code", required=True, help="The mission's code.")
@click.argument("file", type=click.File("rb"))
def contingents_import(mission_code: str, file) -> None:
    """Add a mission's contingents from a CSV file with the columns unit name, short
    designation and country code (ISO 3166, two letters): all of them, or none if any line
    is wrong."""
    from ..hq import services

    mission = _mission(mission_code)
    try:
        text = file.read(2 * 1024 * 1024 + 1).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException("the file is not UTF-8 text: save it as \"CSV UTF-8\"") \
            from exc
    if len(text) > 2 * 1024 * 1024:
        raise click.ClickException("the file is larger than 2 MB")
    try:
        result = services.import_contingents(mission, text, "system:cli")
    except services.MissionError as exc:
        raise click.ClickException("nothing was imported:\n  " + "\n  ".join(exc.problems)) \
            from exc
    click.echo(f"{len(result.added)} contingents added to {mission.code}, "
               f"{result.already_present} already present")


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
    from ..schema import code_heads

    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        revision = restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored from {source} (schema {revision})")
    if revision not in code_heads():
        click.echo("the backup is from an older release: run `flask db upgrade` before serving")

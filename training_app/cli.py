"""Operational commands: setup, demo data, content checks."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from .content import check_content
from .content.loader import SOURCE_LANGUAGE, TEXT_KINDS, english_hashes

content_cli = AppGroup("content", help="Check and fingerprint the module content.")
translate_cli = AppGroup("translate", help="Interface translations (gettext catalogs).")
demo_cli = AppGroup("demo", help="Demonstration data.")
certificates_cli = AppGroup("certificates", help="Certificate keys and offline checks.")


@certificates_cli.command("verify")
@click.argument("token_or_file")
@click.option("--keys", "keys_file", type=click.Path(exists=True, dir_okay=False),
              help="A keys.json downloaded from /verify/keys.json (default: this instance's).")
def certificates_verify(token_or_file: str, keys_file: str | None) -> None:
    """Check a certificate token, a certificate PDF or an Open Badge (JSON) with the public
    keys alone.

    Exits 0 and prints what the certificate says if it is genuine; exits 1 if it is forged,
    altered, truncated or signed by an unknown key.
    """
    from .certificates.services import published_keys
    from .certificates.signing import (
        TokenError,
        keys_from_document,
        token_from_file,
        verify_token,
    )

    path = Path(token_or_file)
    try:
        is_file = path.is_file()
    except OSError:  # a token is longer than any file name
        is_file = False
    if is_file:
        data = path.read_bytes()
        if data.lstrip().startswith(b"{"):  # an Open Badge credential
            _verify_badge_file(data, keys_file)
        token = token_from_file(data)
        if token is None:
            click.echo("NOT GENUINE: no certificate token found in that file", err=True)
            sys.exit(1)
    else:
        token = token_or_file
    if keys_file:
        document = json.loads(Path(keys_file).read_text(encoding="utf-8"))
    else:
        document = published_keys(current_app.instance_path)
    try:
        payload = verify_token(token, keys_from_document(document))
    except TokenError as exc:
        click.echo(f"NOT GENUINE: {exc}", err=True)
        sys.exit(1)
    click.echo("GENUINE: the signature matches a published key")
    for key in ("name", "category", "contingent", "mission", "module", "content_version",
                "language", "date", "code", "kid"):
        click.echo(f"  {key}: {payload.get(key)}")


def _verify_badge_file(data: bytes, keys_file: str | None) -> None:
    """Check an Open Badge credential file: exit 0 if its proof matches a published key."""
    from .certificates.badges import BadgeError, load_badge, verify_badge
    from .certificates.services import published_keys
    from .certificates.signing import keys_from_document

    document = (json.loads(Path(keys_file).read_text(encoding="utf-8")) if keys_file
                else published_keys(current_app.instance_path))
    try:
        said = verify_badge(load_badge(data), keys_from_document(document))
    except BadgeError as exc:
        click.echo(f"NOT GENUINE: {exc}", err=True)
        sys.exit(1)
    click.echo("GENUINE: the Open Badge's proof matches a published key")
    for key, value in said.items():
        click.echo(f"  {key}: {value}")
    sys.exit(0)


@certificates_cli.command("rotate-key")
def certificates_rotate_key() -> None:
    """Sign new certificates with a new key; earlier ones stay verifiable."""
    from .certificates.signing import rotate_signing_key

    click.echo(f"new signing key: {rotate_signing_key(current_app.instance_path)}")


@content_cli.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.option("--lang", "langs", multiple=True,
              help="Check only this language's texts (with English); may be repeated.")
def content_check(as_json: bool, langs: tuple[str, ...]) -> None:
    """Validate modules/ and quizzes/; exit 1 on any defect."""
    report = check_content(current_app.config["CONTENT_ROOT"], list(langs) or None)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        for line in report.summary_lines():
            click.echo(line)
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
        click.echo("content OK" if report.ok else f"{len(report.errors)} defect(s)")
    sys.exit(0 if report.ok else 1)


@content_cli.command("hash")
@click.argument("kind", type=click.Choice(list(TEXT_KINDS)))
def content_hash(kind: str) -> None:
    """Print the source_hash each translation of an English entry of a kind must carry."""
    for item_id, value in english_hashes(current_app.config["CONTENT_ROOT"], kind).items():
        click.echo(f"{item_id}: {value}")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demonstration mission once, and print its logins."""
    from .demo import load_demo, read_demo_logins

    created = load_demo(current_app.instance_path)
    click.echo("Demo data loaded." if created else "Demo data already present.")
    click.echo(read_demo_logins(current_app.instance_path))


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def _catalog_paths() -> tuple[Path, Path, Path]:
    root = Path(current_app.root_path).parent
    translations = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    return root, translations, translations / "messages.pot"


@translate_cli.command("extract")
def translate_extract() -> None:
    """Extract interface strings from code and templates into translations/messages.pot."""
    root, _translations, pot = _catalog_paths()
    _pybabel("extract", "-F", str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
             "--no-location", "--sort-output", "--project", "sgtm1-training",
             "-o", str(pot), str(root / "training_app"))
    click.echo(f"extracted to {pot}")


@translate_cli.command("update")
def translate_update() -> None:
    """Extract afresh, then merge new strings into every language's catalog."""
    translate_extract.callback()
    _root, translations, pot = _catalog_paths()
    for lang in current_app.config["LANGUAGES"]:
        po = translations / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _pybabel("update", "-i", str(pot), "-d", str(translations), "-l", lang,
                     "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _pybabel("init", "-i", str(pot), "-d", str(translations), "-l", lang)
        if lang == SOURCE_LANGUAGE:
            _fill_source_catalog(po)
    click.echo("catalogs updated")


def _fill_source_catalog(po_path: Path) -> None:
    """The English catalog says what the code says: every msgstr is its msgid."""
    from babel.messages.pofile import read_po, write_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=SOURCE_LANGUAGE)
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        message.flags.discard("fuzzy")
    with po_path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def catalog_problems(translations: Path, pot: Path, languages: list[str]) -> dict[str, list[str]]:
    """Per language: strings of the template missing, untranslated, fuzzy or with placeholders
    that differ from the English."""
    from babel.messages.pofile import read_po

    from .content.loader import PLACEHOLDER

    named = re.compile(r"%\((\w+)\)s")

    def fields(text: str) -> set[str]:
        return set(named.findall(text)) | set(PLACEHOLDER.findall(text))

    with pot.open("rb") as fh:
        template = read_po(fh)
    wanted = {m.id if isinstance(m.id, str) else m.id[0]: m for m in template if m.id}
    problems: dict[str, list[str]] = {}
    for lang in languages:
        po = translations / lang / "LC_MESSAGES" / "messages.po"
        found: list[str] = []
        if not po.exists():
            problems[lang] = [f"{po} is missing"]
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for key, message in wanted.items():
            got = catalog.get(message.id)
            if got is None:
                found.append(f"missing: {key!r}")
                continue
            strings = [got.string] if isinstance(got.string, str) else list(got.string)
            if got.fuzzy:
                found.append(f"fuzzy: {key!r}")
            if not strings or any(not s for s in strings):
                found.append(f"untranslated: {key!r}")
                continue
            expected = fields(key)
            for s in strings:
                # a plural form for exactly one may leave out the number
                if fields(s) != expected and not (fields(s) == expected - {"num"} and
                                                  isinstance(message.id, tuple)):
                    found.append(f"placeholders differ: {key!r} -> {s!r}")
                    break
        problems[lang] = found
    return problems


@translate_cli.command("check")
def translate_check() -> None:
    """Extract afresh and fail if any catalog lacks, fuzzes or breaks a string."""
    import tempfile

    root, translations, _pot = _catalog_paths()
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        _pybabel("extract", "-F", str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                 "--no-location", "-o", str(pot), str(root / "training_app"))
        problems = catalog_problems(translations, pot, current_app.config["LANGUAGES"])
    bad = 0
    for lang, items in problems.items():
        click.echo(f"{lang}: {len(items)} problem(s)")
        for item in items:
            click.echo(f"  {item}")
        bad += len(items)
    sys.exit(1 if bad else 0)


@translate_cli.command("compile")
@click.option("--quiet", is_flag=True)
def translate_compile(quiet: bool) -> None:
    """Compile the catalogs (.po to .mo) the app reads at run time."""
    _root, translations, _pot = _catalog_paths()
    catalogs = list(translations.glob("*/LC_MESSAGES/messages.po"))
    if not catalogs:
        click.echo("no catalogs to compile")
        return
    _pybabel("compile", "-d", str(translations), *([] if quiet else ["--statistics"]))
    if not quiet:
        click.echo(f"compiled {len(catalogs)} catalogs")


@demo_cli.command("generate")
@click.option("--people", "count", type=click.IntRange(1, 5_000_000), required=True,
              help="How many people to add.")
@click.option("--mission", "mission_code", default="UNDEMO", show_default=True)
@click.option("--completed", "completed_share", type=click.FloatRange(0, 1), default=0.45,
              show_default=True, help="Share of them who completed the module.")
def demo_generate(count: int, mission_code: str, completed_share: float) -> None:
    """Add synthetic people and completions to a mission (for demos and benchmarks)."""
    from sqlalchemy import select

    from .demo import generate_people, load_demo
    from .extensions import db
    from .models import Mission

    if mission_code == "UNDEMO":
        load_demo(current_app.instance_path)
    mission = db.session.scalar(select(Mission).where(Mission.code == mission_code))
    if mission is None:
        raise click.BadParameter(f"no mission with code {mission_code}", param_hint="--mission")
    with click.progressbar(length=count, label=f"Adding {count} people") as bar:
        generate_people(mission, count, completed_share, progress=bar.update)
    click.echo(f"added {count} people to {mission.code}")


def setup_command() -> None:
    """Create or migrate the database, then load the demo data once and print the logins."""
    from .certificates.signing import ensure_signing_key
    from .demo import load_demo, read_demo_logins

    upgrade(directory=current_app.extensions["migrate"].directory)
    ensure_signing_key(current_app.instance_path)
    load_demo(current_app.instance_path)
    click.echo(read_demo_logins(current_app.instance_path))


@click.command("create-staff")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "hq", "trainer"]), required=True)
@click.option("--name", required=True, help="Full name shown in the interface.")
@click.option("--mission", "mission_code", help="Mission code (not for admins).")
@click.password_option(help="At least 10 characters.")
def create_staff(username: str, role: str, name: str, mission_code: str | None,
                 password: str) -> None:
    """Create a staff account, for example the first admin of a new installation."""
    from sqlalchemy import select

    from .extensions import db
    from .models import Mission, User
    from .models.audit import record

    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="password")
    mission = None
    if role != "admin":
        mission = db.session.scalar(select(Mission).where(Mission.code == mission_code))
        if mission is None:
            raise click.BadParameter(f"no mission with code {mission_code!r}",
                                     param_hint="--mission")
    username = username.strip().lower()
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise click.ClickException(f"the username {username} is taken")
    user = User(username=username, name=name, role=role,
                mission_id=mission.id if mission else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("cli", "staff.created", f"user:{user.id}", mission_id=user.mission_id, role=role)
    db.session.commit()
    click.echo(f"created {role} {username}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Back up the whole database to TARGET (SQLite online backup, or pg_dump)."""
    from .extensions import db
    from .ops import BackupError, backup_database

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
    from .extensions import db
    from .ops import BackupError, restore_database

    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored from {source}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(create_staff)
    app.cli.add_command(restore_command)
    app.cli.add_command(content_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(certificates_cli)
    from .interop.cli import scorm_cli
    from .sync.cli import sync_cli

    app.cli.add_command(sync_cli)
    app.cli.add_command(scorm_cli)
    app.cli.command("setup")(setup_command)

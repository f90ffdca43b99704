"""`flask sync ...`: a camp server seals and signs bundles to its mission HQ; HQ trusts camps
per mission and applies their bundles."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models import Mission
from . import services
from .bundle import BundleError

sync_cli = AppGroup("sync", help="Camp server to mission HQ: sealed, signed bundles.")


def parse_since(text: str | None) -> datetime | None:
    """A date (YYYY-MM-DD) or date and time (ISO 8601); UTC unless it says otherwise."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD or an ISO 8601 date and time") from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def refusal(exc: BundleError) -> str:
    """Why a bundle or key is refused, in words an operator can act on."""
    return {
        "not-a-bundle": "this file is not a sync bundle (or it is damaged)",
        "untrusted-key": f"signed by a server this one does not trust (key {exc.detail}); "
                         "trust its key first with `flask sync trust --mission CODE`",
        "not-trusted-for-mission": f"the camp server that signed it is not trusted for mission "
                                   f"{exc.detail}; trust it for that mission first with "
                                   "`flask sync trust --mission CODE`",
        "old-format": f"this bundle is in the old unsealed format ({exc.detail}); update the "
                      "camp server and write a new bundle with `flask sync export`",
        "future-date": f"the bundle holds a date in the future ({exc.detail}); check the camp "
                       "server's clock, then write a new bundle",
        "wrong-recipient": "this bundle was sealed to another mission HQ's key: this server "
                           "cannot read it; on the camp server, run `flask sync send-to` with "
                           "this server's key document (`flask sync key`)",
        "cannot-open": "this bundle cannot be opened with this server's sealing key",
        "no-recipient": f"no mission HQ key is set for mission {exc.detail}; run "
                        "`flask sync send-to HQ-KEY-FILE` first",
        "bad-signature": "the signature does not match: the bundle was altered after it was "
                         "written",
        "damaged": "the bundle is damaged",
        "too-large": "the bundle is too large",
        "unknown-mission": f"mission {exc.detail} is not on this server",
        "other-mission": f"this bundle is for mission {exc.detail}",
        "bad-record": f"the bundle holds a record this server cannot accept ({exc.detail})",
        "bad-key-document": "not a key document from `flask sync key` "
                            + (f"({exc.detail})" if exc.detail else ""),
    }.get(exc.reason, exc.reason)


def _mission(code: str | None) -> Mission:
    missions = db.session.scalars(select(Mission).order_by(Mission.code)).all()
    if code:
        found = [m for m in missions if m.code == code]
        if not found:
            raise click.ClickException(f"no mission with code {code}")
        return found[0]
    if len(missions) != 1:
        raise click.ClickException("say which mission with --mission CODE: "
                                   + ", ".join(m.code for m in missions))
    return missions[0]


@sync_cli.command("export")
@click.option("--since", help="Only what changed on or after this date (YYYY-MM-DD); "
                              "default: everything.")
@click.option("--mission", "mission_code", help="Mission code (needed if there are several).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: sync-<mission>-<time>.sgtm1sync).")
def export_command(since: str | None, mission_code: str | None, output: str | None) -> None:
    """Write a bundle of people, progress, quiz attempts, completions and certificates,
    sealed to the mission HQ set with `flask sync send-to` and signed with this server's key."""
    mission = _mission(mission_code)
    try:
        data, counts = services.export_bundle(mission, parse_since(since),
                                              current_app.config["SITE_NAME"],
                                              current_app.instance_path)
    except BundleError as exc:
        click.echo(f"REFUSED: {refusal(exc)}", err=True)
        sys.exit(1)
    path = Path(output or f"sync-{mission.code}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.sgtm1sync")
    path.write_bytes(data)
    click.echo(f"wrote {path} ({len(data) // 1024 + 1} KB): "
               + ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in counts.items()))


@sync_cli.command("import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--actor", default="cli", help="Who applies it, for the audit log.")
def import_command(bundle: str, actor: str) -> None:
    """Apply a bundle from a trusted server; applying it again changes nothing.

    Exits 1 with the reason, having written nothing, if the bundle is altered, signed by a
    key not trusted for its mission, sealed to another server, dated in the future, for a
    mission this server does not have, or holds bad records."""
    try:
        result = services.import_bundle(Path(bundle).read_bytes(), f"system:{actor}",
                                        current_app.instance_path,
                                        languages=current_app.config["LANGUAGES"])
    except BundleError as exc:
        click.echo(f"REFUSED: {refusal(exc)}; nothing was written", err=True)
        sys.exit(1)
    if result.status == "already":
        click.echo(f"already applied on {result.imported_at:%Y-%m-%d %H:%M} UTC "
                   f"(bundle {result.bundle_id} from {result.source}); nothing changed")
        return
    changes = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in sorted(result.counts.items()))
    click.echo(f"applied bundle {result.bundle_id} from {result.source} to "
               f"{result.mission.code}: {changes or 'nothing new'}")


@sync_cli.command("key")
@click.option("--name", help="How the other server will call this one "
                             "(default: TRAINING_SITE_NAME).")
def key_command(name: str | None) -> None:
    """Print this server's key document: HQ trusts a camp with it (`flask sync trust`), a camp
    seals its bundles to HQ with it (`flask sync send-to`). It holds public keys only."""
    click.echo(json.dumps(services.own_key_document(
        current_app.instance_path, name or current_app.config["SITE_NAME"]), indent=1))


def _key_document(key_file, name: str | None) -> dict:
    try:
        document = json.load(key_file)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        document = None
    if not isinstance(document, dict):
        click.echo("REFUSED: not a key document from `flask sync key`", err=True)
        sys.exit(1)
    if name:
        document["name"] = name
    return document


@sync_cli.command("trust")
@click.argument("key_file", type=click.File("r", encoding="utf-8"))
@click.option("--mission", "mission_code", help="The mission whose people that server's "
                                                "bundles may touch (needed if there are several).")
@click.option("--name", help="A name for that server (default: the one in the file).")
def trust_command(key_file, mission_code: str | None, name: str | None) -> None:
    """Accept bundles for one mission, and certificates, signed with the key in KEY_FILE
    ('-' for stdin). Run it again with another --mission to trust the same server there."""
    document = _key_document(key_file, name)
    mission = _mission(mission_code)
    try:
        source = services.trust(document, "cli", mission)
    except BundleError as exc:
        click.echo(f"REFUSED: {refusal(exc)}", err=True)
        sys.exit(1)
    click.echo(f"trusted {source.name} (key {source.kid}) for mission {mission.code}")


@sync_cli.command("send-to")
@click.argument("key_file", type=click.File("r", encoding="utf-8"))
@click.option("--mission", "mission_code", help="The mission whose bundles go to that HQ "
                                                "(needed if there are several).")
@click.option("--name", help="A name for that HQ server (default: the one in the file).")
def send_to_command(key_file, mission_code: str | None, name: str | None) -> None:
    """On a camp server: seal this mission's bundles to the mission HQ whose key document
    (`flask sync key` on HQ) is in KEY_FILE ('-' for stdin); only that HQ can read them."""
    document = _key_document(key_file, name)
    mission = _mission(mission_code)
    try:
        recipient = services.send_to(document, "cli", mission)
    except BundleError as exc:
        click.echo(f"REFUSED: {refusal(exc)}", err=True)
        sys.exit(1)
    click.echo(f"bundles of mission {mission.code} are sealed to {recipient.name} "
               f"(key {recipient.kid}) from now on")


@sync_cli.command("sources")
def sources_command() -> None:
    """List the servers whose bundles this server accepts, with the mission of each, and the
    HQ each mission's bundles are sealed to."""
    codes = dict(db.session.execute(select(Mission.id, Mission.code)).all())
    for source in services.sources():
        mission = codes.get(source.mission_id, "certificates only: trust it for a mission")
        click.echo(f"{source.name}\t{source.kid}\t{mission}\tadded {source.added_at:%Y-%m-%d}")
    for recipient in services.recipients():
        click.echo(f"sends {codes.get(recipient.mission_id)} to {recipient.name}\t"
                   f"{recipient.kid}\tset {recipient.added_at:%Y-%m-%d}")

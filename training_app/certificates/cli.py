"""Certificate commands: check a certificate or badge with the public keys alone (and a saved
revocation list, for a check with no connection), rotate the signing key."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

import click
from flask import current_app
from flask.cli import AppGroup

certificates_cli = AppGroup("certificates", help="Certificate keys and offline checks.")


@certificates_cli.command("verify")
@click.argument("token_or_file")
@click.option("--keys", "keys_file", type=click.Path(exists=True, dir_okay=False),
              help="A keys.json downloaded from /verify/keys.json (default: this instance's).")
@click.option("--status-list", "status_file", type=click.Path(exists=True, dir_okay=False),
              help="A saved copy of the mission's revocation list "
                   "(/verify/status/<mission>/revocation): the check says 'valid as of' its "
                   "date (default: this instance's register).")
def certificates_verify(token_or_file: str, keys_file: str | None,
                        status_file: str | None) -> None:
    """Check a certificate token, a certificate PDF or an Open Badge (JSON) with the public
    keys alone, and whether it was revoked or has expired.

    Exits 0 and prints what the certificate says if it is genuine and valid; 1 if it is
    forged, altered, truncated or signed by an unknown key (or the status list is); 2 if it is
    genuine but revoked or expired.
    """
    from .services import published_keys
    from .signing import (
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
    if not is_file and "." not in token_or_file:
        _verify_code_in_register(token_or_file)
    if is_file:
        data = path.read_bytes()
        if data.lstrip().startswith(b"{"):  # an Open Badge credential
            _verify_badge_file(data, keys_file, status_file)
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
                "language", "date", "valid_until", "code", "kid"):
        click.echo(f"  {key}: {payload.get(key)}")
    if _holder_removed(str(payload.get("code") or "")):
        click.echo("  register: exists, holder's details removed")
    index = payload.get("status_index")
    _report_status(document, status_file, payload.get("code"), payload.get("valid_until"),
                   index if isinstance(index, int) else None,
                   lambda url: urlparse(url).path == payload.get("status_list"))


def _holder_removed(code: str) -> bool:
    """This server's register holds the certificate, and its holder was erased or pruned."""
    from .services import register_entry

    cert = register_entry(code) if code else None
    return cert is not None and cert.person.removed


def _verify_code_in_register(code: str) -> None:
    """A verification code (not a token): what this server's register says of it; exits 0
    for a valid certificate, 2 for a revoked or expired one, 1 for none. Returns for anything
    that is not a code."""
    from . import codes
    from .services import is_expired, register_entry

    if codes.normalise(code) is None and len(code.replace("-", "").strip()) != 12:
        return
    cert = register_entry(code)
    if cert is None:
        click.echo("NOT FOUND: no certificate has this code", err=True)
        sys.exit(1)
    state = "REVOKED" if cert.revoked_at else "EXPIRED" if is_expired(cert) else "VALID"
    click.echo(f"{state}: {codes.display(cert.code)} is in the register")
    click.echo(f"  module: {cert.module_id}")
    click.echo(f"  date: {cert.issued_at.date().isoformat()}")
    if cert.revoked_at:
        click.echo(f"  revoked: {cert.revoked_at.date().isoformat()}")
    if cert.valid_until:
        click.echo(f"  valid until: {cert.valid_until.date().isoformat()}")
    if cert.person.removed:
        click.echo("  holder: exists, holder's details removed")
    else:
        click.echo(f"  name: {cert.holder_name or cert.person.name}")
    sys.exit(0 if state == "VALID" else 2)


def _report_status(keys_document: dict, status_file: str | None, code: str | None,
                   valid_until: str | None, index: int | None, names_this_list) -> None:
    """Revoked, expired or valid, and as of when; exits 2 if revoked or expired, 1 if the
    status list is not genuine or not this certificate's."""
    from .badges import load_badge
    from .services import is_expired, register_entry
    from .signing import keys_from_document
    from .status_list import StatusListError, read_status_list

    if valid_until and valid_until[:10] < date.today().isoformat():
        click.echo(f"EXPIRED: valid until {valid_until[:10]}")
        sys.exit(2)
    if status_file:
        if index is None:
            click.echo("NOT CHECKED: the certificate names no status list", err=True)
            sys.exit(1)
        try:
            status = read_status_list(load_badge(Path(status_file).read_bytes()),
                                      keys_from_document(keys_document))
            if not names_this_list(status.url):
                raise StatusListError(f"{status.url} is not this certificate's list")
            revoked = status.revoked(index)
        except (StatusListError, ValueError) as exc:
            click.echo(f"NOT GENUINE: {exc}", err=True)
            sys.exit(1)
        as_of = status.issued_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        if revoked:
            click.echo(f"REVOKED, as the status list of {as_of} says")
            sys.exit(2)
        click.echo(f"VALID as of {as_of} (the date of the status list)")
        return
    cert = register_entry(code or "")
    if cert is None:
        click.echo("STATUS NOT CHECKED: not in this server's register; give --status-list")
        return
    if cert.revoked_at is not None:
        click.echo(f"REVOKED on {cert.revoked_at.date().isoformat()}")
        sys.exit(2)
    if is_expired(cert):
        click.echo(f"EXPIRED: valid until {cert.valid_until.date().isoformat()}")
        sys.exit(2)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    click.echo(f"VALID as of {now} (this server's register)")


def _verify_badge_file(data: bytes, keys_file: str | None, status_file: str | None) -> None:
    """Check an Open Badge credential file: exit 0 if its proofs match a published key and
    it is neither revoked nor expired."""
    from .badges import BadgeError, load_badge, verify_badge
    from .services import published_keys
    from .signing import keys_from_document

    document = (json.loads(Path(keys_file).read_text(encoding="utf-8")) if keys_file
                else published_keys(current_app.instance_path))
    try:
        said = verify_badge(load_badge(data), keys_from_document(document))
    except BadgeError as exc:
        click.echo(f"NOT GENUINE: {exc}", err=True)
        sys.exit(1)
    click.echo("GENUINE: the Open Badge's proofs match a published key")
    status = said.pop("status") or {}
    for key, value in said.items():
        click.echo(f"  {key}: {value}")
    try:
        index = int(status.get("statusListIndex"))
    except (TypeError, ValueError):
        index = None
    code = str(said.get("id") or "").rsplit("/", 1)[-1]
    _report_status(document, status_file, code, said.get("valid_until"), index,
                   lambda url: url == status.get("statusListCredential"))
    sys.exit(0)


@certificates_cli.command("rotate-key")
def certificates_rotate_key() -> None:
    """Sign new certificates with a new key; earlier ones stay verifiable."""
    from .signing import rotate_signing_key

    click.echo(f"new signing key: {rotate_signing_key(current_app.instance_path)}")

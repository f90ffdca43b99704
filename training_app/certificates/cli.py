"""Certificate commands: check a certificate or badge with the public keys alone, rotate the
signing key."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

certificates_cli = AppGroup("certificates", help="Certificate keys and offline checks.")


@certificates_cli.command("verify")
@click.argument("token_or_file")
@click.option("--keys", "keys_file", type=click.Path(exists=True, dir_okay=False),
              help="A keys.json downloaded from /verify/keys.json (default: this instance's).")
def certificates_verify(token_or_file: str, keys_file: str | None) -> None:
    """Check a certificate token, a certificate PDF or an Open Badge (JSON) with the public
    keys alone; or look a verification code up in this server's register.

    Exits 0 and prints what the certificate says if it is genuine; exits 1 if it is forged,
    altered, truncated or signed by an unknown key; exits 2 (REVOKED) if the signature is
    genuine but this server's register shows the certificate revoked.
    """
    from .services import published_keys, revocation_in_register
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
    revoked = revocation_in_register(payload.get("code"))
    if revoked is not None:
        click.echo(f"REVOKED on {revoked.revoked_at:%Y-%m-%d}: the signature matches a "
                   "published key, but the register shows this certificate revoked", err=True)
    else:
        click.echo("GENUINE: the signature matches a published key")
    for key in ("name", "category", "contingent", "mission", "module", "content_version",
                "language", "date", "code", "kid"):
        click.echo(f"  {key}: {payload.get(key)}")
    if _holder_removed(str(payload.get("code") or "")):
        click.echo("  register: exists, holder's details removed")
    if revoked is not None:
        sys.exit(2)


def _holder_removed(code: str) -> bool:
    """This server's register holds the certificate, and its holder was erased or pruned."""
    from .services import find_certificate

    cert = find_certificate(code) if code else None
    return cert is not None and cert.person.removed


def _verify_code_in_register(code: str) -> None:
    """A verification code (not a token): what this server's register says of it; exits 0
    for a valid certificate, 2 for a revoked one, 1 for none. Returns for anything that is not a code."""
    from . import codes
    from .services import find_certificate

    if codes.normalise(code) is None and len(code.replace("-", "").strip()) != 12:
        return
    cert = find_certificate(code)
    if cert is None:
        click.echo("NOT FOUND: no certificate has this code", err=True)
        sys.exit(1)
    state = "REVOKED" if cert.revoked_at else "VALID"
    click.echo(f"{state}: {codes.display(cert.code)} is in the register")
    click.echo(f"  module: {cert.module_id}")
    click.echo(f"  date: {cert.issued_at.date().isoformat()}")
    if cert.revoked_at:
        click.echo(f"  revoked: {cert.revoked_at.date().isoformat()}")
    if cert.person.removed:
        click.echo("  holder: exists, holder's details removed")
    else:
        click.echo(f"  name: {cert.holder_name or cert.person.name}")
    sys.exit(2 if cert.revoked_at else 0)


def _verify_badge_file(data: bytes, keys_file: str | None) -> None:
    """Check an Open Badge credential file: exit 0 if its proof matches a published key."""
    from .badges import BadgeError, load_badge, verify_badge
    from .services import published_keys, revocation_in_register
    from .signing import keys_from_document

    document = (json.loads(Path(keys_file).read_text(encoding="utf-8")) if keys_file
                else published_keys(current_app.instance_path))
    try:
        said = verify_badge(load_badge(data), keys_from_document(document))
    except BadgeError as exc:
        click.echo(f"NOT GENUINE: {exc}", err=True)
        sys.exit(1)
    # the credential's id is the certificate's verify address, ending with its code
    code = str(said.get("id") or "").rstrip("/").rsplit("/", 1)[-1]
    revoked = revocation_in_register(code) if code else None
    if revoked is not None:
        click.echo(f"REVOKED on {revoked.revoked_at:%Y-%m-%d}: the Open Badge's proof matches "
                   "a published key, but the register shows its certificate revoked", err=True)
    else:
        click.echo("GENUINE: the Open Badge's proof matches a published key")
    for key, value in said.items():
        click.echo(f"  {key}: {value}")
    sys.exit(2 if revoked is not None else 0)


@certificates_cli.command("rotate-key")
def certificates_rotate_key() -> None:
    """Sign new certificates with a new key; earlier ones stay verifiable."""
    from .signing import rotate_signing_key

    click.echo(f"new signing key: {rotate_signing_key(current_app.instance_path)}")

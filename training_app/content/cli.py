"""Content commands: check modules/ and quizzes/, print the hashes translations record."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from . import check_content
from .loader import TEXT_KINDS, english_hashes

content_cli = AppGroup("content", help="Check and fingerprint the module content.")


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

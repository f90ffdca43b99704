"""Content commands: check modules/ and quizzes/, print the hashes translations record."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from . import check_content
from .loader import SOURCE_LANGUAGE, entry_hash, read_yaml

content_cli = AppGroup("content", help="Check and fingerprint the module content.")


@content_cli.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
def content_check(as_json: bool) -> None:
    """Validate modules/ and quizzes/; exit 1 on any defect."""
    report = check_content(current_app.config["CONTENT_ROOT"])
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"slides: {report.slides}, case studies: {report.case_studies}, "
                   f"quiz statements: {report.quiz_statements}")
        for lang, counts in report.languages.items():
            click.echo(f"  {lang}: missing {counts['missing']}, stale {counts['stale']}")
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
        click.echo("content OK" if report.ok else f"{len(report.errors)} defect(s)")
    sys.exit(0 if report.ok else 1)


@content_cli.command("hash")
@click.argument("kind", type=click.Choice(["module", "slides", "case_studies", "quiz",
                                           "pocket_card"]))
def content_hash(kind: str) -> None:
    """Print the source_hash of every English entry of a kind, for translators."""
    root = Path(current_app.config["CONTENT_ROOT"])
    path = {
        "module": root / "modules/sgtm1" / SOURCE_LANGUAGE / "module.yaml",
        "slides": root / "modules/sgtm1" / SOURCE_LANGUAGE / "slides.yaml",
        "case_studies": root / "modules/sgtm1" / SOURCE_LANGUAGE / "case_studies.yaml",
        "quiz": root / "quizzes/sgtm1" / f"{SOURCE_LANGUAGE}.yaml",
        "pocket_card": root / "modules/sgtm1" / SOURCE_LANGUAGE / "pocket_card.yaml",
    }[kind]
    data = read_yaml(path)
    if kind == "quiz":
        data = data["statements"]
    for item_id, entry in data.items():
        click.echo(f"{item_id}: {entry_hash(entry)}")

"""`flask scorm export`: write the SCORM 1.2 packages of a mission to files."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..config import DEFAULTS

scorm_cli = AppGroup("scorm", help="The module as SCORM 1.2 packages for other learning systems.")


@scorm_cli.command("export")
@click.option("--lang", "language", required=True,
              type=click.Choice([*DEFAULTS["LANGUAGES"], "all"]),
              help="The package's language, or all for one package per language.")
@click.option("--mission", "mission_code", required=True,
              help="Mission code: its Focal Point, Alternate and directive go into the package.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="A .zip file, or a directory (always a directory with --lang all).")
def scorm_export(language: str, mission_code: str, output: Path) -> None:
    """Write the package of one language, or of all six, for a mission."""
    from ..content import get_content
    from ..extensions import db
    from ..learn.services import pass_mark
    from ..models import Mission
    from .scorm import build_package, package_filename

    mission = db.session.scalar(select(Mission).where(Mission.code == mission_code))
    if mission is None:
        raise click.BadParameter(f"no mission with code {mission_code!r}", param_hint="--mission")
    content = get_content()
    languages = [code for code in current_app.config["LANGUAGES"] if code in content.languages]
    if language != "all" and language not in languages:
        raise click.BadParameter(f"this installation has no {language!r}", param_hint="--lang")
    wanted = languages if language == "all" else [language]
    into_directory = language == "all" or output.is_dir() or str(output).endswith(("/", "\\"))
    if into_directory and output.exists() and not output.is_dir():
        raise click.BadParameter(f"{output} is a file; give a directory", param_hint="-o")
    mark = pass_mark(content)
    for code in wanted:
        target = output / package_filename(mission, code) if into_directory else output
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(build_package(content, mission, code, mark))
        click.echo(f"{target} ({target.stat().st_size} bytes)")

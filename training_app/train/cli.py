"""Trainers' housekeeping commands: the uploaded rosters kept for their preview."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from . import uploads

imports_cli = AppGroup("imports", help="Uploaded rosters kept for their preview.")


@imports_cli.command("prune")
@click.option("--older-than", type=float, default=None,
              help="Seconds (default: TRAINING_IMPORT_KEEP_SECONDS, one hour).")
def prune_command(older_than: float | None) -> None:
    """Delete the uploaded rosters older than the keeping period."""
    keep = current_app.config["IMPORT_KEEP_SECONDS"] if older_than is None else older_than
    deleted = uploads.prune(uploads.imports_dir(current_app.instance_path), keep)
    click.echo(f"Deleted {deleted} uploaded roster(s) older than {keep:g} seconds.")

"""`flask data prune`: remove personal data past each mission's retention period."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

data_cli = AppGroup("data", help="Personal data: retention.")


@data_cli.command("prune")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed, per kind.")
def prune_command(dry_run: bool) -> None:
    """Pseudonymise the people whose last activity is older than their mission's retention
    period (names, personnel numbers, PINs, case-study and quiz answers), keeping HQ's counts
    and the certificate register. Run daily; `--dry-run` first."""
    from . import privacy

    report = privacy.prune(current_app.secret_key, apply=not dry_run)
    verb = "would remove" if dry_run else "removed"
    if not report.by_mission:
        click.echo("no mission has a retention period: nothing to do")
    for code, counts in report.by_mission.items():
        click.echo(f"{code}: {verb} " + ", ".join(
            f"{counts[kind]} {kind.replace('_', ' ')}" for kind in privacy.KINDS))

"""Every area's commands, registered on the app."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from .admin.cli import (
        backup_command,
        contingents_cli,
        create_staff,
        missions_cli,
        restore_command,
        setup_command,
        staff_cli,
    )
    from .certificates.cli import certificates_cli
    from .content.cli import content_cli
    from .demo import demo_cli
    from .i18n_cli import translate_cli
    from .interop.cli import scorm_cli
    from .privacy_cli import data_cli
    from .sync.cli import sync_cli
    from .train.cli import imports_cli

    for command in (backup_command, create_staff, restore_command, staff_cli, missions_cli,
                    contingents_cli, content_cli, demo_cli, translate_cli, certificates_cli,
                    sync_cli, scorm_cli, data_cli, imports_cli):
        app.cli.add_command(command)
    app.cli.command("setup")(setup_command)

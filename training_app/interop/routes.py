"""Downloads of the module as SCORM 1.2 packages, for a mission's HQ and trainers."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask_login import current_user

from ..content import get_content
from ..core import language_blueprint
from ..exports import attachment
from ..i18n import language_names
from ..scope import mission_or_404, staff_required
from .scorm import build_package, configured_pass_mark, package_filename

bp = language_blueprint("interop", __name__)
PACKAGE_ROLES = ("trainer", "hq", "admin")


@bp.route("/hq/missions/<int:mission_id>/scorm")
@staff_required(*PACKAGE_ROLES)
def packages(mission_id: int):
    """The mission's six packages, one per language. 404 for a mission not yours."""
    mission = mission_or_404(current_user, mission_id)
    downloads = [(code, name, package_filename(mission, code)) for code, name in language_names()]
    return render_template("interop/packages.html", mission=mission, downloads=downloads,
                           show_hq_nav=current_user.role in ("hq", "admin"))


@bp.route("/hq/missions/<int:mission_id>/scorm/<package_lang>.zip")
@staff_required(*PACKAGE_ROLES)
def download(mission_id: int, package_lang: str):
    """One package as a zip. 404 for a mission not yours or a language the app does not have."""
    mission = mission_or_404(current_user, mission_id)
    content = get_content()
    if package_lang not in current_app.config["LANGUAGES"] or \
            package_lang not in content.languages:
        abort(404)
    data = build_package(content, mission, package_lang, configured_pass_mark(content))
    return attachment(data, "application/zip", package_filename(mission, package_lang))

"""What HQ (and the mission's trainers) download to use the module elsewhere: SCORM 1.2
packages for other learning systems, and the mission's pocket cards to print."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask_login import current_user

from ..access import hq_staff, mission_or_404, role_of, trainers
from ..content import get_content
from ..downloads import pocket_card_download
from ..exports import attachment
from ..i18n import language_names
from ..interop.scorm import build_package, package_filename
from ..learn.services import pass_mark
from .routes import bp


@bp.route("/hq/missions/<int:mission_id>/scorm")
@trainers
def scorm_packages(mission_id: int):
    """The mission's six packages, one per language. 404 for a mission not yours."""
    mission = mission_or_404(mission_id)
    downloads = [(code, name, package_filename(mission, code)) for code, name in language_names()]
    return render_template("interop/packages.html", mission=mission, downloads=downloads,
                           show_hq_nav=role_of(current_user) in ("hq", "admin"))


@bp.route("/hq/missions/<int:mission_id>/scorm/<package_lang>.zip")
@trainers
def scorm_download(mission_id: int, package_lang: str):
    """One package as a zip. 404 for a mission not yours or a language the app does not have."""
    mission = mission_or_404(mission_id)
    content = get_content()
    if package_lang not in current_app.config["LANGUAGES"] or \
            package_lang not in content.languages:
        abort(404)
    data = build_package(content, mission, package_lang, pass_mark(content))
    return attachment(data, "application/zip", package_filename(mission, package_lang))


@bp.route("/hq/missions/<int:mission_id>/pocket-cards/<card_lang>.pdf")
@hq_staff
def pocket_cards(mission_id: int, card_lang: str):
    """The mission's pocket cards in one language; 404 for another mission (admins see any)
    and for a language the module does not have."""
    mission = mission_or_404(mission_id)
    if card_lang not in get_content().languages:
        abort(404)
    return pocket_card_download(mission, card_lang)

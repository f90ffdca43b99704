"""Pocket card downloads: a learner's own, a cohort's (trainers) and a mission's (HQ)."""

from __future__ import annotations

import re

from flask import abort, g
from flask_babel import force_locale
from flask_login import current_user

from ..auth.services import learner_required
from ..content import get_content
from ..core import language_blueprint
from ..exports import attachment
from ..models import Mission
from ..scope import mission_or_404, staff_required
from ..train.routes import TRAIN_ROLES, cohort_or_404
from .services import card_pdf

bp = language_blueprint("pocketcard", __name__)
HQ_ROLES = ("hq", "admin")


def _download(mission: Mission, lang: str):
    """The sheet for `mission` in `lang` as a PDF attachment."""
    content = get_content()
    with force_locale(lang):  # unset facts read in the card's language
        pdf = card_pdf(content, lang, mission)
    code = re.sub(r"[^A-Za-z0-9_-]", "", mission.code) or "mission"
    return attachment(pdf, "application/pdf", f"pocket-card-{code}-{lang}.pdf")


@bp.route("/pocket-card.pdf")
@learner_required
def learner_card():
    """The peacekeeper's pocket card: their own mission's facts, in the page's language."""
    return _download(current_user.mission, g.lang)


@bp.route("/train/cohorts/<int:cohort_id>/pocket-cards.pdf")
@staff_required(*TRAIN_ROLES)
def cohort_cards(cohort_id: int):
    """Pocket cards for a cohort, in the cohort's language; 404 for another mission's cohort."""
    cohort = cohort_or_404(cohort_id)
    lang = cohort.language if cohort.language in get_content().languages else g.lang
    return _download(cohort.mission, lang)


@bp.route("/hq/missions/<int:mission_id>/pocket-cards/<card_lang>.pdf")
@staff_required(*HQ_ROLES)
def mission_cards(mission_id: int, card_lang: str):
    """The mission's pocket cards in one language; 404 for another mission (admins see any)
    and for a language the module does not have."""
    mission = mission_or_404(current_user, mission_id)
    if card_lang not in get_content().languages:
        abort(404)
    return _download(mission, card_lang)

"""What the cohort's printouts say, in the cohort's language: the join sheet and the paper
quiz, as plain values for the PDF engines in training_app.printing."""

from __future__ import annotations

from sqlalchemy import select

from ..content.loader import Content
from ..extensions import db
from ..i18n import _, format_date, in_language, text_direction
from ..models import Cohort, Enrolment, Person
from ..printing.join_sheet import JoinSheetText
from ..printing.paper_quiz import QuizSheetText
from . import services


def _when_where(cohort: Cohort, lang: str) -> str:
    parts = [format_date(cohort.session_date, lang)]
    if cohort.place:
        parts.append(cohort.place)
    return " · ".join(parts)


def printout_language(cohort: Cohort, content: Content) -> str:
    return cohort.language if cohort.language in content.languages else content.languages[0]


def join_sheet_text(cohort: Cohort, content: Content, url: str) -> JoinSheetText:
    """The join sheet for `cohort`; `url` is the join page its QR code opens."""
    lang = printout_language(cohort, content)
    with in_language(lang):
        return JoinSheetText(
            language=lang, direction=text_direction(lang),
            module=content.text(lang, "module", "certificate")["module"], cohort=cohort.name,
            when_where=_when_where(cohort, lang),
            instructions=_("Scan the QR code with your phone, or open the address below and "
                           "type the code."),
            code_label=_("Join code"), join_code=cohort.join_code, url=url)


def paper_quiz_text(cohort: Cohort, content: Content, with_key: bool) -> QuizSheetText:
    """The cohort's paper quiz: a sheet for each enrolled learner with their name and
    personnel number (one blank sheet if none is enrolled), or the trainer's answer key."""
    lang = printout_language(cohort, content)
    ids = services.paper_statement_ids(cohort, content)
    learners = () if with_key else tuple((name, number) for name, number in db.session.execute(
        select(Person.name, Person.personnel_number).join(Enrolment)
        .where(Enrolment.cohort_id == cohort.id).order_by(Person.name)))
    with in_language(lang):
        return QuizSheetText(
            language=lang, direction=text_direction(lang),
            title=content.text(lang, "module", "certificate")["module"],
            subtitle=f"{cohort.name} · {_when_where(cohort, lang)}",
            instructions=_("Write your name and personnel number, then read each statement "
                           "and tick one box: True or False."),
            name_label=_("Name"), number_label=_("Personnel number"),
            true_label=_("True"), false_label=_("False"),
            statements=tuple(content.text(lang, "quiz", sid)["statement"] for sid in ids),
            learners=learners,
            answers=tuple(content.quiz.statement(sid).answer for sid in ids) if with_key
            else None,
            key_label=_("Answer key (for the trainer)"))

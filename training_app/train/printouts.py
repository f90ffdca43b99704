"""What the cohort's printouts say: the join sheet and the paper quiz in the cohort's language,
the session record in the reader's, as plain values for the engines in training_app.printing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..categories import BY_ID as CATEGORY_BY_ID
from ..certificates import codes
from ..content.loader import Content
from ..i18n import (
    _,
    contingent_label,
    format_date,
    format_percent,
    in_language,
    language_names,
    text_direction,
)
from ..learn import services as learn
from ..models import Cohort
from ..printing.join_sheet import JoinSheetText
from ..printing.paper_quiz import QuizSheets, QuizSheetText
from ..printing.session_record import SessionRecordText
from . import paper, services


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


def paper_quiz_sheets(cohort: Cohort, content: Content, variants: int, with_key: bool,
                      own_language: bool = False) -> QuizSheets:
    """The cohort's paper quiz: a sheet for each enrolled learner in the printed order, the
    variants taking turns (a blank sheet of each variant if none is enrolled), in the cohort's
    language or, with `own_language`, each learner's own; or, `with_key`, the trainer's answer
    key, a page per variant."""
    lang = printout_language(cohort, content)
    variants = max(1, min(variants, paper.MAX_VARIANTS))
    if with_key:
        wanted = [(v, lang, "", "") for v in range(1, variants + 1)]
    else:
        people = paper.learners_in_order(cohort)
        wanted = [(paper.variant_for(n, variants),
                   p.language if own_language and p.language in content.languages else lang,
                   p.name, p.personnel_number) for n, p in enumerate(people)] or [
            (v, lang, "", "") for v in range(1, variants + 1)]
    pages = tuple(_quiz_page(cohort, content, variant, page_lang, name, number, with_key)
                  for variant, page_lang, name, number in wanted)
    with in_language(lang):
        module = content.text(lang, "module", "certificate")["module"]
        title = f"{module}: {_('Answer key (for the trainer)')}" if with_key else module
        return QuizSheets(title=title, subject=f"{cohort.name} · {_when_where(cohort, lang)}",
                          language=lang, pages=pages)


def _quiz_page(cohort: Cohort, content: Content, variant: int, lang: str, name: str,
               number: str, with_key: bool) -> QuizSheetText:
    ids = paper.variant_statement_ids(cohort, content, variant)
    answers = tuple(content.quiz.statement(sid).answer for sid in ids)
    true_letter, false_letter = paper.answer_letters(lang)
    with in_language(lang):
        return QuizSheetText(
            language=lang, direction=text_direction(lang),
            title=content.text(lang, "module", "certificate")["module"],
            subtitle=f"{cohort.name} · {_when_where(cohort, lang)}",
            variant_label=_("Variant %(number)s", number=variant),
            instructions=_("Write your name and personnel number, then read each statement "
                           "and tick one box: True or False."),
            name_label=_("Name"), number_label=_("Personnel number"),
            true_label=_("%(word)s (%(letter)s)", word=_("True"), letter=true_letter),
            false_label=_("%(word)s (%(letter)s)", word=_("False"), letter=false_letter),
            statements=tuple(content.text(lang, "quiz", sid)["statement"] for sid in ids),
            name=name, number=number, answers=answers if with_key else None,
            key_label=_("Answer key (for the trainer)"),
            key_letters=" · ".join(f"{n} {true_letter if a else false_letter}"
                                   for n, a in enumerate(answers, 1)) if with_key else "")


@dataclass(frozen=True)
class SessionRecord:
    """The session record's facts, translated into one language, for the PDF and the XLSX."""

    text: SessionRecordText
    sheet_title: str
    details_title: str
    columns: tuple[str, ...]  # of the XLSX table: more than the printed page has room for
    rows: tuple[tuple, ...]


def session_record(cohort: Cohort, content: Content, lang: str, printed_by: str,
                   printed_at: datetime) -> SessionRecord:
    """What the training officer files: date, place, trainers, who was present, each
    learner's result and certificate, in `lang`."""
    board = services.cohort_board(cohort, content)
    certs = {c.person_id: codes.display(c.code) for c in services.valid_certificates(cohort)}
    mark = learn.pass_mark(content)
    with in_language(lang):
        modes = {"classroom": _("Classroom"), "self-paced": _("Self-paced")}
        languages = dict(language_names())
        present = sum(1 for r in board if r.attended)
        details = [
            (_("Session"), cohort.name),
            (_("Date"), format_date(cohort.session_date, lang)),
            (_("Place"), cohort.place or cohort.mission.name),
            (_("Trainers"), ", ".join(u.name for u in cohort.trainers)),
            (_("Contingents"), ", ".join(contingent_label(c, lang) for c in cohort.contingents)),
            (_("Language of delivery"), languages.get(cohort.language, cohort.language)),
            (_("Delivery mode"), modes.get(cohort.delivery_mode, cohort.delivery_mode)),
            (_("Present"), _("%(present)s of %(enrolled)s enrolled", present=present,
                             enrolled=len(board))),
            (_("Passed the quiz"), str(sum(1 for r in board if r.passed))),
            (_("Certificates issued"), str(sum(1 for r in board if r.person.id in certs))),
            (_("Pass mark"), format_percent(mark, lang)),
        ]
        if cohort.delivery_mode == "classroom" and present:
            details.append((_("Slides and case studies"), learn.attendance_note()))

        def result(r) -> str:
            if r.passed:
                return _("passed")
            return _("not passed") if r.attempts else _("not attempted")

        def score(r) -> str:
            return "" if r.best is None else format_percent(r.best, lang)

        printed = [(str(n), r.person.name, r.person.personnel_number,
                    _("yes") if r.attended else _("no"), score(r), result(r),
                    certs.get(r.person.id, ""))
                   for n, r in enumerate(board, 1)]
        text = SessionRecordText(
            language=lang, direction=text_direction(lang), title=_("Session record"),
            module=content.text(lang, "module", "certificate")["module"],
            details=tuple(details),
            columns=("#", _("Name"), _("Personnel number"), _("Present"), _("Best score"),
                     _("Result"), _("Verification code")),
            rows=tuple(printed),
            footer=_("Printed on %(date)s by %(name)s", date=format_date(printed_at, lang),
                     name=printed_by))
        columns = (_("Name"), _("Personnel number"), _("Personnel category"), _("Contingent"),
                   _("Present"), _("Best score (%)"), _("Result"), _("Verification code"))
        rows = tuple((r.person.name, r.person.personnel_number, _category(r.person.category),
                      contingent_label(r.person.contingent, lang),
                      _("yes") if r.attended else _("no"),
                      None if r.best is None else round(r.best * 100), result(r),
                      certs.get(r.person.id, "")) for r in board)
        return SessionRecord(text=text, sheet_title=_("Results"), details_title=_("Session"),
                             columns=columns, rows=rows)


def _category(category_id: str) -> str:
    category = CATEGORY_BY_ID.get(category_id)
    return str(category.label) if category else category_id

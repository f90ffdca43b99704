"""What the cohort's printouts say, in the cohort's language: the join sheet and the paper
quiz, as plain values for the PDF engines in training_app.printing."""

from __future__ import annotations

from ..content.loader import Content
from ..i18n import _, format_date, in_language, text_direction
from ..models import Cohort
from ..printing.join_sheet import JoinSheetText
from ..printing.paper_quiz import QuizSheets, QuizSheetText
from . import paper


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

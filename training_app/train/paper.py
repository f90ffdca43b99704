"""The paper quiz as plain functions: its variants (each a different draw, regenerated from
its number, so the answer key can always be printed again), the letters each language's sheet
asks for, and typing a learner's sheet in, graded by the one grading operation."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ..content.loader import Content
from ..extensions import db
from ..i18n import _, in_language
from ..learn import services as learn
from ..models import Cohort, Enrolment, Person, QuizAttempt

MAX_VARIANTS = 6
DEFAULT_VARIANTS = 3
SEPARATORS = " \t,;.-_/|"


def variant_statement_ids(cohort: Cohort, content: Content, variant: int) -> list[str]:
    """The statements of one variant of the cohort's paper quiz, in the printed order: the
    same draw for the sheet, its key and the entry, however often they are made."""
    rng = random.Random(f"paper-{cohort.id}-{cohort.join_code}-{variant}")
    ids = learn.draw_statements(content.quiz, rng)
    rng.shuffle(ids)
    return ids


def variant_for(position: int, variants: int) -> int:
    """The variant of the n-th sheet (from 0): neighbours in the roster get different ones."""
    return position % max(1, min(variants, MAX_VARIANTS)) + 1


def answer_letters(lang: str) -> tuple[str, str]:
    """The letters a sheet in `lang` prints beside True and False, for the trainer to type."""
    with in_language(lang):
        # Translators: the two one-letter (or one-character) abbreviations of "True" and
        # "False" printed on the paper quiz, separated by a slash.
        true, _slash, false = _("T/F").partition("/")
    return true.strip(), false.strip()


def accepted_letters(langs) -> dict[str, bool]:
    """Letters that mean True or False on a sheet in any of `langs`, and T/F always; upper
    and lower case alike."""
    accepted = {"T": True, "F": False}
    for lang in langs:
        true, false = answer_letters(lang)
        accepted.setdefault(true.upper(), True)
        accepted.setdefault(false.upper(), False)
    return accepted


class EntryRefused(ValueError):
    """A typed sheet that cannot be recorded; `message` says why, translated."""

    def __init__(self, reason: str, message: str):
        super().__init__(reason)
        self.reason = reason  # unknown-variant, wrong-count, unknown-letter, already-recorded
        self.message = message


def parse_variant(typed: str) -> int:
    text = (typed or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_VARIANTS:
        raise EntryRefused("unknown-variant", _(
            "Variant %(typed)s does not exist: type the variant number printed at the top of "
            "the sheet (1 to %(most)s).", typed=text or "–", most=MAX_VARIANTS))
    return int(text)


def parse_letters(typed: str, count: int, langs) -> list[bool]:
    """The answers in the order of the sheet, from letters typed with or without spaces."""
    accepted = accepted_letters(langs)
    letters = [ch.upper() for ch in (typed or "") if ch not in SEPARATORS]
    unknown = sorted({ch for ch in letters if ch not in accepted})
    if unknown:
        true = sorted(k for k, v in accepted.items() if v)
        false = sorted(k for k, v in accepted.items() if not v)
        raise EntryRefused("unknown-letter", _(
            "%(letters)s is not an answer: type %(true)s for True and %(false)s for False.",
            letters=" ".join(unknown), true=" / ".join(true), false=" / ".join(false)))
    if len(letters) != count:
        raise EntryRefused("wrong-count", _(
            "%(typed)s answers typed, but the sheet has %(count)s statements: type one letter "
            "for each statement.", typed=len(letters), count=count))
    return [accepted[ch] for ch in letters]


def entry_languages(cohort: Cohort, person: Person, content: Content) -> list[str]:
    """The languages the learner's sheet may be printed in: the cohort's or their own."""
    own = person.language if person.language in content.languages else cohort.language
    return list(dict.fromkeys([cohort.language, own]))


def letters_hint(cohort: Cohort, person: Person, content: Content) -> str:
    """What to type for True and False, for the letters of each sheet the learner may have."""
    languages = entry_languages(cohort, person, content)
    pairs = list(dict.fromkeys([answer_letters(lang) for lang in languages] + [("T", "F")]))
    return " ".join(_("%(true)s for True, %(false)s for False.", true=true, false=false)
                    for true, false in pairs)


def open_paper_entry(person: Person, content: Content, cohort: Cohort) -> QuizAttempt:
    """The learner's unsubmitted paper attempt, or a new one: its token makes an entry count
    once, however often the form is sent. Which statements it holds is settled by the
    variant typed in."""
    attempt = db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.person_id == person.id, QuizAttempt.mode == "paper",
        QuizAttempt.submitted_at.is_(None)).order_by(QuizAttempt.id.desc()).limit(1))
    if attempt is not None:
        return attempt
    ids = variant_statement_ids(cohort, content, 1)
    attempt = QuizAttempt(person_id=person.id, token=secrets.token_urlsafe(16),
                          quiz_id=content.quiz.id, language=cohort.language, statement_ids=ids,
                          total=len(ids), mode="paper")
    db.session.add(attempt)
    db.session.commit()
    return attempt


@dataclass(frozen=True)
class Entry:
    submission: learn.Submission
    variant: int
    next_person: Person | None


def record_paper_sheet(cohort: Cohort, person: Person, token: str, variant_typed: str,
                       letters_typed: str, content: Content, instance_path: str,
                       actor, sheet_language: str | None = None) -> Entry:
    """Grade one typed sheet through learn.submit_quiz and say who comes next. Refuses
    (EntryRefused) an unknown variant, a wrong number of answers or a letter the sheet does
    not print; then nothing is saved. The attempt is in the language the sheet was printed
    in (`sheet_language`, the cohort's or the learner's own; the cohort's by default), for
    the statistics per language."""
    attempt = open_paper_entry(person, content, cohort)
    if str(token) != attempt.token:
        raise EntryRefused("already-recorded",
                           _("These answers were already recorded; they count once."))
    variant = parse_variant(variant_typed)
    ids = variant_statement_ids(cohort, content, variant)
    languages = entry_languages(cohort, person, content)
    values = parse_letters(letters_typed, len(ids), languages)
    attempt.statement_ids, attempt.total = ids, len(ids)
    attempt.language = sheet_language if sheet_language in languages else cohort.language
    submission = learn.submit_quiz(person, attempt, dict(zip(ids, values, strict=True)),
                                   content, cohort.language, instance_path, actor=actor,
                                   cohort=cohort)
    return Entry(submission, variant, next_learner(cohort, person))


def recorded_sheet(person: Person) -> QuizAttempt | None:
    """The learner's last paper attempt already typed in, so that the trainer sees it before
    typing a sheet twice (a second entry is a second attempt)."""
    return db.session.scalar(select(QuizAttempt).where(
        QuizAttempt.person_id == person.id, QuizAttempt.mode == "paper",
        QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc()).limit(1))


def learners_in_order(cohort: Cohort) -> list[Person]:
    """The cohort's learners in the order their sheets are printed and typed in."""
    return list(db.session.scalars(select(Person).join(Enrolment).where(
        Enrolment.cohort_id == cohort.id).order_by(Person.name, Person.id)))


def next_learner(cohort: Cohort, person: Person) -> Person | None:
    """The learner after `person` in the printed order, None after the last."""
    people = learners_in_order(cohort)
    ids = [p.id for p in people]
    if person.id not in ids:
        return None
    at = ids.index(person.id)
    return people[at + 1] if at + 1 < len(people) else None

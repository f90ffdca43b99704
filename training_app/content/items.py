"""Item analysis of the quiz: which statements learners get right, and which statements tell
learners who understand from learners who do not. Plain functions over graded attempts.

Per statement and per language: how many answered it, the share who got it right, and two
measures of discrimination:

- `discrimination`: the share correct among learners who passed the attempt minus the share
  correct among learners who failed it (from -1 to 1; near 0 or below means the statement does
  not separate them);
- `point_biserial`: the correlation between getting the statement right (1/0) and the
  attempt's total score (its share correct), r = (M1 - M0) / s * sqrt(p q), with s the
  population standard deviation of the scores of the attempts that answered the statement.

Either is None where it cannot be computed (no passer or no failer; everyone right or wrong;
all scores equal).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ALL = "all"


@dataclass(frozen=True)
class GradedAttempt:
    language: str
    passed: bool
    answers: Mapping[str, bool]  # statement id -> answered correctly?


@dataclass(frozen=True)
class ItemStats:
    statement_id: str
    answered: int
    correct: int
    share_correct: float | None
    discrimination: float | None
    point_biserial: float | None
    answered_by_passed: int
    answered_by_failed: int

    @property
    def wrong(self) -> int:
        return self.answered - self.correct


@dataclass(frozen=True)
class ItemAnalysis:
    """Statistics per language (and over all languages, under ALL), per statement id."""

    by_language: Mapping[str, Mapping[str, ItemStats]] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(k for k in self.by_language if k != ALL))

    def items(self, lang: str = ALL) -> list[ItemStats]:
        return sorted((self.by_language.get(lang) or {}).values(),
                      key=lambda s: s.statement_id)

    def most_missed(self, lang: str = ALL, limit: int | None = 10, min_answered: int = 1
                    ) -> list[ItemStats]:
        """Statements by share correct, lowest first; a statement nobody got wrong is not
        "missed" and is never listed, nor one answered fewer than `min_answered` times."""
        missed = [s for s in self.items(lang) if s.wrong > 0 and s.answered >= min_answered]
        missed.sort(key=lambda s: (s.share_correct, -s.answered, s.statement_id))
        return missed if limit is None else missed[:limit]

    def not_discriminating(self, lang: str = ALL, below: float = 0.1, min_answered: int = 10
                           ) -> list[ItemStats]:
        """Statements answered often enough whose discrimination is below `below` (or could
        not be computed): candidates to rewrite."""
        return [s for s in self.items(lang) if s.answered >= min_answered
                and (s.discrimination is None or s.discrimination < below)]


def graded(language: str, passed: bool | None, statement_ids: Iterable[str],
           answers: Mapping[str, bool] | None, answer_key: Callable[[str], bool]
           ) -> GradedAttempt:
    """A submitted attempt as item analysis reads it: each drawn statement right or wrong
    (unanswered is wrong), with `answer_key(statement_id)` giving the right answer."""
    answers = answers or {}
    return GradedAttempt(language=language, passed=bool(passed),
                         answers={sid: answers.get(sid) is answer_key(sid)
                                  for sid in statement_ids})


def _field(attempt: Any, name: str) -> Any:
    return attempt[name] if isinstance(attempt, Mapping) else getattr(attempt, name)


def _stats(sid: str, rows: list[tuple[bool, bool, float]]) -> ItemStats:
    """rows: (correct, passed, attempt score) for each attempt that answered the statement."""
    n = len(rows)
    right = sum(1 for c, _p, _s in rows if c)
    passed = [c for c, p, _s in rows if p]
    failed = [c for c, p, _s in rows if not p]
    discrimination = None
    if passed and failed:
        discrimination = round(sum(passed) / len(passed) - sum(failed) / len(failed), 4)
    point_biserial = None
    scores = [s for _c, _p, s in rows]
    if 0 < right < n:
        mean = sum(scores) / n
        sd = math.sqrt(sum((s - mean) ** 2 for s in scores) / n)
        if sd > 0:
            m1 = sum(s for c, _p, s in rows if c) / right
            m0 = sum(s for c, _p, s in rows if not c) / (n - right)
            p = right / n
            point_biserial = round((m1 - m0) / sd * math.sqrt(p * (1 - p)), 4)
    return ItemStats(statement_id=sid, answered=n, correct=right,
                     share_correct=round(right / n, 4) if n else None,
                     discrimination=discrimination, point_biserial=point_biserial,
                     answered_by_passed=len(passed), answered_by_failed=len(failed))


def item_analysis(attempts: Iterable[Any]) -> ItemAnalysis:
    """Analyse graded attempts: each has `language`, `passed` and `answers` ({statement id:
    answered correctly?}), as a GradedAttempt, any object with those attributes or a dict."""
    rows: dict[str, dict[str, list[tuple[bool, bool, float]]]] = defaultdict(
        lambda: defaultdict(list))
    for attempt in attempts:
        answers = dict(_field(attempt, "answers") or {})
        if not answers:
            continue
        lang = _field(attempt, "language")
        passed = bool(_field(attempt, "passed"))
        score = sum(1 for v in answers.values() if v) / len(answers)
        for sid, correct in answers.items():
            row = (bool(correct), passed, score)
            rows[lang][sid].append(row)
            rows[ALL][sid].append(row)
    return ItemAnalysis(by_language={
        lang: {sid: _stats(sid, r) for sid, r in per.items()} for lang, per in rows.items()})

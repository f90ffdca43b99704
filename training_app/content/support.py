"""Does a quiz statement's slide carry its point? A measure of shared key terms.

A statement (with its explanation) and a slide (title, on-screen points, talking points,
facilitator's notes, picture description, consequences) are reduced to content-word stems,
stop words removed. Each stem shared with a slide counts by how rare it is across the slides
(log(slides / slides having it)), so words every slide uses count for nothing. The slide a
statement names should score close to the best slide for it; a wrong reference does not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .loader import SOURCE_LANGUAGE, Content

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each even ever every few for
from further had has have having he her here hers him his how i if in into is it its itself just
may me might more most must my no nor not now of off on once only or other our ours out over own
same she should so some such than that the their theirs them then there these they this those
through to too under until up upon very was we were what when where which while who whom why
will with would yet you your yours one two three first also however therefore instead still
whether either neither without within among per via etc e g eg ie un united nations
""".split())


def stem(word: str) -> str:
    """A light English stemmer: enough to match 'borders' with 'border', 'deceived' with
    'deceive', 'countries' with 'country'."""
    w = word.lower().strip("'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""),
                         ("s", ""), ("ly", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: len(w) - len(suffix)] + repl
            break
    if w.endswith("e") and len(w) > 5:
        w = w[:-1]
    return w


def terms(text: str) -> set[str]:
    """Content-word stems of a text."""
    words = re.findall(r"[a-z][a-z'-]+", text.lower())
    out = set()
    for word in words:
        for part in word.split("-"):
            if len(part) > 2 and part not in STOP_WORDS:
                out.add(stem(part))
    return out


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            if k != "source_hash":
                yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def slide_terms(entry: Mapping) -> set[str]:
    return terms(" ".join(_strings(entry)))


@dataclass(frozen=True)
class Support:
    statement_id: str
    slide: str
    score: float
    shared: tuple[str, ...]
    best_slide: str
    best_score: float

    @property
    def ratio(self) -> float:
        return self.score / self.best_score if self.best_score else 0.0


class SlideSupport:
    """Scores statements against the slides of the module in one language (English)."""

    def __init__(self, content: Content, lang: str = SOURCE_LANGUAGE,
                 exclude: Iterable[str] = ()):
        self.content = content
        self.lang = lang
        self.slides = {s.id: slide_terms(content.text(lang, "slides", s.id) or {})
                       for s in content.slides if s.id not in set(exclude)}
        n = len(self.slides)
        counts: dict[str, int] = {}
        for words in self.slides.values():
            for w in words:
                counts[w] = counts.get(w, 0) + 1
        self.weight = {w: math.log(n / c) for w, c in counts.items()}

    def statement_terms(self, statement_id: str) -> set[str]:
        text = self.content.text(self.lang, "quiz", statement_id) or {}
        return terms(" ".join((text.get("statement", ""), text.get("explanation", ""))))

    def score(self, words: set[str], slide_id: str) -> tuple[float, tuple[str, ...]]:
        shared = words & self.slides.get(slide_id, set())
        shared = {w for w in shared if self.weight.get(w, 0) > 0}
        return sum(self.weight[w] for w in shared), tuple(sorted(shared))

    def support(self, statement_id: str, slide_id: str | None = None) -> Support:
        """How well `slide_id` (default: the statement's own slide) carries the statement,
        against the best slide for it."""
        slide_id = slide_id or self.content.quiz.statement(statement_id).slide
        words = self.statement_terms(statement_id)
        score, shared = self.score(words, slide_id)
        best, best_score = slide_id, score
        for other in self.slides:
            s, _shared = self.score(words, other)
            if s > best_score:
                best, best_score = other, s
        return Support(statement_id, slide_id, round(score, 3), shared, best,
                       round(best_score, 3))

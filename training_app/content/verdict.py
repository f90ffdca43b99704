"""The verdict shown with a quiz explanation comes from the answer key, never from the text.

Explanations say why; the "true"/"false" label is an interface string chosen by the key, so
flipping an answer in keys.yaml can never leave an explanation that contradicts it.
"""

from __future__ import annotations

import re

from ..i18n import _l

# Words a translator might type at the start of an explanation as its verdict, in the six
# languages; an explanation must not begin with one of them followed by punctuation.
TYPED_VERDICTS = (
    "true", "false", "correct", "incorrect", "right", "wrong",
    "vrai", "faux", "exact", "inexact",
    "verdadero", "falso", "cierto", "correcto", "incorrecto",
    "верно", "неверно", "правда", "ложь", "правильно", "неправильно", "истина",
    "صحيح", "صواب", "خطأ", "خاطئ", "غير صحيح",
    "正确", "错误", "不正确", "对", "错", "不对", "真", "假",
)
_VERDICT = re.compile(
    r"^[\s\"'«»“”„(\[*_]*(?:" + "|".join(re.escape(w) for w in sorted(
        TYPED_VERDICTS, key=len, reverse=True)) + r")\s*(?:[.!:;,،؛。！：；，)\]]|$)",
    re.IGNORECASE)

VERDICT_LABELS = {
    True: _l("This statement is true."),
    False: _l("This statement is false."),
}


def typed_verdict(explanation: str) -> str | None:
    """The verdict word an explanation begins with ("True.", "Faux.", "错误。"), or None."""
    match = _VERDICT.match(explanation or "")
    return match.group(0).strip() if match else None


def verdict_label(answer: bool):
    """"This statement is true." or "... false." in the current interface language (a lazy
    string: it is translated when rendered)."""
    return VERDICT_LABELS[bool(answer)]

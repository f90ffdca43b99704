"""Surface rules: how well could a learner score by the wording of a statement alone?

Each rule predicts a statement's answer from a feature anyone can see without understanding it
(an absolute or limiting word, a negation, the length, "must" or "may"). A bank that measures
understanding keeps every rule, and its reverse, at or below RULE_LIMIT over each language's
statements. The word lists are per language; matching is by whole word (by substring for
Chinese, which has no spaces).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

RULE_LIMIT = 0.65
MIN_STATEMENTS = 10  # fewer statements than this say nothing about a rule

# per language: limiting words (only, never, cannot ...), universal words (all, every, any ...),
# negations, obligation ("must") and permission ("may", "as long as")
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "limiting": (
            "only", "never", "always", "cannot", "can't", "none", "no one", "nobody",
            "nothing", "nowhere", "full", "fully", "entirely", "completely", "sole", "solely",
            "exclusively", "at all", "whatever", "whoever", "regardless", "no longer",
            "no further", "under no", "in no case"),
        "universal": (
            "all", "every", "everyone", "everybody", "everything", "everywhere", "any",
            "anyone", "anybody", "anything", "whole", "entire", "complete"),
        "negation": (
            "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor",
            "cannot", "without", "n't"),
        "must": (
            "must", "have to", "has to", "had to", "required", "requires", "obliged",
            "obligation", "obligatory", "mandatory", "shall", "is bound", "are bound"),
        "may": (
            "may", "might", "allowed", "permitted", "acceptable", "free to", "as long as",
            "is fine", "no harm"),
    },
    "fr": {
        "limiting": (
            "seulement", "uniquement", "jamais", "toujours", "aucun", "aucune", "rien",
            "ne peut pas", "ne peuvent pas", "entièrement", "totalement", "complètement",
            "exclusivement", "quel que", "quelle que", "quels que", "quelles que", "seul",
            "seule", "seuls", "seules", "en aucun cas"),
        "universal": (
            "tout", "toute", "tous", "toutes", "chaque", "chacun", "chacune", "entier",
            "entière"),
        "negation": (
            "ne", "n", "pas", "jamais", "aucun", "aucune", "rien", "sans", "ni", "non",
            "nullement", "guère"),
        "must": (
            "doit", "doivent", "devez", "devons", "dois", "devra", "devront", "il faut",
            "obligé", "obligée", "obligés", "obligées", "obligatoire", "obligation", "tenu",
            "tenue", "tenus", "tenues"),
        "may": (
            "peut", "peuvent", "pouvez", "pourra", "pourront", "autorisé", "autorisée",
            "autorisés", "autorisées", "permis", "permise", "a le droit", "ont le droit",
            "acceptable", "du moment que", "pourvu que", "tant que"),
    },
    "es": {
        "limiting": (
            "solo", "sólo", "solamente", "únicamente", "nunca", "jamás", "siempre", "ningún",
            "ninguna", "ninguno", "nadie", "nada", "no puede", "no pueden", "completamente",
            "totalmente", "exclusivamente", "en ningún caso"),
        "universal": (
            "todo", "toda", "todos", "todas", "cada", "cualquier", "cualquiera", "entero",
            "entera"),
        "negation": (
            "no", "nunca", "jamás", "ni", "ningún", "ninguna", "ninguno", "nadie", "nada",
            "sin", "tampoco"),
        "must": (
            "debe", "deben", "debes", "debemos", "deberá", "deberán", "tiene que", "tienen que",
            "hay que", "obligado", "obligada", "obligados", "obligadas", "obligación",
            "obligatorio", "obligatoria"),
        "may": (
            "puede", "pueden", "puedes", "podrá", "podrán", "permitido", "permitida",
            "permite", "aceptable", "siempre que", "con tal de que", "mientras"),
    },
    "ru": {
        "limiting": (
            "только", "лишь", "исключительно", "никогда", "всегда", "никто", "ничто",
            "ничего", "никакой", "никакие", "никакого", "нельзя", "полностью", "целиком",
            "совершенно", "ни один", "ни одна", "не может", "не могут"),
        "universal": (
            "все", "всех", "всем", "всеми", "весь", "вся", "всего", "каждый", "каждая",
            "каждое", "каждого", "каждому", "каждом", "любой", "любая", "любое", "любого",
            "любые"),
        "negation": (
            "не", "нет", "ни", "никогда", "никто", "ничто", "ничего", "нельзя", "без",
            "никакой", "никакие", "никакого"),
        "must": (
            "должен", "должна", "должно", "должны", "обязан", "обязана", "обязано", "обязаны",
            "обязательно", "необходимо", "следует"),
        "may": (
            "может", "могут", "можно", "вправе", "разрешено", "разрешается", "допускается",
            "допустимо", "при условии", "если только"),
    },
    "ar": {
        "limiting": (
            "فقط", "ابدا", "دائما", "لا يمكن", "لا يجوز", "تماما", "مطلقا", "وحده", "وحدها",
            "على الاطلاق", "ايا كان"),
        "universal": ("كل", "جميع", "كافة", "اي", "ايا"),
        "negation": ("لا", "لم", "لن", "ليس", "ليست", "ليسوا", "غير", "دون", "بدون", "بلا"),
        "must": (
            "يجب", "يتعين", "ينبغي", "لا بد", "ملزم", "ملزمة", "ملزمون", "ملزمين", "يلزم",
            "واجب"),
        "may": (
            "يجوز", "يمكن", "يمكنه", "يمكنها", "يمكنهم", "مسموح", "يسمح", "لا باس", "مقبول",
            "طالما", "ما دام"),
    },
    "zh": {
        "limiting": (
            "只有", "只", "仅", "唯一", "从不", "从未", "绝不", "决不", "永远", "总是", "始终",
            "不能", "不得", "无论", "完全"),
        "universal": ("所有", "一切", "全部", "每", "任何", "都"),
        "negation": ("不", "没", "无", "未", "非", "别", "勿", "否"),
        "must": ("必须", "务必", "应当", "应该", "有义务", "须"),
        "may": ("可以", "允许", "准许", "获准", "只要", "不妨"),
    },
}
NO_SPACES = {"zh"}
ARABIC_PREFIXES = "وفبلك"
ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640]")  # short vowels and tatweel


@dataclass(frozen=True)
class Features:
    limiting: bool
    universal: bool
    negation: bool
    must: bool
    may: bool
    length: int

    @property
    def absolute(self) -> bool:
        return self.limiting or self.universal


def _normalise(text: str, lang: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("\u2019", "'")
    if lang == "ru":
        text = text.replace("ё", "е")
    if lang == "ar":
        text = ARABIC_MARKS.sub("", text)
        text = re.sub("[أإآ]", "ا", text)
    return text


def _tokens(text: str, lang: str) -> list[str]:
    if lang == "en":
        return re.findall(r"\w+(?:'\w+)?", text)
    return re.findall(r"\w+", text)


def _has(words: Iterable[str], text: str, tokens: list[str], token_set: set[str],
         lang: str, bare: list[str] | None = None) -> bool:
    if lang in NO_SPACES:
        return any(w in text for w in words)
    joined = " " + " ".join(tokens) + " "
    joined_bare = " " + " ".join(bare) + " " if bare else joined
    for w in words:
        if w == "n't":
            if any(t.endswith("n't") for t in tokens):
                return True
        elif " " in w or "'" in w:
            if " " + w + " " in joined or " " + w + " " in joined_bare:
                return True
        elif w in token_set:
            return True
    return False


def features(text: str, lang: str) -> Features:
    """The surface features of one statement."""
    words = WORDS.get(lang, WORDS["en"])
    norm = _normalise(text, lang)
    tokens = _tokens(norm, lang)
    token_set = set(tokens)
    bare = None
    if lang == "ar":  # a conjunction or preposition written onto the word: وكل, بدون, فلا
        bare = [t[1:] if len(t) > 2 and t[0] in ARABIC_PREFIXES else t for t in tokens]
        token_set |= set(bare)
    if lang in NO_SPACES:
        length = sum(1 for ch in norm if unicodedata.category(ch).startswith("L"))
    else:
        length = len(tokens)

    def has(kind: str) -> bool:
        return _has(words[kind], norm, tokens, token_set, lang, bare)

    return Features(limiting=has("limiting"), universal=has("universal"),
                    negation=has("negation"), must=has("must"), may=has("may"), length=length)


# rule name -> (feature test, the answer it predicts when the feature is present)
RULES = {
    "limiting words -> false": (lambda f, long: f.limiting, False),
    "absolute words -> false": (lambda f, long: f.absolute, False),
    "negation -> false": (lambda f, long: f.negation, False),
    "longer than median -> true": (lambda f, long: long, True),
    "'must' -> true": (lambda f, long: f.must, True),
    "'may' -> false": (lambda f, long: f.may, False),
    "limiting or permissive words -> false": (lambda f, long: f.limiting or f.may, False),
    "absolute or permissive words -> false": (lambda f, long: f.absolute or f.may, False),
}


def reverse_name(name: str) -> str:
    feature, answer = name.rsplit(" -> ", 1)
    return f"{feature} -> {'true' if answer == 'false' else 'false'}"


def rule_accuracy(bank: Iterable[tuple[str, bool]], lang: str) -> dict[str, float]:
    """For (statement text, answer) pairs in one language: the share of answers each rule,
    and each rule's reverse, gets right. Empty when the bank is too small to judge."""
    items = [(features(text, lang), answer) for text, answer in bank]
    if len(items) < MIN_STATEMENTS:
        return {}
    median = statistics.median(f.length for f, _a in items)
    out: dict[str, float] = {}
    for name, (test, predicted) in RULES.items():
        right = sum(1 for f, answer in items
                    if (predicted if test(f, f.length > median) else not predicted) == answer)
        share = right / len(items)
        out[name] = round(share, 3)
        out[reverse_name(name)] = round(1 - share, 3)
    return out


def rules_over_limit(figures: dict[str, float], limit: float = RULE_LIMIT
                     ) -> list[tuple[str, float]]:
    """The rules that predict more answers than the limit allows, worst first."""
    return sorted(((n, a) for n, a in figures.items() if a > limit), key=lambda x: -x[1])

"""Read the module structure, its texts in every language and the quiz bank."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

SOURCE_LANGUAGE = "en"
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
MODULE_TEXT_KEYS = (
    "title", "aim", "scope", "learning_outcome", "assessment_criteria", "syllabus", "plan",
    "certificate",
)
# every kind of translated entry; each entry of each kind carries its own source_hash
TEXT_KINDS = ("module", "slides", "case_studies", "pocket_card", "quiz", "topics")


# libyaml's loader where PyYAML has it: the content check reads some thirty files
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_SafeLoader)


def entry_hash(entry: Any) -> str:
    """Fingerprint of an English entry; translations record it to show what they translate."""
    if isinstance(entry, dict):
        entry = {k: v for k, v in entry.items() if k != "source_hash"}
    canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def translation_hash(kind: str, entry: Any, answer: bool | None = None) -> str:
    """The source_hash a translation of an English entry must carry. A quiz statement's hash
    also covers its answer in keys.yaml, so that flipping an answer makes every translation of
    the statement stale: its explanation must be read again."""
    if kind == "quiz" and isinstance(entry, dict):
        entry = {**entry, "answer": answer}
    return entry_hash(entry)


def placeholders(value: Any) -> set[str]:
    """Every {placeholder} used anywhere inside an entry."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(PLACEHOLDER.findall(value))
    elif isinstance(value, dict):
        for k, v in value.items():
            if k != "source_hash":
                found |= placeholders(v)
    elif isinstance(value, list):
        for v in value:
            found |= placeholders(v)
    return found


def fill(text: str, values: dict[str, str]) -> str:
    """Put mission facts into a text; unknown placeholders stay visible rather than vanish."""
    out = PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
    return out.replace("{{", "{").replace("}}", "}")


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Slide:
    id: str
    number: int
    source: str
    consequences: bool = False


@dataclass(frozen=True)
class CaseStudy:
    id: str
    slides: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class CardSection:
    """One section of the pocket card: on the front or the back of the folded card."""

    id: str
    side: str  # front / back
    source: str


@dataclass(frozen=True)
class Statement:
    id: str
    answer: bool
    topic: str
    criterion: str
    slide: str
    source: str


@dataclass(frozen=True)
class Quiz:
    id: str
    draw: int
    pass_mark: float
    topics: tuple[str, ...]
    statements: tuple[Statement, ...]
    # the module's assessment criteria, in order; every draw covers each of them
    criteria: tuple[str, ...] = ()

    def statement(self, statement_id: str) -> Statement:
        return self._by_id[statement_id]

    @cached_property
    def _by_id(self) -> dict[str, Statement]:
        return {s.id: s for s in self.statements}


@dataclass(frozen=True)
class LocalText:
    """One entry as a page should show it: the text in the language asked for when there is
    one, and, when that translation is missing or translates an older English text, the
    English entry to show beside it."""

    entry: Any
    lang: str                 # the language `entry` is in
    stale: bool = False       # a translation exists but translates an older English text
    missing: bool = False     # no translation: `entry` is the English
    english: Any = None       # the current English entry when stale or missing, else None

    @property
    def current(self) -> bool:
        return not (self.stale or self.missing)


@dataclass(frozen=True)
class Content:
    """Everything the app shows of the module, in every language it has."""

    root: str
    module_id: str
    version: int
    languages: tuple[str, ...]
    slides: tuple[Slide, ...]
    case_studies: tuple[CaseStudy, ...]
    plan: tuple[Any, ...]
    assessment_criteria: tuple[str, ...]
    quiz: Quiz
    # texts[lang][kind][id] where kind is module / slides / case_studies / pocket_card / quiz /
    # topics
    texts: Any = field(repr=False)
    fingerprint: str = ""
    pocket_card: tuple[CardSection, ...] = ()
    # (lang, kind, id) of every translated entry whose source_hash is not the current English
    stale_entries: frozenset[tuple[str, str, str]] = frozenset()

    @property
    def slide_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.slides)

    @property
    def case_study_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.case_studies)

    @property
    def content_version(self) -> str:
        return f"{self.module_id}-v{self.version}-{self.fingerprint}"

    def slide(self, slide_id: str) -> Slide | None:
        return next((s for s in self.slides if s.id == slide_id), None)

    def slide_by_number(self, number: int) -> Slide | None:
        return next((s for s in self.slides if s.number == number), None)

    def case_study(self, case_id: str) -> CaseStudy | None:
        return next((c for c in self.case_studies if c.id == case_id), None)

    def module_texts(self, lang: str) -> dict[str, Any]:
        """The module's own texts (aim, scope, outcome ...) in a language."""
        return {key: self.text(lang, "module", key) for key in MODULE_TEXT_KEYS}

    def text(self, lang: str, kind: str, item_id: str) -> Any:
        """The text of one item in a language, falling back to English where it is missing."""
        for code in (lang, SOURCE_LANGUAGE):
            entry = self.texts.get(code, {}).get(kind, {}).get(item_id)
            if entry is not None:
                return entry
        return None

    def english(self, kind: str, item_id: str) -> Any:
        """The English (source) entry of an item."""
        return self.texts.get(SOURCE_LANGUAGE, {}).get(kind, {}).get(item_id)

    def is_stale(self, lang: str, kind: str, item_id: str) -> bool:
        """True when the language has a translation of the item that translates an older
        English text (its source_hash is not the current English entry's)."""
        return (lang, kind, item_id) in self.stale_entries

    def localized(self, lang: str, kind: str, item_id: str) -> LocalText | None:
        """The item in a language, saying whether it is current; see LocalText."""
        english = self.english(kind, item_id)
        own = self.texts.get(lang, {}).get(kind, {}).get(item_id)
        if lang == SOURCE_LANGUAGE or (own is not None and not self.is_stale(lang, kind,
                                                                                item_id)):
            entry = own if own is not None else english
            return None if entry is None else LocalText(entry=entry, lang=lang)
        if own is not None:
            return LocalText(entry=own, lang=lang, stale=True, english=english)
        if english is None:
            return None
        return LocalText(entry=english, lang=SOURCE_LANGUAGE, missing=True, english=english)

    def topic_label(self, lang: str, topic: str) -> str:
        """A quiz topic's label in a language (English where it has none)."""
        entry = self.text(lang, "topics", topic)
        return entry["label"] if entry else topic

    def screen_points(self, lang: str, slide_id: str) -> tuple[str, ...]:
        """The slide's short on-screen points (for the projector and the SCORM package), in
        the language, or in English while the language has none."""
        entry = self.text(lang, "slides", slide_id) or {}
        points = entry.get("screen") or (self.english("slides", slide_id) or {}).get("screen")
        return tuple(points or ())


def _load_texts(root: Path, module_id: str, quiz_id: str, lang: str) -> dict[str, Any]:
    mdir = root / "modules" / module_id / lang
    out: dict[str, Any] = {}
    for kind, path in (
        ("module", mdir / "module.yaml"),
        ("slides", mdir / "slides.yaml"),
        ("case_studies", mdir / "case_studies.yaml"),
        ("pocket_card", mdir / "pocket_card.yaml"),
    ):
        out[kind] = read_yaml(path) if path.exists() else {}
    qpath = root / "quizzes" / quiz_id / f"{lang}.yaml"
    quiz = read_yaml(qpath) if qpath.exists() else {}
    out["quiz"] = (quiz or {}).get("statements") or {}
    out["topics"] = topic_entries((quiz or {}).get("topics"))
    return {k: (v or {}) for k, v in out.items()}


def topic_entries(topics: Any) -> dict[str, Any]:
    """Topic labels as entries ({label, source_hash}); a bare label string (the older form)
    is read as an entry without a source_hash."""
    if not isinstance(topics, dict):
        return {}
    return {k: (v if isinstance(v, dict) else {"label": v}) for k, v in topics.items()}


def stale_entries(texts: dict[str, dict[str, dict]], answers: dict[str, bool] | None = None
                  ) -> frozenset[tuple[str, str, str]]:
    """Every (lang, kind, id) whose translation does not carry the English entry's hash."""
    english = texts.get(SOURCE_LANGUAGE, {})
    answers = answers or {}
    found = set()
    for kind in TEXT_KINDS:
        hashes = {item_id: translation_hash(kind, entry, answers.get(item_id))
                  for item_id, entry in (english.get(kind) or {}).items()}
        for lang, kinds in texts.items():
            if lang == SOURCE_LANGUAGE:
                continue
            for item_id, entry in (kinds.get(kind) or {}).items():
                if item_id in hashes and not (isinstance(entry, dict)
                                              and entry.get("source_hash") == hashes[item_id]):
                    found.add((lang, kind, item_id))
    return frozenset(found)


def english_hashes(root: str | Path, kind: str) -> dict[str, str]:
    """The source_hash every translated entry of a kind must carry, by id, from the English
    files (for translators: `flask content hash <kind>`, tools/translation_status.py)."""
    root = Path(root)
    structure = read_yaml(root / "modules" / "sgtm1" / "module.yaml")
    quiz_id = structure["quiz"]
    texts = _load_texts(root, structure["id"], quiz_id, SOURCE_LANGUAGE)
    answers = {}
    if kind == "quiz":
        keys = read_yaml(root / "quizzes" / quiz_id / "keys.yaml")
        answers = {s["id"]: s.get("answer") for s in keys["statements"]}
    return {item_id: translation_hash(kind, entry, answers.get(item_id))
            for item_id, entry in (texts.get(kind) or {}).items()}


def build_content(root: Path) -> Content:
    """Read all content files; raises on files that cannot be read at all."""
    structure = read_yaml(root / "modules" / "sgtm1" / "module.yaml")
    module_id = structure["id"]
    quiz_id = structure["quiz"]
    keys = read_yaml(root / "quizzes" / quiz_id / "keys.yaml")
    slides = tuple(
        Slide(id=s["id"], number=int(s["number"]), source=s.get("source", ""),
              consequences=bool(s.get("consequences", False)))
        for s in structure["slides"]
    )
    cases = tuple(
        CaseStudy(id=c["id"], slides=tuple(c.get("slides") or ()), source=c.get("source", ""))
        for c in structure["case_studies"]
    )
    card = tuple(
        CardSection(id=c["id"], side=c.get("side", "front"), source=c.get("source", ""))
        for c in structure.get("pocket_card") or ()
    )
    statements = tuple(
        Statement(id=s["id"], answer=s["answer"], topic=s["topic"],
                  criterion=s.get("criterion", ""), slide=s.get("slide", ""),
                  source=s.get("source", ""))
        for s in keys["statements"]
    )
    criteria = tuple(structure.get("assessment_criteria") or ())
    quiz = Quiz(id=quiz_id, draw=int(keys.get("draw", 15)),
                pass_mark=float(keys.get("pass_mark", 0.8)),
                topics=tuple(keys.get("topics") or ()), statements=statements,
                criteria=criteria)
    languages = tuple(structure.get("languages") or (SOURCE_LANGUAGE,))
    texts = {lang: _load_texts(root, module_id, quiz_id, lang) for lang in languages}
    fingerprint = entry_hash({"structure": structure, "keys": keys, "en": texts[SOURCE_LANGUAGE]})
    return Content(
        root=str(root), module_id=module_id, version=int(structure.get("version", 1)),
        languages=languages, slides=slides, case_studies=cases,
        plan=_freeze(structure.get("plan") or []),
        assessment_criteria=criteria,
        quiz=quiz, texts=_freeze(texts), fingerprint=fingerprint[:8], pocket_card=card,
        stale_entries=stale_entries(texts, {s.id: s.answer for s in statements}),
    )


@lru_cache(maxsize=4)
def load_content(root: str) -> Content:
    return build_content(Path(root))

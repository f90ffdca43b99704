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


def read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def entry_hash(entry: Any) -> str:
    """Fingerprint of an English entry; translations record it to show what they translate."""
    if isinstance(entry, dict):
        entry = {k: v for k, v in entry.items() if k != "source_hash"}
    canonical = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


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

    def statement(self, statement_id: str) -> Statement:
        return self._by_id[statement_id]

    @cached_property
    def _by_id(self) -> dict[str, Statement]:
        return {s.id: s for s in self.statements}


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
    out["topics"] = (quiz or {}).get("topics") or {}
    return {k: (v or {}) for k, v in out.items()}


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
    quiz = Quiz(id=quiz_id, draw=int(keys.get("draw", 15)),
                pass_mark=float(keys.get("pass_mark", 0.8)),
                topics=tuple(keys.get("topics") or ()), statements=statements)
    languages = tuple(structure.get("languages") or (SOURCE_LANGUAGE,))
    texts = {lang: _load_texts(root, module_id, quiz_id, lang) for lang in languages}
    fingerprint = entry_hash({"structure": structure, "keys": keys, "en": texts[SOURCE_LANGUAGE]})
    return Content(
        root=str(root), module_id=module_id, version=int(structure.get("version", 1)),
        languages=languages, slides=slides, case_studies=cases,
        plan=_freeze(structure.get("plan") or []),
        assessment_criteria=tuple(structure.get("assessment_criteria") or ()),
        quiz=quiz, texts=_freeze(texts), fingerprint=fingerprint[:8], pocket_card=card,
    )


@lru_cache(maxsize=4)
def load_content(root: str) -> Content:
    return build_content(Path(root))

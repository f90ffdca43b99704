"""Check the module and quiz files: schema, ids, references, and every translation's freshness."""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import surface
from .loader import (
    MODULE_TEXT_KEYS,
    SOURCE_LANGUAGE,
    Quiz,
    Statement,
    placeholders,
    read_yaml,
    topic_entries,
    translation_hash,
)
from .verdict import typed_verdict

ALLOWED_PLACEHOLDERS = {"mission", "focal_point", "alternate", "offlimits_directive"}
CERTIFICATE_PLACEHOLDERS = {"name", "module"}
CONSEQUENCE_GROUPS = ("military", "police-observers", "civilian")
# The pocket card sets the Focal Point's and the Alternate's names and contacts on lines of
# their own; the rest of the module names them with {focal_point} and {alternate}.
CARD_PLACEHOLDERS = {"focal_point_name", "focal_point_contact", "alternate_name",
                     "alternate_contact"}
CARD_SIDES = ("front", "back")
CARD_REQUIRED = ("heading", "channels")
# on-screen slide points: how many per slide, and how short each must be
SCREEN_POINTS = (3, 6)
SCREEN_MAX_WORDS = 12
SCREEN_MAX_CHARS = 100
SCREEN_MAX_CHARS_NO_SPACES = 30  # Chinese: characters, not words
# the bank: true share, and enough true and false statements per criterion that a retake
# can draw two fresh statements of either answer for every criterion
TRUE_SHARE = (0.4, 0.6)
MIN_EACH_ANSWER_PER_CRITERION = 4
DRAW_CHECKS = 20  # draws (and retakes) tried by the check
SOURCE_REFERENCE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt.*(?:\bp\.|\bpp\.|\bline)", re.S)


@dataclass
class ContentReport:
    languages: dict[str, dict[str, int]] = field(default_factory=dict)
    slides: int = 0
    case_studies: int = 0
    quiz_statements: int = 0
    errors: list[str] = field(default_factory=list)
    # the quiz bank: statements, true share, true/false per criterion, statements per topic
    bank: dict[str, Any] = field(default_factory=dict)
    # per checked language: how well each surface rule predicts the answers
    surface_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    checked_languages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "languages": self.languages,
            "slides": self.slides,
            "case_studies": self.case_studies,
            "quiz_statements": self.quiz_statements,
            "errors": self.errors,
            "checked_languages": self.checked_languages,
            "bank": self.bank,
            "surface_rules": self.surface_rules,
        }

    def summary_lines(self) -> list[str]:
        """Human-readable lines for `flask content check`."""
        lines = [f"slides: {self.slides}, case studies: {self.case_studies}, "
                 f"quiz statements: {self.quiz_statements}"]
        if self.bank:
            per = ", ".join(f"{c} {v['true']}T/{v['false']}F"
                            for c, v in self.bank.get("criteria", {}).items())
            lines.append(f"  bank: {self.bank['true']} true of {self.bank['statements']} "
                         f"({self.bank['true_share']:.0%}); {per}")
        for lang, counts in self.languages.items():
            line = f"  {lang}: missing {counts['missing']}, stale {counts['stale']}"
            rules = self.surface_rules.get(lang) or {}
            if rules.get("worst"):
                worst = rules["worst"]
                line += (f"; surface rules: worst '{worst['rule']}' {worst['accuracy']:.0%} "
                         f"over {rules['statements']} statements")
            lines.append(line)
        return lines


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _is_text_list(v: Any, allow_empty: bool = False) -> bool:
    return isinstance(v, list) and (allow_empty or v) and all(_is_text(x) for x in v)


def _screen_errors(points: Any, lang: str) -> list[str]:
    low, high = SCREEN_POINTS
    if not (_is_text_list(points) and low <= len(points) <= high):
        return [f"screen must be a list of {low} to {high} short points"]
    errs = []
    for point in points:
        if lang in surface.NO_SPACES:
            if len(point) > SCREEN_MAX_CHARS_NO_SPACES:
                errs.append(f"screen point longer than {SCREEN_MAX_CHARS_NO_SPACES} "
                            f"characters: {point}")
        elif len(point.split()) > SCREEN_MAX_WORDS or len(point) > SCREEN_MAX_CHARS:
            errs.append(f"screen point longer than {SCREEN_MAX_WORDS} words or "
                        f"{SCREEN_MAX_CHARS} characters: {point}")
    return errs


def _slide_errors(entry: dict, consequences: bool, lang: str = SOURCE_LANGUAGE) -> list[str]:
    errs = []
    if not _is_text(entry.get("title")):
        errs.append("title missing")
    if lang == SOURCE_LANGUAGE or "screen" in entry:
        errs.extend(_screen_errors(entry.get("screen"), lang))
    if not _is_text_list(entry.get("talking_points")):
        errs.append("talking_points must be a non-empty list of texts")
    if not _is_text_list(entry.get("facilitator_notes", None), allow_empty=True):
        errs.append("facilitator_notes must be a list of texts")
    if "picture" in entry and not _is_text(entry["picture"]):
        errs.append("picture must be a text")
    if consequences:
        groups = entry.get("consequences")
        if not isinstance(groups, dict) or set(groups) != set(CONSEQUENCE_GROUPS):
            errs.append("consequences must have exactly: " + ", ".join(CONSEQUENCE_GROUPS))
        else:
            for g, block in groups.items():
                if not (isinstance(block, dict) and _is_text(block.get("heading"))
                        and _is_text_list(block.get("points"))):
                    errs.append(f"consequences.{g} needs a heading and points")
    elif "consequences" in entry:
        errs.append("consequences belong only on the slide marked consequences: true")
    return errs


def _case_errors(entry: dict) -> list[str]:
    errs = []
    if not _is_text(entry.get("title")):
        errs.append("title missing")
    if not _is_text_list(entry.get("scenario")):
        errs.append("scenario must be a non-empty list of paragraphs")
    q = entry.get("questions")
    if not (_is_text_list(q) and 2 <= len(q) <= 4):
        errs.append("questions must be a list of two to four texts")
    if not _is_text(entry.get("rule")):
        errs.append("rule missing")
    if not _is_text_list(entry.get("guidance")):
        errs.append("guidance must be a non-empty list of paragraphs")
    return errs


def _statement_errors(entry: dict) -> list[str]:
    errs = []
    for key in ("statement", "explanation"):
        if not _is_text(entry.get(key)):
            errs.append(f"{key} missing")
    verdict = typed_verdict(entry.get("explanation") or "")
    if verdict:
        errs.append(f"explanation begins with a typed verdict ({verdict}); the verdict is "
                    "shown from the answer key in keys.yaml, so write only why")
    return errs


def _topic_errors(entry: dict) -> list[str]:
    return [] if _is_text(entry.get("label")) else ["label missing"]


def _card_errors(item_id: str, entry: dict) -> list[str]:
    if item_id == "heading":
        ok = all(_is_text(entry.get(k)) for k in ("title", "subtitle", "motto"))
        return [] if ok else ["needs title, subtitle and motto"]
    if item_id == "channels":
        errs = []
        if not all(_is_text(entry.get(k)) for k in ("heading", "intro", "not_set")):
            errs.append("needs heading, intro and not_set")
        for person in ("focal_point", "alternate"):
            block = entry.get(person)
            if not (isinstance(block, dict)
                    and all(_is_text(block.get(k)) for k in ("label", "name", "contact"))):
                errs.append(f"{person} needs label, name and contact")
        if not _is_text_list(entry.get("others")):
            errs.append("others must be a non-empty list of texts")
        return errs
    ok = _is_text(entry.get("heading")) and _is_text_list(entry.get("points"))
    return [] if ok else ["needs a heading and a non-empty list of points"]


def _module_text_errors(key: str, entry: Any, criteria: list[str]) -> list[str]:
    if not isinstance(entry, dict):
        return ["must be a mapping"]
    shape = {
        "title": lambda e: _is_text(e.get("text")),
        "aim": lambda e: _is_text_list(e.get("paragraphs")),
        "learning_outcome": lambda e: _is_text_list(e.get("paragraphs")),
        "syllabus": lambda e: _is_text_list(e.get("items")),
        "plan": lambda e: _is_text(e.get("presentation")) and _is_text(e.get("practice")),
        "scope": lambda e: _is_text(e.get("intro")) and isinstance(e.get("audiences"), dict)
        and len(e["audiences"]) == 7 and all(_is_text(v) for v in e["audiences"].values()),
        "assessment_criteria": lambda e: set(e) - {"source_hash"} == set(criteria)
        and all(_is_text(e[c]) for c in criteria),
        "certificate": lambda e: all(_is_text(e.get(k)) for k in ("title", "statement", "module")),
    }
    return [] if shape[key](entry) else ["does not have the expected fields"]


def _load(path: Path, errors: list[str], root: Path) -> Any:
    rel = path.relative_to(root)
    if not path.exists():
        return None
    try:
        data = read_yaml(path)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.append(f"{rel}: cannot be read: {str(exc).splitlines()[0]}")
        return None
    if data is not None and not isinstance(data, dict):
        errors.append(f"{rel}: must be a mapping of ids to entries")
        return None
    return data or {}


def _bank_summary(statements: list[dict], criteria: list[str], topics: list[str]
                  ) -> dict[str, Any]:
    good = [s for s in statements if isinstance(s, dict) and isinstance(s.get("answer"), bool)]
    true = sum(s["answer"] for s in good)
    per = {c: {"true": 0, "false": 0} for c in criteria}
    for s in good:
        if s.get("criterion") in per:
            per[s["criterion"]]["true" if s["answer"] else "false"] += 1
    by_topic = Counter(s.get("topic") for s in good)
    return {"statements": len(good), "true": true,
            "true_share": round(true / len(good), 3) if good else 0.0,
            "criteria": per, "topics": {t: by_topic.get(t, 0) for t in topics}}


def _bank_errors(statements: list[dict], criteria: list[str], topics: list[str],
                 draw: Any, bank: dict[str, Any]) -> list[str]:
    """The bank as a whole: balance, enough of each answer per criterion, draws that work."""
    from .draw import check_draw, draw_statements

    errs = []
    low, high = TRUE_SHARE
    if bank["statements"] and not low <= bank["true_share"] <= high:
        errs.append(f"keys.yaml: {bank['true_share']:.0%} of the statements are true; "
                    f"keep it between {low:.0%} and {high:.0%}")
    for c, counts in bank["criteria"].items():
        for answer in ("true", "false"):
            if counts[answer] < MIN_EACH_ANSWER_PER_CRITERION:
                errs.append(f"keys.yaml: criterion {c} has {counts[answer]} {answer} "
                            f"statement(s); at least {MIN_EACH_ANSWER_PER_CRITERION} are needed "
                            "so that every draw and retake can hold two of it")
    if errs or not isinstance(draw, int) or draw > len(statements):
        return errs
    try:
        quiz = Quiz(id="check", draw=draw, pass_mark=0.8, topics=tuple(topics), criteria=tuple(
            criteria), statements=tuple(
                Statement(id=s["id"], answer=s["answer"], topic=s.get("topic", ""),
                          criterion=s.get("criterion", ""), slide=s.get("slide", ""),
                          source=s.get("source", "")) for s in statements))
    except (KeyError, TypeError):
        return errs
    for seed in range(DRAW_CHECKS):
        rng = random.Random(seed)
        first = draw_statements(quiz, rng)
        retake = draw_statements(quiz, rng, avoid=first)
        for ids in (first, retake):
            problems = check_draw(quiz, ids).problems(quiz, draw)
            if problems:
                return errs + ["keys.yaml: the bank cannot always give a valid draw: "
                               + "; ".join(problems)]
    return errs


def check_content(root: str | Path, languages: list[str] | None = None) -> ContentReport:
    """Validate everything under modules/ and quizzes/; never raises on bad content.

    `languages` limits the check of translated texts to those languages (English, the source,
    is always checked); the default is every language of the module.
    """
    root = Path(root)
    report = ContentReport()
    errors = report.errors
    structure = _load(root / "modules" / "sgtm1" / "module.yaml", errors, root)
    if not structure:
        errors.append("modules/sgtm1/module.yaml: missing or empty")
        return report

    slides = structure.get("slides") or []
    slide_ids = [s.get("id") for s in slides if isinstance(s, dict)]
    if len(set(slide_ids)) != len(slide_ids) or None in slide_ids:
        errors.append("module.yaml: slide ids must be present and unique")
    numbers = [s.get("number") for s in slides if isinstance(s, dict)]
    if numbers != list(range(1, len(slides) + 1)):
        errors.append("module.yaml: slide numbers must run 1, 2, 3 ... in order")
    for s in slides:
        if isinstance(s, dict) and not _is_text(s.get("source")):
            errors.append(f"module.yaml: slide {s.get('id')}: source missing")
    consequence_slides = {s["id"] for s in slides if isinstance(s, dict) and s.get("consequences")}
    if len(consequence_slides) != 1:
        errors.append("module.yaml: exactly one slide must carry consequences: true")
    cases = structure.get("case_studies") or []
    case_ids = [c.get("id") for c in cases if isinstance(c, dict)]
    if len(set(case_ids)) != len(case_ids) or None in case_ids:
        errors.append("module.yaml: case study ids must be present and unique")
    for c in cases:
        if not isinstance(c, dict):
            continue
        if not _is_text(c.get("source")):
            errors.append(f"module.yaml: case study {c.get('id')}: source missing")
        for ref in c.get("slides") or []:
            if ref not in slide_ids:
                errors.append(f"module.yaml: case study {c.get('id')}: unknown slide {ref}")
    criteria = list(structure.get("assessment_criteria") or [])
    report.slides, report.case_studies = len(slide_ids), len(case_ids)
    card = [c for c in structure.get("pocket_card") or [] if isinstance(c, dict)]
    card_ids = [c.get("id") for c in card]
    if len(set(card_ids)) != len(card_ids) or None in card_ids:
        errors.append("module.yaml: pocket card ids must be present and unique")
    for required in CARD_REQUIRED:
        if required not in card_ids:
            errors.append(f"module.yaml: pocket card: {required} missing")
    for c in card:
        if c.get("side") not in CARD_SIDES:
            errors.append(f"module.yaml: pocket card {c.get('id')}: side must be front or back")
        if not _is_text(c.get("source")):
            errors.append(f"module.yaml: pocket card {c.get('id')}: source missing")

    quiz_id = structure.get("quiz", "sgtm1")
    keys = _load(root / "quizzes" / quiz_id / "keys.yaml", errors, root) or {}
    statements = [s for s in keys.get("statements") or [] if isinstance(s, dict)]
    topics = list(keys.get("topics") or [])
    st_ids = [s.get("id") for s in statements]
    answers = {s.get("id"): s.get("answer") for s in statements}
    report.quiz_statements = len(st_ids)
    if not statements:
        errors.append(f"quizzes/{quiz_id}/keys.yaml: no statements")
    if len(set(st_ids)) != len(st_ids) or None in st_ids:
        errors.append(f"quizzes/{quiz_id}/keys.yaml: statement ids must be present and unique")
    for s in statements:
        sid = s.get("id")
        if not isinstance(s.get("answer"), bool):
            errors.append(f"keys.yaml: {sid}: answer must be true or false")
        if s.get("topic") not in topics:
            errors.append(f"keys.yaml: {sid}: unknown topic {s.get('topic')}")
        if s.get("slide") not in slide_ids:
            errors.append(f"keys.yaml: {sid}: unknown slide {s.get('slide')}")
        if criteria and s.get("criterion") not in criteria:
            errors.append(f"keys.yaml: {sid}: unknown criterion {s.get('criterion')}")
        if not _is_text(s.get("source")):
            errors.append(f"keys.yaml: {sid}: source missing")
        elif not SOURCE_REFERENCE.search(s["source"]):
            errors.append(f"keys.yaml: {sid}: source must name the reference file and the "
                          "page or line it rests on")
    for t in topics:
        if not any(s.get("topic") == t for s in statements):
            errors.append(f"keys.yaml: topic {t} has no statement")
    draw = keys.get("draw", 15)
    if not isinstance(draw, int) or not 1 <= draw <= len(st_ids):
        errors.append("keys.yaml: draw must be between 1 and the number of statements")
    pass_mark = keys.get("pass_mark", 0.8)
    if not isinstance(pass_mark, int | float) or not 0 < pass_mark <= 1:
        errors.append("keys.yaml: pass_mark must be a fraction between 0 and 1")
    report.bank = _bank_summary(statements, criteria, topics)
    if not any("keys.yaml" in e for e in errors):
        errors.extend(_bank_errors(statements, criteria, topics, draw, report.bank))

    expected = {
        "module": list(MODULE_TEXT_KEYS),
        "slides": slide_ids,
        "case_studies": case_ids,
        "quiz": st_ids,
        "topics": topics,
        "pocket_card": card_ids,
    }
    quiz_path = f"quizzes/{quiz_id}/{{lang}}.yaml"
    paths = {
        "module": "modules/sgtm1/{lang}/module.yaml",
        "slides": "modules/sgtm1/{lang}/slides.yaml",
        "case_studies": "modules/sgtm1/{lang}/case_studies.yaml",
        "quiz": quiz_path,
        "topics": quiz_path,
        "pocket_card": "modules/sgtm1/{lang}/pocket_card.yaml",
    }
    files = {
        "module": paths["module"], "slides": paths["slides"],
        "case_studies": paths["case_studies"], "quiz": quiz_path,
        "pocket_card": paths["pocket_card"],
    }

    def texts_for(lang: str) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for kind, pattern in files.items():
            rel = pattern.format(lang=lang)
            data = _load(root / rel, errors, root)
            if kind == "quiz":
                raw_topics = (data or {}).get("topics")
                if data is not None and not isinstance(raw_topics, dict):
                    errors.append(f"{rel}: topics missing")
                out["topics"] = topic_entries(raw_topics)
                data = (data or {}).get("statements") or {}
            out[kind] = data or {}
        return out

    def label(kind: str, lang: str) -> str:
        rel = paths[kind].format(lang=lang)
        return f"{rel} (topics)" if kind == "topics" else rel

    english = texts_for(SOURCE_LANGUAGE)
    all_languages = list(structure.get("languages") or [SOURCE_LANGUAGE])
    wanted = all_languages if languages is None else [
        lang for lang in all_languages if lang in languages or lang == SOURCE_LANGUAGE]
    for lang in languages or ():
        if lang not in all_languages:
            errors.append(f"module.yaml: {lang} is not a language of the module")
    report.checked_languages = sorted(wanted)
    for lang in sorted(wanted):
        texts = english if lang == SOURCE_LANGUAGE else texts_for(lang)
        missing = stale = 0
        for kind, ids in expected.items():
            rel = label(kind, lang)
            for extra in sorted(set(texts[kind]) - set(ids)):
                errors.append(f"{rel}: {extra}: not an id of the module")
            for item_id in ids:
                entry = texts[kind].get(item_id)
                if entry is None:
                    missing += 1
                    errors.append(f"{rel}: {item_id}: missing")
                    continue
                if not isinstance(entry, dict) and kind != "module":
                    errors.append(f"{rel}: {item_id}: must be a mapping")
                    continue
                if kind == "slides":
                    problems = _slide_errors(entry, item_id in consequence_slides, lang)
                elif kind == "case_studies":
                    problems = _case_errors(entry)
                elif kind == "quiz":
                    problems = _statement_errors(entry)
                elif kind == "topics":
                    problems = _topic_errors(entry)
                elif kind == "pocket_card":
                    problems = _card_errors(item_id, entry)
                else:
                    problems = _module_text_errors(item_id, entry, criteria)
                errors.extend(f"{rel}: {item_id}: {p}" for p in problems)
                used = placeholders(entry)
                allowed = ALLOWED_PLACEHOLDERS | (
                    CERTIFICATE_PLACEHOLDERS if item_id == "certificate" else set()) | (
                    CARD_PLACEHOLDERS if kind == "pocket_card" else set())
                for name in sorted(used - allowed):
                    errors.append(f"{rel}: {item_id}: unknown placeholder {{{name}}}")
                if lang == SOURCE_LANGUAGE:
                    if item_id == "certificate" and not CERTIFICATE_PLACEHOLDERS <= used:
                        errors.append(f"{rel}: certificate: needs {{name}} and {{module}}")
                    if (kind == "pocket_card" and item_id == "channels"
                            and not CARD_PLACEHOLDERS <= used):
                        errors.append(f"{rel}: channels: needs "
                                      + ", ".join(f"{{{n}}}" for n in sorted(CARD_PLACEHOLDERS)))
                    continue
                source = english[kind].get(item_id)
                if source is None:
                    continue
                wanted_hash = translation_hash(kind, source, answers.get(item_id))
                if not isinstance(entry, dict) or entry.get("source_hash") != wanted_hash:
                    stale += 1
                    errors.append(f"{rel}: {item_id}: stale (translates another English text)")
                if isinstance(entry, dict) and isinstance(source, dict):
                    fields = set(source) - {"source_hash"}
                    own = set(entry) - {"source_hash"}
                    if fields != own:
                        errors.append(
                            f"{rel}: {item_id}: fields differ from English (missing: "
                            f"{', '.join(sorted(fields - own)) or 'none'}; extra: "
                            f"{', '.join(sorted(own - fields)) or 'none'})")
                if used != placeholders(source):
                    errors.append(
                        f"{rel}: {item_id}: placeholders differ from English "
                        f"({', '.join(sorted(used)) or 'none'} instead of "
                        f"{', '.join(sorted(placeholders(source))) or 'none'})"
                    )
        report.languages[lang] = {"missing": missing, "stale": stale}
        bank = [(e["statement"], answers[sid]) for sid, e in texts["quiz"].items()
                if isinstance(e, dict) and _is_text(e.get("statement"))
                and isinstance(answers.get(sid), bool)]
        figures = surface.rule_accuracy(bank, lang)
        worst = max(figures.items(), key=lambda x: x[1]) if figures else None
        report.surface_rules[lang] = {
            "statements": len(bank), "limit": surface.RULE_LIMIT, "rules": figures,
            "worst": {"rule": worst[0], "accuracy": worst[1]} if worst else None,
        }
        for name, accuracy in surface.rules_over_limit(figures):
            errors.append(
                f"{paths['quiz'].format(lang=lang)}: surface rule '{name}' predicts "
                f"{accuracy:.0%} of the answers over {len(bank)} statements (limit "
                f"{surface.RULE_LIMIT:.0%}): reword statements so that their wording alone "
                "does not give the answer")
    return report

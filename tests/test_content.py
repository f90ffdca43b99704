"""The module as data: it loads, it is complete, and the checker catches every kind of defect."""

import json
from pathlib import Path

import pytest

from training_app.content import check_content, load_content
from training_app.content.loader import entry_hash, fill

from .conftest import edit

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_content_is_valid_and_complete():
    report = check_content(ROOT)
    assert report.errors == []
    assert report.slides == 14
    assert report.case_studies >= 6
    assert report.quiz_statements >= 24


def test_every_slide_case_and_statement_names_its_source():
    content = load_content(str(ROOT))
    assert all("003_aa6fb6b3ceca8311" in s.source for s in content.slides)
    assert all(c.source for c in content.case_studies)
    assert all(s.source for s in content.quiz.statements)


def test_picture_slides_have_a_written_description():
    content = load_content(str(ROOT))
    for slide_id in ("images", "trafficking-and-peacekeepers"):
        assert len(content.text("en", "slides", slide_id)["picture"]) > 80


def test_quiz_covers_every_assessment_topic():
    content = load_content(str(ROOT))
    required = {"definition", "within-country", "human-rights", "zero-tolerance", "off-limits",
                "consequences", "reporting-channels", "rumours", "presumption"}
    covered = {s.topic for s in content.quiz.statements}
    assert required <= covered
    assert {s.criterion for s in content.quiz.statements} == set(content.assessment_criteria)
    answers = [s.answer for s in content.quiz.statements]
    assert 0.3 < sum(answers) / len(answers) < 0.7  # not guessable by always answering "true"


def test_case_studies_have_two_to_four_questions_and_a_rule():
    content = load_content(str(ROOT))
    for case in content.case_studies:
        text = content.text("en", "case_studies", case.id)
        assert 2 <= len(text["questions"]) <= 4 and text["rule"] and text["guidance"]


def test_missing_entry_is_reported(tree):
    edit(tree / "modules/sgtm1/en/slides.yaml", lambda d: d.pop("off-limits"))
    report = check_content(tree)
    assert report.languages["en"]["missing"] == 1
    assert any("off-limits: missing" in e for e in report.errors)


def test_broken_reference_is_reported(tree):
    def change(d):
        d["statements"][0]["slide"] = "no-such-slide"
    edit(tree / "quizzes/sgtm1/keys.yaml", change)
    assert any("unknown slide no-such-slide" in e for e in check_content(tree).errors)


def test_duplicate_ids_are_reported(tree):
    def change(d):
        d["slides"][1]["id"] = d["slides"][0]["id"]
    edit(tree / "modules/sgtm1/module.yaml", change)
    assert any("unique" in e for e in check_content(tree).errors)


def test_malformed_yaml_is_reported_not_raised(tree):
    (tree / "quizzes/sgtm1/en.yaml").write_text("statements: [unclosed", encoding="utf-8")
    report = check_content(tree)
    assert any("cannot be read" in e for e in report.errors)


def test_changing_english_makes_translations_stale(tree):
    langs = [p.name for p in (tree / "modules/sgtm1").iterdir()
             if p.is_dir() and p.name != "en"]
    if not langs:
        pytest.skip("no translation present to go stale")
    before = check_content(tree)
    assert all(before.languages[lang]["stale"] == 0 for lang in langs)

    def change(d):
        d["off-limits"]["title"] = d["off-limits"]["title"] + " (revised)"
    edit(tree / "modules/sgtm1/en/slides.yaml", change)
    after = check_content(tree)
    assert all(after.languages[lang]["stale"] == 1 for lang in langs)
    assert any("off-limits: stale" in e for e in after.errors)


def test_placeholder_mismatch_in_a_translation_is_reported(tree):
    lang = "fr" if (tree / "modules/sgtm1/fr/slides.yaml").exists() else None
    if lang is None:
        pytest.skip("no French translation present")

    def change(d):
        d["reporting-channels"]["talking_points"] = [
            p.replace("{focal_point}", "{focal}")
            for p in d["reporting-channels"]["talking_points"]]
    edit(tree / "modules/sgtm1/fr/slides.yaml", change)
    errors = check_content(tree).errors
    assert any("reporting-channels" in e and "placeholder" in e for e in errors)


def test_fill_puts_in_mission_facts_and_keeps_unknown_placeholders_visible():
    assert fill("Call {focal_point} now", {"focal_point": "Ms A"}) == "Call Ms A now"
    assert fill("Call {nobody}", {}) == "Call {nobody}"
    assert fill("Braces {{like this}}", {}) == "Braces {like this}"


def test_entry_hash_ignores_its_own_source_hash():
    entry = {"title": "T", "talking_points": ["a"]}
    assert entry_hash(entry) == entry_hash({**entry, "source_hash": "abc"})
    assert entry_hash(entry) != entry_hash({**entry, "title": "U"})


def test_cli_check_json_shape_and_exit_codes(app, tree):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "check", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"languages", "slides", "case_studies", "quiz_statements", "errors"}
    assert set(data["languages"]["en"]) == {"missing", "stale"}
    assert data["slides"] == 14 and data["errors"] == []

    edit(tree / "modules/sgtm1/en/slides.yaml", lambda d: d.pop("summary"))
    app.config["CONTENT_ROOT"] = str(tree)
    broken = runner.invoke(args=["content", "check", "--json"])
    assert broken.exit_code == 1
    assert json.loads(broken.output)["languages"]["en"]["missing"] == 1

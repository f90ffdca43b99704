"""The module as data: it loads, it is complete, and the checker catches every kind of defect."""

import json
import re
from pathlib import Path

import pytest
import yaml

from training_app.content import check_content, load_content
from training_app.content.loader import (
    SOURCE_LANGUAGE,
    build_content,
    entry_hash,
    fill,
    translation_hash,
)

from .conftest import edit

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ("ar", "es", "fr", "ru", "zh")
# what a translation may lack while its English is new or changed; anything else is a defect
PENDING = re.compile(r": (missing|stale \(translates another English text\)|fields differ from "
                     r"English \(missing: screen; extra: none\))$|: surface rule ")


def test_shipped_english_is_valid_and_complete():
    report = check_content(ROOT, ["en"])
    assert report.errors == []
    assert report.checked_languages == ["en"]
    assert report.slides == 14
    assert report.case_studies >= 6
    assert report.quiz_statements >= 60


def test_translations_lack_only_what_translators_have_still_to_do():
    """Until the translators have worked, a translation may be missing, stale or without the
    new on-screen points; it must never be malformed, carry a typed verdict or lose a
    placeholder."""
    report = check_content(ROOT)
    assert set(report.languages) == {"en", *TRANSLATIONS}
    defects = [e for e in report.errors if not PENDING.search(e)]
    assert defects == []
    assert not [e for e in report.errors if "/en/" in e or "/en.yaml" in e]


def test_every_slide_case_and_statement_names_its_source():
    content = load_content(str(ROOT))
    assert all("003_aa6fb6b3ceca8311" in s.source for s in content.slides)
    assert all(c.source for c in content.case_studies)
    # each statement names the reference file and the line or page it rests on
    reference = re.compile(r"\d{3}_[0-9a-f]{16}\.txt lines? \d+")
    assert all(reference.search(s.source) and "p. " in s.source for s in content.quiz.statements)


def test_picture_slides_have_a_written_description():
    content = load_content(str(ROOT))
    for slide_id in ("images", "trafficking-and-peacekeepers"):
        assert len(content.text("en", "slides", slide_id)["picture"]) > 80


def test_quiz_covers_every_assessment_topic():
    content = load_content(str(ROOT))
    required = {"definition", "within-country", "human-rights", "zero-tolerance", "off-limits",
                "consequences", "reporting-channels", "rumours", "presumption"}
    covered = {s.topic for s in content.quiz.statements}
    assert required <= covered == set(content.quiz.topics)
    assert {s.criterion for s in content.quiz.statements} == set(content.assessment_criteria)
    answers = [s.answer for s in content.quiz.statements]
    assert 0.4 <= sum(answers) / len(answers) <= 0.6  # not guessable by always answering "true"
    # every criterion has enough of each answer for a draw and a retake to hold two of it
    for criterion in content.assessment_criteria:
        mine = [s.answer for s in content.quiz.statements if s.criterion == criterion]
        assert sum(mine) >= 4 and len(mine) - sum(mine) >= 4, criterion


def test_bank_summary_is_reported(app):
    data = json.loads(app.test_cli_runner().invoke(
        args=["content", "check", "--json", "--lang", "en"]).output)
    bank = data["bank"]
    keys = yaml.safe_load((ROOT / "quizzes/sgtm1/keys.yaml").read_text(encoding="utf-8"))
    assert bank["statements"] == len(keys["statements"]) == data["quiz_statements"]
    assert bank["true"] == sum(s["answer"] for s in keys["statements"])
    assert sum(c["true"] + c["false"] for c in bank["criteria"].values()) == bank["statements"]
    assert sum(bank["topics"].values()) == bank["statements"]


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


def freshen(tree, lang, kind, item_id):
    """Make one translated entry current in the test tree, as a translator would."""
    path, part = {
        "slides": (f"modules/sgtm1/{lang}/slides.yaml", None),
        "topics": (f"quizzes/sgtm1/{lang}.yaml", "topics"),
        "quiz": (f"quizzes/sgtm1/{lang}.yaml", "statements"),
    }[kind]
    english_path = path.replace(f"/{lang}/", "/en/").replace(f"/{lang}.yaml", "/en.yaml")
    english = yaml.safe_load((tree / english_path).read_text(encoding="utf-8"))
    keys = yaml.safe_load((tree / "quizzes/sgtm1/keys.yaml").read_text(encoding="utf-8"))
    answer = {s["id"]: s["answer"] for s in keys["statements"]}.get(item_id)

    def change(d):
        mine = d[part] if part else d
        source = (english[part] if part else english)[item_id]
        mine[item_id] = {**source, **mine.get(item_id, {}),
                         "source_hash": translation_hash(kind, source, answer)}
        mine[item_id].update({k: v for k, v in source.items() if k not in mine[item_id]})
    edit(tree / path, change)


def test_changing_english_makes_translations_stale(tree):
    for lang in TRANSLATIONS:
        freshen(tree, lang, "slides", "off-limits")
    before = check_content(tree)
    assert not any("slides.yaml: off-limits: stale" in e for e in before.errors)

    def change(d):
        d["off-limits"]["title"] = d["off-limits"]["title"] + " (revised)"
    edit(tree / "modules/sgtm1/en/slides.yaml", change)
    after = check_content(tree)
    for lang in TRANSLATIONS:
        assert after.languages[lang]["stale"] == before.languages[lang]["stale"] + 1
        assert f"modules/sgtm1/{lang}/slides.yaml: off-limits: stale (translates another " \
            "English text)" in after.errors


def test_a_changed_on_screen_point_makes_the_translation_stale(tree):
    freshen(tree, "ru", "slides", "summary")
    assert not build_content(tree).is_stale("ru", "slides", "summary")

    def change(d):
        d["summary"]["screen"][0] = "Trafficking: act, means, purpose"
    edit(tree / "modules/sgtm1/en/slides.yaml", change)
    assert build_content(tree).is_stale("ru", "slides", "summary")
    assert any("ru/slides.yaml: summary: stale" in e for e in check_content(tree).errors)


def test_a_changed_topic_label_makes_the_translation_stale(tree):
    freshen(tree, "zh", "topics", "rumours")
    assert not any("zh.yaml (topics): rumours" in e for e in check_content(tree).errors)

    def change(d):
        d["topics"]["rumours"]["label"] = "Rumours and allegations: report them"
    edit(tree / "quizzes/sgtm1/en.yaml", change)
    assert build_content(tree).is_stale("zh", "topics", "rumours")
    assert "quizzes/sgtm1/zh.yaml (topics): rumours: stale (translates another English text)" \
        in check_content(tree).errors


def test_flipping_an_answer_makes_every_translation_of_it_stale(tree):
    """The verdict shown comes from the key, and a flipped key sends the explanation back to
    every translator: it argues for the other answer."""
    for lang in TRANSLATIONS:
        freshen(tree, lang, "quiz", "rumours-good-faith")
    assert not build_content(tree).is_stale("fr", "quiz", "rumours-good-faith")

    def flip(d):
        for s in d["statements"]:
            if s["id"] == "rumours-good-faith":
                s["answer"] = not s["answer"]
    edit(tree / "quizzes/sgtm1/keys.yaml", flip)
    content = build_content(tree)
    errors = check_content(tree).errors
    for lang in TRANSLATIONS:
        assert content.is_stale(lang, "quiz", "rumours-good-faith")
        assert f"quizzes/sgtm1/{lang}.yaml: rumours-good-faith: stale (translates another " \
            "English text)" in errors


@pytest.mark.parametrize("lang,text", [
    ("en", "True. You do not need proof."),
    ("fr", "Vrai. Il n'est pas nécessaire d'avoir des preuves."),
    ("es", "Falso: no hace falta tener pruebas."),
    ("ru", "Неверно. Доказательства не нужны."),
    ("ar", "صواب. لا يلزم وجود دليل."),
    ("zh", "错误。不需要证据。"),
])
def test_an_explanation_may_not_begin_with_a_typed_verdict(tree, lang, text):
    def change(d):
        d["statements"]["rumours-good-faith"]["explanation"] = text
    edit(tree / f"quizzes/sgtm1/{lang}.yaml", change)
    errors = check_content(tree, [lang]).errors
    assert any(f"{lang}.yaml: rumours-good-faith: explanation begins with a typed verdict" in e
               for e in errors), errors


def test_an_explanation_may_begin_with_a_word_that_is_not_a_verdict(tree):
    def change(d):
        d["statements"]["rumours-good-faith"]["explanation"] = (
            "True rumours and false ones are both reported; good faith is what counts.")
    edit(tree / "quizzes/sgtm1/en.yaml", change)
    assert check_content(tree, ["en"]).errors == []


@pytest.mark.parametrize("screen,problem", [
    (["One", "Two"], "screen must be a list of 3 to 6 short points"),
    (["a", "b", "c", "d", "e", "f", "g"], "screen must be a list of 3 to 6 short points"),
    (["Short", "Short too", "This point has far too many words for anyone to read on a "
      "projector screen"], "screen point longer than 12 words"),
    (None, "screen must be a list of 3 to 6 short points"),
])
def test_on_screen_points_are_few_and_short(tree, screen, problem):
    def change(d):
        if screen is None:
            d["images"].pop("screen")
        else:
            d["images"]["screen"] = screen
    edit(tree / "modules/sgtm1/en/slides.yaml", change)
    errors = check_content(tree, ["en"]).errors
    assert any(e.startswith("modules/sgtm1/en/slides.yaml: images: " + problem) for e in errors)


def test_chinese_on_screen_points_are_counted_in_characters(tree):
    freshen(tree, "zh", "slides", "images")

    def change(d):
        d["images"]["screen"] = ["剥削：性剥削或劳动剥削", "家庭、血汗工厂、农场和色情行业",
                                 "以国外高薪工作为诱饵" * 4]
    edit(tree / "modules/sgtm1/zh/slides.yaml", change)
    errors = check_content(tree, ["zh"]).errors
    assert [e for e in errors if "zh/slides.yaml: images: screen" in e] == [
        "modules/sgtm1/zh/slides.yaml: images: screen point longer than 30 characters: "
        + "以国外高薪工作为诱饵" * 4]


def test_a_translation_without_a_field_of_the_english_is_reported(tree):
    freshen(tree, "es", "slides", "images")

    def change(d):
        d["images"].pop("picture")
    edit(tree / "modules/sgtm1/es/slides.yaml", change)
    assert ("modules/sgtm1/es/slides.yaml: images: fields differ from English (missing: "
            "picture; extra: none)") in check_content(tree, ["es"]).errors


def test_a_stale_translation_is_marked_at_run_time_with_the_english_beside_it(tree):
    freshen(tree, "fr", "slides", "images")
    content = build_content(tree)
    current = content.localized("fr", "slides", "images")
    assert current.current and current.lang == "fr" and current.english is None

    def change(d):
        d["images"]["title"] = "What trafficking looks like in a mission area"
    edit(tree / "modules/sgtm1/en/slides.yaml", change)
    edit(tree / "quizzes/sgtm1/fr.yaml",
         lambda d: d["statements"].pop("mission-impact-blackmail"))
    content = build_content(tree)
    stale = content.localized("fr", "slides", "images")
    assert stale.stale and not stale.current and stale.lang == "fr"
    assert stale.entry["title"] != stale.english["title"]
    assert stale.english["title"] == "What trafficking looks like in a mission area"
    # a statement with no translation yet: the English, said to be missing
    missing = content.localized("fr", "quiz", "mission-impact-blackmail")
    assert missing.missing and missing.lang == SOURCE_LANGUAGE
    assert missing.entry == content.english("quiz", "mission-impact-blackmail")
    assert content.localized("en", "slides", "images").current


def test_screen_points_and_topic_labels_are_read_for_the_views():
    content = load_content(str(ROOT))
    for slide in content.slides:
        points = content.screen_points("en", slide.id)
        assert 3 <= len(points) <= 6 and all(len(p.split()) <= 12 for p in points)
        # a language without its own points yet shows the English ones
        assert content.screen_points("ar", slide.id) in (points, tuple(
            content.text("ar", "slides", slide.id).get("screen") or ()))
    assert content.topic_label("en", "rumours") == "Reporting rumours and allegations"
    assert content.topic_label("fr", "rumours") != content.topic_label("en", "rumours")


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
    result = runner.invoke(args=["content", "check", "--json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"languages", "slides", "case_studies", "quiz_statements", "errors"} <= set(data)
    assert {"bank", "surface_rules", "checked_languages"} <= set(data)
    assert set(data["languages"]["en"]) == {"missing", "stale"}
    assert data["slides"] == 14 and data["errors"] == []
    english = data["surface_rules"]["en"]
    assert english["statements"] == data["quiz_statements"]
    assert max(english["rules"].values()) <= english["limit"] == 0.65

    edit(tree / "modules/sgtm1/en/slides.yaml", lambda d: d.pop("summary"))
    app.config["CONTENT_ROOT"] = str(tree)
    broken = runner.invoke(args=["content", "check", "--json", "--lang", "en"])
    assert broken.exit_code == 1
    assert json.loads(broken.output)["languages"]["en"]["missing"] == 1


def test_cli_check_one_language_and_an_unknown_one(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "check", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "surface rules: worst" in result.output and "content OK" in result.output
    data = json.loads(runner.invoke(args=["content", "check", "--json", "--lang", "fr"]).output)
    assert data["checked_languages"] == ["en", "fr"] and set(data["languages"]) == {"en", "fr"}
    unknown = runner.invoke(args=["content", "check", "--lang", "de"])
    assert unknown.exit_code == 1 and "de is not a language of the module" in unknown.output


def test_a_bank_that_wording_gives_away_fails_the_check(tree):
    """Every false statement with a limiting word, as the first bank had: the check names the
    rule and its figure."""
    keys = yaml.safe_load((tree / "quizzes/sgtm1/keys.yaml").read_text(encoding="utf-8"))
    false = {s["id"] for s in keys["statements"] if not s["answer"]}

    def change(d):
        for sid, entry in d["statements"].items():
            words = entry["statement"].replace(" only ", " ").replace(" never ", " ")
            entry["statement"] = ("Only in rare cases: " + words) if sid in false else words
            entry["statement"] = entry["statement"].replace("cannot", "can hardly")
    edit(tree / "quizzes/sgtm1/en.yaml", change)
    report = check_content(tree, ["en"])
    assert report.surface_rules["en"]["rules"]["limiting words -> false"] > 0.65
    assert any(e.startswith("quizzes/sgtm1/en.yaml: surface rule 'limiting words -> false' "
                            "predicts ") and "(limit 65%)" in e for e in report.errors)


def test_an_unbalanced_bank_or_a_thin_criterion_fails_the_check(tree):
    def change(d):
        for s in d["statements"]:
            if s["criterion"] == "ac3" and not s["answer"]:
                s["answer"] = True
    edit(tree / "quizzes/sgtm1/keys.yaml", change)
    errors = check_content(tree, ["en"]).errors
    assert any("criterion ac3 has 0 false statement(s)" in e for e in errors)


def test_cli_hash_prints_what_translators_put_in_source_hash(app):
    runner = app.test_cli_runner()
    content = load_content(str(ROOT))
    topics = runner.invoke(args=["content", "hash", "topics"]).output
    label = content.english("topics", "rumours")
    assert f"rumours: {entry_hash(dict(label))}" in topics
    quiz = runner.invoke(args=["content", "hash", "quiz"]).output
    entry = dict(content.english("quiz", "rumours-good-faith"))
    answer = content.quiz.statement("rumours-good-faith").answer
    assert f"rumours-good-faith: {translation_hash('quiz', entry, answer)}" in quiz

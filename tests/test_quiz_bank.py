"""The quiz bank measures understanding: the draw rule, retakes, what a learner reviews after
failing, the surface rules, the slide each statement rests on, and the item analysis."""

import random
from collections import Counter
from pathlib import Path

import pytest

from training_app.content.draw import (
    check_draw,
    draw_statements,
    slides_left_to_review,
    slides_to_review,
    true_bounds,
)
from training_app.content.items import ALL, GradedAttempt, graded, item_analysis
from training_app.content.loader import Quiz, Statement, load_content
from training_app.content.support import SlideSupport, stem, terms
from training_app.content.surface import RULE_LIMIT, features, rule_accuracy
from training_app.content.verdict import typed_verdict

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(300)


@pytest.fixture(scope="module")
def bank():
    return load_content(str(ROOT))


# --- the draw rule -----------------------------------------------------------------------

def assert_valid(quiz, ids, count=15):
    check = check_draw(quiz, ids)
    assert check.problems(quiz, count) == [], (ids, check)
    assert len(ids) == count == len(set(ids))


def test_every_draw_keeps_the_rule(bank):
    quiz = bank.quiz
    for seed in SEEDS:
        ids = draw_statements(quiz, random.Random(seed))
        assert_valid(quiz, ids)
        check = check_draw(quiz, ids)
        assert 6 <= check.true <= 9
        assert all(check.per_criterion[c] >= 2 for c in quiz.criteria)
        assert check.topics_missing == ()  # the bank allows every topic in every draw


def test_a_draw_with_the_mission_statement_leaves_room_for_it(bank):
    """The attempt adds the mission's Focal Point statement, true or false: 14 from the bank
    with 6 to 8 true keep the whole attempt at 6 to 9 true."""
    assert true_bounds(14) == (6, 8) and true_bounds(15) == (6, 9)
    for seed in SEEDS:
        assert_valid(bank.quiz, draw_statements(bank.quiz, random.Random(seed), count=14), 14)


def test_a_retake_draws_other_statements(bank):
    quiz = bank.quiz
    overlaps = []
    for seed in SEEDS:
        rng = random.Random(seed)
        first = draw_statements(quiz, rng)
        second = draw_statements(quiz, rng, avoid=first)
        third = draw_statements(quiz, rng, avoid=set(first) | set(second))
        assert_valid(quiz, second)
        assert_valid(quiz, third)
        # a retake covers every topic it can without repeating a statement
        for topic in check_draw(quiz, second).topics_missing:
            assert {s.id for s in quiz.statements if s.topic == topic} <= set(first)
        overlaps.append((len(set(first) & set(second)),
                         len((set(first) | set(second)) & set(third))))
    # the bank (over 60 statements) always has fifteen fresh ones for a second attempt, and
    # almost always for a third
    assert max(o for o, _ in overlaps) == 0
    assert sum(t for _, t in overlaps) / len(overlaps) < 2


def test_draws_differ_and_use_the_whole_bank(bank):
    quiz = bank.quiz
    seen = Counter()
    draws = set()
    for seed in SEEDS:
        ids = draw_statements(quiz, random.Random(seed))
        draws.add(frozenset(ids))
        seen.update(ids)
    assert len(draws) == len(SEEDS)
    assert set(seen) == {s.id for s in quiz.statements}


def test_the_same_seed_gives_the_same_draw_in_a_random_order(bank):
    a = draw_statements(bank.quiz, random.Random(7))
    b = draw_statements(bank.quiz, random.Random(7))
    assert a == b
    # the order is shuffled, not grouped by criterion
    criteria = [bank.quiz.statement(i).criterion for i in a]
    assert criteria != sorted(criteria)


def small_quiz(spec):
    """spec: (criterion, answer) per statement."""
    statements = tuple(Statement(id=f"s{i}", answer=a, topic=f"t{c}", criterion=c, slide="x",
                                 source="")
                       for i, (c, a) in enumerate(spec))
    return Quiz(id="q", draw=6, pass_mark=0.8, topics=tuple(sorted({s.topic for s in statements})),
                statements=statements, criteria=("a", "b", "c"))


def test_when_the_bank_is_too_small_to_avoid_the_last_attempt_it_reuses_as_few_as_it_must():
    quiz = small_quiz([(c, a) for c in "abc" for a in (True, False, True)])  # 9 statements
    for seed in range(50):
        rng = random.Random(seed)
        first = draw_statements(quiz, rng)
        assert_valid(quiz, first, 6)
        second = draw_statements(quiz, rng, avoid=first)
        assert_valid(quiz, second, 6)
        # 3 fresh statements are left: at least 3 must be reused, and no more are
        assert len(set(first) & set(second)) == 3


def test_a_bank_without_enough_false_statements_still_gives_a_full_attempt():
    """The content check refuses such a bank; at run time the learner still gets a quiz."""
    quiz = small_quiz([(c, True) for c in "abc" for _ in range(4)])
    ids = draw_statements(quiz, random.Random(1))
    assert len(ids) == 6 == len(set(ids))
    assert check_draw(quiz, ids).problems(quiz, 6) == ["6 true statements, 3 to 3 wanted"]


# --- after a failed attempt --------------------------------------------------------------

def test_the_slides_to_review_are_those_behind_the_wrong_answers(bank):
    wrong = ["rumours-proof-first", "off-limits-only-a-drink", "rumours-good-faith",
             "mission-focal-point", "no-such-statement"]
    slides = slides_to_review(bank, wrong)
    assert [s.id for s in slides] == ["off-limits", "responsibilities"]  # in slide order
    with_own = slides_to_review(bank, wrong, extra={"mission-focal-point": "reporting-channels"})
    assert [s.number for s in with_own] == [6, 11, 12]
    assert slides_to_review(bank, []) == ()


def test_the_next_attempt_waits_until_each_slide_to_review_was_opened(bank):
    slides = slides_to_review(bank, ["rumours-proof-first", "off-limits-only-a-drink"])
    assert slides_left_to_review(slides, viewed=set()) == ("off-limits", "responsibilities")
    assert slides_left_to_review(slides, viewed={"off-limits"}) == ("responsibilities",)
    assert slides_left_to_review(["off-limits"], viewed={"off-limits", "summary"}) == ()


# --- surface rules -----------------------------------------------------------------------

def test_no_surface_rule_predicts_the_english_bank(bank):
    items = [(bank.text("en", "quiz", s.id)["statement"], s.answer) for s in bank.quiz.statements]
    figures = rule_accuracy(items, "en")
    assert figures and max(figures.values()) <= RULE_LIMIT
    # each rule and its reverse add up to the whole bank
    assert figures["negation -> false"] + figures["negation -> true"] == pytest.approx(1)


def test_the_first_banks_giveaway_is_measured():
    """'Absolute or permissive wording means false', on statements like the first bank's."""
    false = ["A victim can only be trafficked across a border.",
             "Visiting an Off-Limits bar is allowed as long as you only have a drink.",
             "Civilian staff have full immunity and can never be prosecuted.",
             "Rumours cannot be reported without proof.",
             "The UN takes no further interest after repatriation.",
             "Investing in a bar does no harm."]
    true = ["Trafficking has three elements.", "The Head of Mission decides the Off-Limits list.",
            "Civilian staff can be dismissed.", "You report a rumour in good faith.",
            "DPKO follows up after repatriation.", "Investing in such a bar creates demand."]
    figures = rule_accuracy([(t, False) for t in false] + [(t, True) for t in true], "en")
    assert figures["limiting or permissive words -> false"] == 1.0


@pytest.mark.parametrize("lang,text,expected", [
    ("en", "You must never go there.", {"limiting", "negation", "must"}),
    ("en", "Staff may visit if they don't stay.", {"may", "negation"}),
    ("en", "All personnel are bound.", {"universal", "must"}),
    ("fr", "Le personnel n'est jamais autorisé à y aller.", {"limiting", "negation", "may"}),
    ("es", "Todo el personal debe informar.", {"universal", "must"}),
    ("ru", "Персонал не может посещать эти места.", {"limiting", "negation", "may"}),
    ("ar", "يجب على جميع الأفراد الإبلاغ.", {"must", "universal"}),
    ("ar", "ولا يجوز للأفراد شراء الجنس.", {"limiting", "negation", "may"}),
    ("zh", "所有人员都必须报告。", {"universal", "must"}),
    ("zh", "维和人员可以去那里。", {"may"}),
])
def test_surface_features_in_each_language(lang, text, expected):
    f = features(text, lang)
    found = {k for k in ("limiting", "universal", "negation", "must", "may") if getattr(f, k)}
    assert found == expected


def test_length_is_counted_in_words_and_for_chinese_in_characters():
    assert features("Report every rumour at once.", "en").length == 5
    assert features("立即报告每一个传闻。", "zh").length == 9


# --- verdicts ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,verdict", [
    ("True. The act is...", "True."), ("False: no.", "False:"),
    ("\u00abVrai. L'acte", "\u00abVrai."),
    ("Неверно. Это не так", "Неверно."), ("خطأ. يحظر", "خطأ."), ("正确。贩运", "正确。"),
    ("True rumours are reported too.", None), ("对于儿童，不需要手段。", None), ("", None),
])
def test_typed_verdicts_are_recognized(text, verdict):
    assert typed_verdict(text) == verdict


def test_no_explanation_in_any_language_carries_a_typed_verdict(bank):
    for lang in bank.languages:
        for s in bank.quiz.statements:
            entry = bank.texts[lang]["quiz"].get(s.id)
            if entry:
                assert typed_verdict(entry["explanation"]) is None, (lang, s.id)


# --- each statement rests on a slide that carries its point ------------------------------

NOT_A_BASIS = ("structure", "summary", "questions")
MIN_RATIO = 0.65
MIN_SCORE = 2.0


@pytest.fixture(scope="module")
def support(bank):
    return SlideSupport(bank, exclude=NOT_A_BASIS)


def test_every_statement_rests_on_a_slide_that_carries_its_key_terms(bank, support):
    weak = []
    for s in bank.quiz.statements:
        assert s.slide not in NOT_A_BASIS, s.id  # the opening and closing slides repeat others
        found = support.support(s.id)
        if found.score < MIN_SCORE or found.ratio < MIN_RATIO:
            weak.append((s.id, s.slide, found.best_slide, round(found.ratio, 2), found.shared))
    assert weak == []


def test_a_wrong_slide_reference_fails(bank, support):
    # the case from the review: internal trafficking pointed at slide 2, which does not say so
    wrong = support.support("within-country-protocol-covers", "what-is-trafficking")
    assert wrong.ratio < MIN_RATIO and wrong.best_slide == "images"
    # and over the bank: nearly every (statement, other slide) pair is rejected
    accepted = total = 0
    for s in bank.quiz.statements:
        for other in support.slides:
            if other != s.slide:
                total += 1
                found = support.support(s.id, other)
                accepted += found.score >= MIN_SCORE and found.ratio >= MIN_RATIO
    assert accepted / total < 0.08


def test_the_support_measure_matches_word_forms():
    assert stem("borders") == stem("border") and stem("countries") == stem("country")
    assert "trafficker" in {stem(w) for w in ("traffickers",)}
    assert terms("The rules of the mission") == {"rule", "mission"}


# --- item analysis -----------------------------------------------------------------------

def attempts():
    """Four learners in English, two in French; hand-checked below."""
    return [
        GradedAttempt("en", True, {"a": True, "b": True, "c": True, "d": True}),     # 1.00
        GradedAttempt("en", True, {"a": True, "b": False, "c": True, "d": True}),    # 0.75
        GradedAttempt("en", False, {"a": False, "b": True, "c": True, "d": False}),  # 0.50
        GradedAttempt("en", False, {"a": False, "b": False, "c": True, "d": False}),  # 0.25
        {"language": "fr", "passed": True, "answers": {"a": True, "c": True}},
        {"language": "fr", "passed": False, "answers": {"a": True, "c": False}},
    ]


def test_share_correct_and_discrimination_by_hand():
    result = item_analysis(attempts())
    a = result.by_language["en"]["a"]
    assert (a.answered, a.correct, a.share_correct) == (4, 2, 0.5)
    # passers 2/2 right, failers 0/2: the widest possible gap
    assert a.discrimination == 1.0
    # scores 1, .75, .5, .25: mean .625, sd sqrt(.078125) = .279508; M1 = .875, M0 = .375
    # r = (.875 - .375) / .279508 * sqrt(.5 * .5) = .894427
    assert a.point_biserial == pytest.approx(0.8944, abs=1e-4)
    b = result.by_language["en"]["b"]
    # right: scores 1 and .5 (M1 .75); wrong: .75 and .25 (M0 .5); r = .25/.279508*.5
    assert b.discrimination == 0.0 and b.point_biserial == pytest.approx(0.4472, abs=1e-4)
    c = result.by_language["en"]["c"]
    assert c.share_correct == 1.0 and c.point_biserial is None and c.discrimination == 0.0


def test_analysis_per_language_and_over_all():
    result = item_analysis(attempts())
    assert result.languages == ("en", "fr")
    fr = result.by_language["fr"]
    assert set(fr) == {"a", "c"}
    assert fr["c"].discrimination == 1.0 and fr["a"].discrimination == 0.0
    every = result.by_language[ALL]["a"]
    assert (every.answered, every.correct) == (6, 4)
    assert every.answered_by_passed == 3 and every.answered_by_failed == 3
    # passers 3/3 right, failers 1/3
    assert every.discrimination == pytest.approx(2 / 3, abs=1e-4)


def test_most_missed_leaves_out_statements_nobody_got_wrong():
    result = item_analysis(attempts())
    assert [s.statement_id for s in result.most_missed("en")] == ["a", "b", "d"]
    assert "c" not in [s.statement_id for s in result.most_missed("en")]
    # over all languages, one French learner got c wrong: now it is listed, last
    assert [s.statement_id for s in result.most_missed(ALL)] == ["b", "d", "a", "c"]
    assert [s.statement_id for s in result.most_missed(ALL, limit=1)] == ["b"]
    assert result.most_missed("en", min_answered=5) == []
    assert item_analysis([]).most_missed() == []


def test_statements_that_do_not_discriminate_are_listed():
    result = item_analysis(attempts())
    assert [s.statement_id for s in result.not_discriminating("en", min_answered=4)] == [
        "b", "c"]


def test_without_both_passers_and_failers_discrimination_is_unknown():
    result = item_analysis([GradedAttempt("en", True, {"a": True}),
                            GradedAttempt("en", True, {"a": False})])
    a = result.by_language["en"]["a"]
    assert a.discrimination is None and a.share_correct == 0.5


def test_a_stored_attempt_is_graded_against_the_key():
    key = {"a": True, "b": False, "c": True}.get
    attempt = graded("ru", True, ["a", "b", "c"], {"a": True, "b": True}, key)
    assert attempt == GradedAttempt("ru", True, {"a": True, "b": False, "c": False})
    assert graded("ru", None, ["a"], None, key).answers == {"a": False}

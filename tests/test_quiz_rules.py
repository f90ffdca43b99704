"""Grading, drawing and completion rules, without a request."""

import random

import pytest

from training_app.learn import services


@pytest.fixture
def quiz(content):
    return content.quiz


def ids_with_wrong(quiz, n_total, n_wrong):
    ids = [s.id for s in quiz.statements[:n_total]]
    answers = {sid: quiz.statement(sid).answer for sid in ids}
    for sid in ids[:n_wrong]:
        answers[sid] = not answers[sid]
    return ids, answers


@pytest.mark.parametrize("wrong,passed", [(0, True), (3, True), (4, False), (15, False)])
def test_pass_mark_is_80_percent_of_15(quiz, wrong, passed):
    ids, answers = ids_with_wrong(quiz, 15, wrong)
    result = services.grade(quiz, ids, answers, quiz.pass_mark)
    assert result.correct == 15 - wrong
    assert result.passed is passed
    assert set(result.wrong) == set(ids[:wrong])


def test_unanswered_statement_counts_as_wrong(quiz):
    ids, answers = ids_with_wrong(quiz, 15, 0)
    del answers[ids[0]]
    assert services.grade(quiz, ids, answers, quiz.pass_mark).wrong == (ids[0],)


def test_pass_mark_is_configurable(quiz):
    ids, answers = ids_with_wrong(quiz, 15, 2)  # 13/15 = 86.7 %
    assert services.grade(quiz, ids, answers, 0.9).passed is False
    assert services.grade(quiz, ids, answers, 0.8).passed is True


def test_draw_is_fifteen_distinct_statements_across_every_topic(quiz):
    for seed in range(50):
        drawn = services.draw_statements(quiz, random.Random(seed))
        assert len(drawn) == quiz.draw == 15
        assert len(set(drawn)) == 15
        assert {quiz.statement(s).topic for s in drawn} == set(quiz.topics)


def test_draws_differ_between_attempts(quiz):
    draws = {tuple(services.draw_statements(quiz, random.Random(s))) for s in range(10)}
    assert len(draws) > 5


def test_parse_answers_reads_true_false_and_reports_missing():
    answers, missing = services.parse_answers(
        {"s-a": "true", "s-b": "false", "s-c": "maybe"}, ["a", "b", "c", "d"])
    assert answers == {"a": True, "b": False}
    assert missing == ["c", "d"]


def test_progress_is_complete_only_with_all_three_parts(app, content, make_person):
    person = make_person()
    for slide in content.slides:
        services.record_slide_view(person.id, slide.id)
    assert services.record_slide_view(person.id, content.slides[0].id) is False
    p = services.progress_of(person.id, content)
    assert p.slides_done and not p.case_studies_done and not p.ready_for_certificate
    for case in content.case_studies:
        services.save_case_study_answer(person.id, case.id, "My answer to this case.")
    assert services.record_completion(person, content) is None  # quiz not yet passed
    attempt = services.open_attempt(person.id, content, "en")
    answers = {sid: content.quiz.statement(sid).answer for sid in attempt.statement_ids}
    assert services.submit_attempt(attempt, answers, content.quiz, 0.8) is True
    assert services.submit_attempt(attempt, answers, content.quiz, 0.8) is False  # counted once
    completion = services.record_completion(person, content)
    assert completion is not None
    assert services.record_completion(person, content).id == completion.id
    assert services.progress_of(person.id, content).completed

"""The classroom: the presenter moves the projector, the session clock, the blank, and the
state the projector polls."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from training_app.extensions import db
from training_app.models import Cohort, User
from training_app.train import classroom

from .conftest import Actions, csrf_from

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def fresh(cohort) -> Cohort:
    db.session.expire_all()
    return db.session.get(Cohort, cohort.id)


def post(actions, cohort, action, data, page=1):
    html = actions.get(f"/train/cohorts/{cohort.id}/present/{page}").get_data(as_text=True)
    return actions.client.post(f"/{actions.lang}/train/cohorts/{cohort.id}/{action}",
                               data={"csrf_token": csrf_from(html), **data})


# --- the clock, as a service --------------------------------------------------------------

def test_clock_starts_pauses_resumes_and_resets(cohort, content):
    plan = content.plan
    assert classroom.run_clock(cohort, "start", T0)
    assert classroom.read_clock(cohort, plan, T0 + timedelta(minutes=10)).elapsed_s == 600
    assert classroom.run_clock(cohort, "pause", T0 + timedelta(minutes=10))
    paused = classroom.read_clock(cohort, plan, T0 + timedelta(hours=5))
    assert paused.elapsed_s == 600 and not paused.running and paused.started
    assert classroom.run_clock(cohort, "resume", T0 + timedelta(hours=5))
    assert classroom.read_clock(cohort, plan, T0 + timedelta(hours=5, minutes=2)).elapsed_s \
        == 720
    assert classroom.run_clock(cohort, "reset", T0 + timedelta(hours=6))
    reset = classroom.read_clock(cohort, plan, T0 + timedelta(hours=7))
    assert reset.elapsed_s == 0 and not reset.running and not reset.started


def test_a_second_click_counts_once(cohort, content):
    assert classroom.run_clock(cohort, "start", T0)
    assert not classroom.run_clock(cohort, "start", T0 + timedelta(minutes=3))
    assert not classroom.run_clock(cohort, "resume", T0 + timedelta(minutes=3))
    assert classroom.read_clock(cohort, content.plan, T0 + timedelta(minutes=4)).elapsed_s \
        == 240
    assert classroom.run_clock(cohort, "pause", T0 + timedelta(minutes=4))
    assert not classroom.run_clock(cohort, "pause", T0 + timedelta(minutes=9))
    assert fresh(cohort).clock_run_ms == 240_000


def test_a_pause_counts_the_run_as_the_database_has_it(cohort, content):
    classroom.run_clock(cohort, "start", T0)
    # another device paused and resumed meanwhile; this request's copy of the cohort is older
    db.session.execute(Cohort.__table__.update().where(Cohort.id == cohort.id).values(
        clock_run_ms=60_000, clock_running_since=T0 + timedelta(minutes=2)))
    db.session.commit()
    assert classroom.run_clock(cohort, "pause", T0 + timedelta(minutes=3))
    assert fresh(cohort).clock_run_ms == 120_000
    with pytest.raises(ValueError):
        classroom.run_clock(cohort, "wind-back")


@pytest.mark.parametrize(("minutes", "phase", "left", "warning", "over"), [
    (0, "presentation", 45 * 60, False, False),
    (39, "presentation", 6 * 60, False, False),
    (41, "presentation", 4 * 60, True, False),
    (45, "practice", 45 * 60, False, False),
    (86, "practice", 4 * 60, True, False),
    (95, "practice", 0, False, True),
])
def test_phases_and_the_warning_follow_the_plan(cohort, content, minutes, phase, left,
                                                warning, over):
    classroom.run_clock(cohort, "start", T0)
    clock = classroom.read_clock(cohort, content.plan, T0 + timedelta(minutes=minutes))
    assert (clock.phase.id, clock.remaining_s, clock.warning, clock.over_time) == (
        phase, left, warning, over)
    assert clock.total_s == 90 * 60


# --- the presenter and the projector, through the pages -----------------------------------

def test_next_moves_the_projector_and_the_presenter_reads_only(trainer, cohort, content):
    page = trainer.get(f"/train/cohorts/{cohort.id}/present/6").get_data(as_text=True)
    notes = content.text("en", "slides", "off-limits")["facilitator_notes"][0]
    following = content.text("en", "slides", "trafficking-and-peacekeepers")["title"]
    assert "Slide 6 of 14" in page and "Session clock" in page
    assert notes.split("{")[0][:30].replace("'", "&#39;") in page
    assert re.search(rf"Next slide:</strong> <span [^>]*>{following}</span>", page)
    assert fresh(cohort).current_slide == 1  # opening a slide does not move the projector
    r = post(trainer, cohort, "go", {"number": "7"})
    assert r.status_code == 302 and r.headers["Location"].endswith(
        f"/train/cohorts/{cohort.id}/present/7")
    assert trainer.get(f"/train/cohorts/{cohort.id}/state.json").json["slide"] == 7
    projector = trainer.get(f"/train/cohorts/{cohort.id}/audience").get_data(as_text=True)
    slide7 = content.slide_by_number(7).id
    assert content.text("en", "slides", slide7)["title"] in projector
    for point in content.screen_points("en", slide7):
        assert point.split("{")[0][:25].replace("'", "&#39;") in projector
    assert "Facilitator" not in projector
    assert "classroom.js" in projector and 'http-equiv="refresh"' in projector
    assert post(trainer, cohort, "go", {"number": "15"}).status_code == 404
    assert post(trainer, cohort, "go", {"number": "seven"}).status_code == 400
    assert fresh(cohort).current_slide == 7


def test_the_projector_is_right_to_left_in_arabic(trainer, cohort):
    cohort.language = "ar"
    db.session.commit()
    projector = trainer.get(f"/train/cohorts/{cohort.id}/audience").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in projector


def test_clock_buttons_show_the_part_and_the_warning(trainer, cohort):
    page = trainer.get(f"/train/cohorts/{cohort.id}/present/1").get_data(as_text=True)
    assert "not started" in page and "Start the clock" in page and "Reset the clock" not in page
    assert post(trainer, cohort, "clock", {"action": "start", "back": "3"}).headers[
        "Location"].endswith("/present/3")
    assert fresh(cohort).clock_running_since is not None
    # forty-two minutes into the session
    db.session.execute(Cohort.__table__.update().where(Cohort.id == cohort.id).values(
        clock_run_ms=42 * 60_000, clock_running_since=None))
    db.session.commit()
    page = trainer.get(f"/train/cohorts/{cohort.id}/present/12").get_data(as_text=True)
    assert "paused" in page and "Resume" in page and "Reset the clock" in page
    assert "Part 1 of 2: Presentation and discussion" in page
    assert "3:00 left in this part" in page
    warning = page.split('class="clock-warning"')[1].split("</p>")[0]
    assert "hidden" not in warning.split(">")[0] and "5 minutes left" in warning
    post(trainer, cohort, "clock", {"action": "reset"})
    assert fresh(cohort).clock_run_ms == 0
    assert post(trainer, cohort, "clock", {"action": "rewind"}).status_code == 400


def test_blank_from_the_presenter_and_the_projector(trainer, cohort):
    r = post(trainer, cohort, "blank", {"blank": "1", "back": "2"})
    assert r.headers["Location"].endswith("/present/2") and fresh(cohort).projector_blank
    assert trainer.get(f"/train/cohorts/{cohort.id}/state.json").json["blank"] is True
    projector = trainer.get(f"/train/cohorts/{cohort.id}/audience").get_data(as_text=True)
    assert '<div class="blackout" aria-hidden="true">' in projector
    r = post(trainer, cohort, "blank", {"blank": "0", "from": "projector"})
    assert r.headers["Location"].endswith("/audience") and not fresh(cohort).projector_blank
    assert post(trainer, cohort, "blank", {"blank": "dark"}).status_code == 400


def test_state_answers_304_while_nothing_changes_and_writes_nothing(app, trainer, cohort):
    url = f"/train/cohorts/{cohort.id}/state.json"
    first = trainer.get(url)
    assert first.json == {"slide": 1, "blank": False,
                          "clock": {"elapsed_ms": 0, "running": False, "started": False}}
    tag = first.headers["ETag"]
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        again = trainer.get(url, headers={"If-None-Match": tag})
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert again.status_code == 304 and again.get_data() == b""
    assert statements and not {"INSERT", "UPDATE", "DELETE"} & set(statements)
    post(trainer, cohort, "clock", {"action": "start"})
    moved = trainer.get(url, headers={"If-None-Match": tag})
    assert moved.status_code == 200 and moved.json["clock"]["running"] is True
    assert moved.headers["ETag"] != tag


def test_csrf_is_required_on_every_classroom_post(trainer, cohort):
    for action, data in (("go", {"number": "5"}), ("clock", {"action": "start"}),
                         ("blank", {"blank": "1"})):
        r = trainer.client.post(f"/en/train/cohorts/{cohort.id}/{action}", data=data)
        assert r.status_code == 400, action
    c = fresh(cohort)
    assert (c.current_slide, c.clock_running_since, c.projector_blank) == (1, None, False)


def test_learners_and_other_missions_cannot_run_the_classroom(app, trainer, cohort,
                                                              make_person, make_user):
    make_person(number="L-1")
    learner = Actions(app.test_client())
    learner.login(number="L-1")
    token = csrf_from(learner.get("/").get_data(as_text=True))
    from training_app.models import Mission

    other = Mission(code="OTHER", name="Other Mission")
    db.session.add(other)
    db.session.commit()
    outsider = User(username="othertrainer", name="Other", role="trainer", mission_id=other.id)
    outsider.set_password("other-pass-1")
    db.session.add(outsider)
    db.session.commit()
    stranger = Actions(app.test_client())
    stranger.staff_login("othertrainer", "other-pass-1")
    stranger_token = csrf_from(stranger.get("/train/").get_data(as_text=True))
    for action, data in (("go", {"number": "5"}), ("clock", {"action": "start"}),
                         ("blank", {"blank": "1"})):
        path = f"/en/train/cohorts/{cohort.id}/{action}"
        assert learner.client.post(path, data={"csrf_token": token, **data}).status_code == 403
        assert stranger.client.post(path, data={"csrf_token": stranger_token,
                                                **data}).status_code == 404
    for page in ("state.json", "audience", "present/1"):
        assert stranger.get(f"/train/cohorts/{cohort.id}/{page}").status_code == 404
        assert learner.get(f"/train/cohorts/{cohort.id}/{page}").status_code == 403
    c = fresh(cohort)
    assert (c.current_slide, c.clock_running_since, c.projector_blank) == (1, None, False)

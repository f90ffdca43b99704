"""Offline study, server side: the pages a device keeps, and the queue it sends back later,
applied once however often it arrives."""

import re
import uuid

from sqlalchemy import func, select

from training_app.extensions import db
from training_app.models import (
    CaseStudyResponse,
    Certificate,
    OfflineEvent,
    QuizAttempt,
    SlideView,
)

from .conftest import Actions, csrf_from, right_answer


def count(model, **where):
    query = select(func.count(model.id))
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def signed_in(app, make_person, lang="en", number="P-001"):
    person = make_person(number=number)
    actions = Actions(app.test_client(), lang)
    actions.login(number=number)
    return person, actions


def send(actions, events, token=True):
    headers = {}
    if token:
        headers["X-CSRFToken"] = actions.get("/offline/token").get_json()["csrf_token"]
    return actions.client.post(f"/{actions.lang}/offline/sync", json={"events": events},
                               headers=headers)


def quiz_event(actions, content, right=True):
    html = actions.get("/quiz").get_data(as_text=True)
    token = re.search(r'action="/[a-z]{2}/quiz/([^"]+)"', html).group(1)
    ids = re.findall(r'name="s-([^"]+)" value="true"', html)
    answers = {f"s-{sid}": ("true" if right_answer(content, token, sid) == right else "false")
               for sid in ids}
    return {"id": str(uuid.uuid4()), "kind": "quiz", "token": token, "answers": answers}


def test_the_device_is_told_to_keep_the_whole_module_in_the_learners_language(app, make_person,
                                                                            content):
    _, actions = signed_in(app, make_person, lang="fr")
    manifest = actions.get("/offline/manifest.json").get_json()
    assert manifest["lang"] == "fr"
    pages = manifest["pages"]
    assert all(p.startswith("/fr/") for p in pages)
    for n in range(1, len(content.slides) + 1):
        assert f"/fr/slides/{n}" in pages
    for case_id in content.case_study_ids:
        assert f"/fr/case-studies/{case_id}" in pages
    assert "/fr/quiz" in pages
    # every page it lists answers, so the device can keep it
    for url in pages + manifest["shell"] + manifest["assets"]:
        with actions.client.get(url) as r:
            assert r.status_code == 200, url


def test_the_service_worker_is_served_from_the_root(client):
    with client.get("/sw.js") as r:
        assert r.status_code == 200
        assert r.headers["Service-Worker-Allowed"] == "/"
        assert "javascript" in r.headers["Content-Type"]
        assert "offline/unavailable" in r.get_data(as_text=True)


def test_learner_pages_carry_the_status_line_and_script_others_do_not(app, make_person, client):
    html = client.get("/en/").get_data(as_text=True)
    assert "offline.js" not in html and "offline-status" not in html
    _, actions = signed_in(app, make_person)
    html = actions.get("/slides/1").get_data(as_text=True)
    assert 'id="offline-status"' in html and "offline.js" in html
    assert "hidden" in html.split('id="offline-status"')[1].split(">")[0]  # none without JS


def test_an_offline_session_is_applied_once_however_often_it_is_replayed(app, make_person,
                                                                         content):
    person, actions = signed_in(app, make_person)
    events = [{"id": str(uuid.uuid4()), "kind": "slide", "number": n}
              for n in range(1, len(content.slides) + 1)]
    events += [{"id": str(uuid.uuid4()), "kind": "case", "case_id": case_id,
                "answer": f"My answer to {case_id}, written offline."}
               for case_id in content.case_study_ids]
    events.append(quiz_event(actions, content))

    first = send(actions, events)
    assert first.status_code == 200
    assert {r["status"] for r in first.get_json()["results"]} == {"applied"}
    assert first.get_json()["completed"] is True

    def state():
        db.session.expire_all()
        return (count(SlideView, person_id=person.id),
                count(CaseStudyResponse, person_id=person.id),
                count(QuizAttempt, person_id=person.id),
                db.session.scalar(select(func.count(QuizAttempt.id)).where(
                    QuizAttempt.person_id == person.id, QuizAttempt.submitted_at.is_not(None))),
                count(Certificate, person_id=person.id))

    after_first = state()
    assert after_first == (len(content.slides), len(content.case_study_ids), 1, 1, 1)
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.person_id == person.id))
    assert attempt.passed and attempt.correct == attempt.total

    # the connection dropped before the answer arrived: the device sends it all again
    again = send(actions, events)
    assert {r["status"] for r in again.get_json()["results"]} == {"duplicate"}
    assert state() == after_first
    assert count(OfflineEvent, person_id=person.id) == len(events)


def test_a_replayed_quiz_with_a_new_event_id_is_still_one_attempt(app, make_person, content):
    person, actions = signed_in(app, make_person)
    event = quiz_event(actions, content)
    send(actions, [event])
    send(actions, [dict(event, id=str(uuid.uuid4()))])
    db.session.expire_all()
    submitted = db.session.scalars(select(QuizAttempt).where(
        QuizAttempt.person_id == person.id, QuizAttempt.submitted_at.is_not(None))).all()
    assert len(submitted) == 1


def test_bad_events_are_rejected_one_by_one_and_the_good_ones_still_count(app, make_person,
                                                                         content):
    person, actions = signed_in(app, make_person)
    other, other_actions = signed_in(app, make_person, number="P-002")
    others_quiz = quiz_event(other_actions, content)
    good = {"id": str(uuid.uuid4()), "kind": "slide", "number": 2}
    bad = [
        {"id": str(uuid.uuid4()), "kind": "slide", "number": 99},
        {"id": str(uuid.uuid4()), "kind": "slide", "number": "2"},
        {"id": str(uuid.uuid4()), "kind": "case", "case_id": "no-such-case", "answer": "x"},
        {"id": str(uuid.uuid4()), "kind": "case", "case_id": content.case_study_ids[0],
         "answer": "   "},
        {"id": str(uuid.uuid4()), "kind": "teleport"},
        {"id": "short", "kind": "slide", "number": 1},
        "not an object",
        dict(quiz_event(actions, content), answers={}),
        others_quiz,  # another learner's attempt: not this learner's to send
    ]
    r = send(actions, [*bad, good])
    assert r.status_code == 200
    results = r.get_json()["results"]
    assert [x["status"] for x in results] == ["rejected"] * len(bad) + ["applied"]
    assert all(x["reason"] for x in results[:-1])
    db.session.expire_all()
    assert count(SlideView, person_id=person.id) == 1
    assert count(CaseStudyResponse, person_id=person.id) == 0
    assert db.session.scalar(select(func.count(QuizAttempt.id)).where(
        QuizAttempt.submitted_at.is_not(None))) == 0


def test_sending_needs_a_signed_in_learner_and_a_csrf_token(app, make_person, make_user, client):
    event = {"id": str(uuid.uuid4()), "kind": "slide", "number": 1}
    assert client.post("/en/offline/sync", json={"events": [event]}).status_code in (400, 401)
    assert client.get("/en/offline/token").status_code == 401
    assert client.get("/en/offline/manifest.json").status_code == 401
    person, actions = signed_in(app, make_person)
    r = send(actions, [event], token=False)
    assert r.status_code == 400  # no CSRF token: refused, nothing written
    assert count(SlideView, person_id=person.id) == 0
    make_user(username="trainer9", password="trainer pass 9")
    staff = Actions(app.test_client())
    staff.staff_login("trainer9", "trainer pass 9")
    assert staff.get("/offline/manifest.json").status_code == 403


def test_malformed_and_oversized_queues_get_a_clear_answer(app, make_person):
    person, actions = signed_in(app, make_person)
    csrf = actions.get("/offline/token").get_json()["csrf_token"]
    for body in ("not json", '{"events": "x"}', "[]"):
        r = actions.client.post("/en/offline/sync", data=body, headers={
            "X-CSRFToken": csrf, "Content-Type": "application/json"})
        assert r.status_code == 400 and r.get_json()["error"] == "bad-request"
    many = [{"id": str(uuid.uuid4()), "kind": "slide", "number": 1} for _ in range(501)]
    r = send(actions, many)
    assert r.status_code == 413
    assert count(SlideView, person_id=person.id) == 0


def test_offline_case_answers_follow_exactly_the_rules_of_the_page(app, make_person, content):
    """A 5-character answer and a 20,000-character one are refused offline as on the page;
    the bounds themselves are kept on both."""
    from .conftest import csrf_from

    person, actions = signed_in(app, make_person)
    case_id = content.case_study_ids[0]
    page = f"/case-studies/{case_id}"
    cases = [("Short", False), ("x" * 20_000, False), ("y" * 5001, False),
             ("  \n\t  ", False), ("Ten chars!", True), ("z" * 5000, True)]
    last = None
    for answer, kept in cases:
        html = actions.get(page).get_data(as_text=True)
        online = actions.client.post(f"/en{page}", data={"csrf_token": csrf_from(html),
                                                         "answer": answer})
        assert (online.status_code == 302) is kept, (len(answer), online.status_code)
        offline = send(actions, [{"id": str(uuid.uuid4()), "kind": "case", "case_id": case_id,
                                  "answer": answer}]).get_json()["results"][0]
        assert (offline["status"] == "applied") is kept, (len(answer), offline)
        if not kept:
            assert offline["reason"] in ("answer-too-short", "answer-too-long", "no-answer")
        last = answer if kept else last  # a refused answer leaves the kept one as it was
        db.session.expire_all()
        assert db.session.scalar(select(CaseStudyResponse.answer).where(
            CaseStudyResponse.person_id == person.id)) == last
    assert count(CaseStudyResponse, person_id=person.id) == 1


def test_a_keeping_that_outlived_a_sign_out_does_not_replace_the_sign_in_forms_session(
        app, make_user, client):
    """The service worker may still be fetching pages to keep when the learner signs out and
    someone signs in on the same browser. Those fetches now carry no session: they are sent
    to the sign-in page. Their answers must set no cookie. Otherwise the browser would hold
    a new session, and the sign-in form already on the screen would be refused (400)."""
    make_user("trainer1", "trainer-pass-1", "trainer")
    name = app.config["SESSION_COOKIE_NAME"]
    form = client.get("/en/staff/login").get_data(as_text=True)
    assert client.get_cookie(name, domain="training.test") is not None

    def sessions_set(response) -> int:
        return sum(cookie.startswith(f"{name}=") for r in (*response.history, response)
                   for cookie in r.headers.getlist("Set-Cookie"))

    for path in ("/en/quiz", "/en/certificate", "/en/slides/3", "/en/"):
        kept = app.test_client().get(path, headers={"X-Offline-Keep": "1"},
                                     follow_redirects=True)  # as the service worker does
        assert kept.status_code == 200 and sessions_set(kept) == 0, path
    # the sign-in page opened by a person starts a session (so the check above can fail)
    assert sessions_set(app.test_client().get("/en/quiz", follow_redirects=True)) == 1
    r = client.post("/en/staff/login", data={"csrf_token": csrf_from(form),
                                             "username": "trainer1", "password": "trainer-pass-1"})
    assert r.status_code == 302


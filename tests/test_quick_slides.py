"""A learner opening a slide again is answered before Flask's request machinery
(learn.quick): the answer must be the one Flask gives, byte for byte once the form token is
set aside, header for header, and every request it cannot vouch for must reach Flask."""

from __future__ import annotations

import gzip
import logging

import pytest
from flask import current_app
from sqlalchemy import func, update

from training_app.extensions import db
from training_app.models import Mission, Person, SlideView

from .conftest import Actions, csrf_from
from .test_page_cost import _writes, counted

LANGUAGES = ("en", "ar", "zh", "fr", "ru", "es")


def _quick(app):
    return app.extensions["quick_slides"]


def _open(app, client, path, **kw):
    """(response, whether the quick path answered it)"""
    before = _quick(app).answered
    response = client.get(path, **kw)
    return response, _quick(app).answered - before


def _by_flask(app, client, path, **kw):
    app.config["QUICK_SLIDES"] = False
    try:
        response, quick = _open(app, client, path, **kw)
    finally:
        app.config["QUICK_SLIDES"] = True
    assert quick == 0
    return response


def _comparable(response) -> tuple[str, dict]:
    data = response.get_data()
    if response.headers.get("Content-Encoding") == "gzip":
        data = gzip.decompress(data)
    html = data.decode("utf-8")
    token = csrf_from(html)
    headers = dict(response.headers)
    assert int(headers.pop("Content-Length")) == len(response.get_data())
    if "Date" in headers:  # the time it was answered
        headers["Date"] = "DATE"
    if "Set-Cookie" in headers:  # each browser's own session: compare what it keeps
        [cookie] = response.headers.getlist("Set-Cookie")
        pair, _sep, attributes = cookie.partition(";")
        name, _sep, value = pair.partition("=")
        kept = current_app.session_interface.get_signing_serializer(current_app).loads(value)
        headers["Set-Cookie"] = (name, sorted(kept), kept["seen"], attributes)
    return html.replace(token, "TOKEN"), headers


def _signed_in(app, make_person, lang="en", number="P-001", **kw):
    make_person(number, **kw)
    client = app.test_client()
    Actions(client, lang).login(number)
    return client


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_slide_is_answered_as_flask_answers_it(app, make_person, content, lang, encoding):
    """The same learner in two browsers: one answered by Flask, the other by the quick path,
    for a first view (recorded, and remembered in a new session cookie) and a view again."""
    client = _signed_in(app, make_person, lang, name="Amani <Okafor>")
    other = app.test_client()
    Actions(other, lang).login("P-001")
    headers = {"Accept-Encoding": encoding} if encoding else {}
    for number in (1, 6, len(content.slides)):
        path = f"/{lang}/slides/{number}"
        for view in ("first", "again"):
            flask = _by_flask(app, other, path, headers=headers)
            quick_page, quick = _open(app, client, path, headers=headers)
            assert quick == 1 and quick_page.status_code == flask.status_code == 200
            assert quick_page.headers.get("Content-Encoding") == (encoding or None)
            assert _comparable(quick_page) == _comparable(flask), view
            html = _comparable(quick_page)[0]
            assert "Amani &lt;Okafor&gt;" in html and "\ufdd0" not in html
            assert f'lang="{lang}"' in html
            assert ("Set-Cookie" in quick_page.headers) == (view == "first")


def test_a_first_view_answered_quickly_is_recorded_and_remembered(app, make_person, content):
    make_person("P-002", name="Second Learner")
    first = _signed_in(app, make_person)
    first.get("/en/slides/7")  # Flask renders the shared page
    second = app.test_client()
    Actions(second).login("P-002")
    with counted() as seen:
        page, quick = _open(app, second, "/en/slides/7")
    assert quick == 1 and "Second Learner" in page.get_data(as_text=True)
    assert [w.split()[0].upper() for w in _writes(seen)] == ["INSERT"]
    db.session.expire_all()
    person = db.session.scalar(db.select(Person).where(Person.personnel_number == "P-002"))
    assert db.session.scalar(db.select(func.count(SlideView.id))
                             .where(SlideView.person_id == person.id)) == 1
    with counted() as seen:  # the new session cookie knows it: nothing more is written
        page, quick = _open(app, second, "/en/slides/7")
    assert quick == 1 and _writes(seen) == [] and len(seen["statements"]) == 1


def test_a_page_fetched_for_later_is_left_to_flask_and_not_recorded(app, make_person):
    client = _signed_in(app, make_person)
    client.get("/en/slides/8")
    other = app.test_client()
    make_person("P-002")
    Actions(other).login("P-002")
    for header in ({"X-Offline-Keep": "1"}, {"Sec-Purpose": "prefetch"},
                   {"Sec-Fetch-Mode": "no-cors"}):
        page, quick = _open(app, other, "/en/slides/8", headers=header)
        assert quick == 0 and page.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(db.select(func.count(SlideView.id))) == 1


def test_the_form_token_of_a_quick_answer_works(app, make_person):
    client = _signed_in(app, make_person)
    client.get("/en/slides/2")
    page, quick = _open(app, client, "/en/slides/2")
    assert quick == 1
    client.post("/en/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert client.get("/en/case-studies").status_code == 302


def test_a_quick_answer_writes_the_request_log_line(app, make_person, caplog):
    """The same line as Flask's request log, with the request's id in header and line."""
    from training_app import create_app
    from training_app.logs import setup_logging

    person = make_person()
    logged = create_app(dict(app.config))  # the same database, keys and pepper
    logged.instance_path = app.instance_path
    logger = logging.getLogger("training_app")
    handlers, level = logger.handlers[:], logger.level
    setup_logging(logged, "json")
    logger.propagate = True
    try:
        client = logged.test_client()
        Actions(client).login()
        client.get("/en/slides/3")
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="training_app.requests"):
            page, quick = _open(logged, client, "/en/slides/3",
                                headers={"X-Request-ID": "class-7b"})
    finally:
        logger.handlers[:], logger.level, logger.propagate = handlers, level, True
        with logged.app_context():
            db.engine.dispose()  # the second app's connections, closed
    assert quick == 1 and page.headers["X-Request-ID"] == "class-7b"
    [line] = [r for r in caplog.records if r.name == "training_app.requests"]
    assert (line.ctx_status, line.ctx_account, line.ctx_request_id, line.ctx_method,
            line.ctx_path) == (200, f"p:{person.id}", "class-7b", "GET", "/en/slides/3")
    assert isinstance(line.ctx_ms, float)


@pytest.fixture
def seen_once(app, make_person):
    """A signed-in learner who has opened slide 4 once (so that opening it again is quick)."""
    client = _signed_in(app, make_person)
    client.get("/en/slides/4")
    assert _open(app, client, "/en/slides/4")[1] == 1
    return client


def test_a_message_to_show_is_left_to_flask(app, seen_once):
    with seen_once.session_transaction() as kept:
        kept["_flashes"] = [("info", "A message for this learner")]
    page, quick = _open(app, seen_once, "/en/slides/4")
    assert quick == 0 and "A message for this learner" in page.get_data(as_text=True)


def test_a_session_taken_to_another_browser_is_left_to_flask(app, seen_once):
    page, quick = _open(app, seen_once, "/en/slides/4", headers={"User-Agent": "other/1.0"})
    assert quick == 0 and page.status_code == 200
    assert "Test Learner" not in page.get_data(as_text=True)  # not signed in there
    page, quick = _open(app, seen_once, "/en/slides/4",
                        headers={"X-Forwarded-For": "203.0.113.9"})
    assert quick == 0 and "Test Learner" not in page.get_data(as_text=True)


def test_a_forged_session_is_left_to_flask(app, seen_once):
    [cookie] = [c for c in seen_once._cookies.values() if c.key == "session"]
    value = cookie.value
    forged = value[:-3] + ("aaa" if not value.endswith("aaa") else "bbb")
    seen_once.set_cookie("session", forged, domain=cookie.domain)
    page, quick = _open(app, seen_once, "/en/slides/4")
    # Flask believes the remember cookie instead, and starts a new session
    assert quick == 0 and "Test Learner" in page.get_data(as_text=True)
    seen_once.set_cookie("session", forged, domain=cookie.domain)
    seen_once.delete_cookie("remember_token", domain=cookie.domain)
    page, quick = _open(app, seen_once, "/en/slides/4")
    assert quick == 0 and "Test Learner" not in page.get_data(as_text=True)


def test_a_session_ended_elsewhere_is_left_to_flask(app, seen_once):
    db.session.execute(update(Person).values(session_version=Person.session_version + 1))
    db.session.commit()
    page, quick = _open(app, seen_once, "/en/slides/4")
    assert quick == 0 and "Test Learner" not in page.get_data(as_text=True)


def test_another_language_is_left_to_flask_which_keeps_it(app, seen_once):
    page, quick = _open(app, seen_once, "/fr/slides/4")
    assert quick == 0 and page.status_code == 200
    db.session.expire_all()
    assert db.session.scalar(db.select(Person.language)) == "fr"
    assert _open(app, seen_once, "/fr/slides/4")[1] == 1
    # chosen on another device: this page's language is kept again
    db.session.execute(update(Person).values(language="ru"))
    db.session.commit()
    assert _open(app, seen_once, "/fr/slides/4")[1] == 0
    db.session.expire_all()
    assert db.session.scalar(db.select(Person.language)) == "fr"


def test_a_slide_to_review_is_left_to_flask_which_crosses_it_off(app, seen_once, content):
    slide_id = content.slide_by_number(4).id
    db.session.execute(update(Person).values(review_slides=[slide_id]))
    db.session.commit()
    assert _open(app, seen_once, "/en/slides/4")[1] == 0
    db.session.expire_all()
    assert db.session.scalar(db.select(Person.review_slides)) is None
    assert _open(app, seen_once, "/en/slides/4")[1] == 1


@pytest.mark.parametrize("path", ["/en/slides/4?print=1", "/en/slides/999",
                                  "/xx/slides/4", "/en/slides/04"])
def test_other_addresses_are_left_to_flask(app, seen_once, path):
    page, quick = _open(app, seen_once, path)
    assert quick == 0
    assert page.status_code == (404 if "999" in path or "xx" in path else 200)


def test_a_head_request_and_an_untrusted_host_are_left_to_flask(app, seen_once):
    before = _quick(app).answered
    assert seen_once.head("/en/slides/4").status_code == 200
    app.config["TRUSTED_HOSTS"] = ["training.example"]
    try:
        app.extensions["quick_slides"]._parts = None  # read the setting again
        assert seen_once.get("/en/slides/4").status_code == 400
        assert seen_once.get("/en/slides/4", base_url="http://training.example").status_code \
            == 200
    finally:
        app.config["TRUSTED_HOSTS"] = None
        app.extensions["quick_slides"]._parts = None
    assert _quick(app).answered == before


def test_what_hq_changes_shows_at_once(app, make_person):
    """The name and the mission's facts are read at every request, the quick ones too."""
    client = _signed_in(app, make_person)
    client.get("/en/slides/12")  # names the mission and its focal point
    assert _open(app, client, "/en/slides/12")[1] == 1
    db.session.execute(update(Person).values(name="Renamed Learner"))
    db.session.execute(update(Mission).values(name="Mission Renamed",
                                              focal_point_name="Focal Point Ndiaye",
                                              focal_point_contact="ext. 4471"))
    db.session.commit()
    for _time in range(2):  # Flask renders the new facts once, then the quick path serves
        page, quick = _open(app, client, "/en/slides/12")
        html = page.get_data(as_text=True)
        assert "Renamed Learner" in html and "Test Learner" not in html
        assert "Mission Renamed" in html and "Focal Point Ndiaye (ext. 4471)" in html
    assert quick == 1


def test_a_session_past_its_lifetime_is_left_to_flask(app, seen_once, monkeypatch):
    """What a cookie was verified to hold is kept, but its age is checked at every request."""
    import time
    from types import SimpleNamespace

    from training_app.learn import quick

    assert _open(app, seen_once, "/en/slides/4")[1] == 1  # known to the quick path now
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(quick, "time", SimpleNamespace(time=lambda: later,
                                                       perf_counter=time.perf_counter))
    assert _open(app, seen_once, "/en/slides/4")[1] == 0

"""What a learner page costs the database: counted statements, never timings. A classroom
moving through the slides together must not queue behind its own writes."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, func, select

from training_app.extensions import db
from training_app.models import SlideView

from .conftest import Actions


@contextmanager
def counted():
    """Every SQL statement and commit the app sends while the block runs."""
    seen = {"statements": [], "commits": 0}

    def statement(_conn, _cursor, sql, _params, _context, _many):
        seen["statements"].append(sql)

    def commit(_conn):
        seen["commits"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)


def _writes(seen) -> list[str]:
    return [s for s in seen["statements"]
            if s.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE", "SAVEPOINT"}]


def _views(number="P-001") -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(SlideView.id)))


def test_a_slide_opened_again_costs_one_statement_and_writes_nothing(app, make_person,
                                                                     client):
    make_person()
    Actions(client).login()
    assert client.get("/en/slides/3").status_code == 200
    with counted() as seen:
        page = client.get("/en/slides/3")
    assert page.status_code == 200
    assert len(seen["statements"]) <= 1, seen["statements"]
    assert _writes(seen) == [] and seen["commits"] == 0
    assert _views() == 1


def test_a_first_view_is_still_recorded_once(app, make_person, client):
    make_person()
    Actions(client).login()
    with counted() as seen:
        client.get("/en/slides/4")
    assert len(_writes(seen)) >= 1
    client.get("/en/slides/4")
    client.get("/en/slides/5")
    assert _views() == 2


def test_a_first_view_is_one_insert(app, make_person, client):
    """A classroom opening the next slide together queues on SQLite's one writer: each first
    view holds it for one statement, not a look-up, a savepoint and an insert. As in a
    classroom, someone else opened the slide before (a worker's very first rendering of a
    page is Flask's, with its own look-ups), so this does not depend on the tests before."""
    make_person()
    make_person("P-002")
    Actions(client).login()
    client.get("/en/slides/1")
    neighbour = app.test_client()
    Actions(neighbour).login("P-002")
    assert neighbour.get("/en/slides/6").status_code == 200
    with counted() as seen:
        assert client.get("/en/slides/6").status_code == 200
    assert len(seen["statements"]) <= 3, seen["statements"]  # account, (BEGIN), insert
    assert [w.split()[0].upper() for w in _writes(seen)] == ["INSERT"]
    assert seen["commits"] <= 2  # the read ends, so that the write may take the lock; the insert
    assert _views() == 3


def test_a_view_recorded_from_another_device_is_not_recorded_twice(app, make_person):
    make_person()
    phone, laptop = app.test_client(), app.test_client()
    Actions(phone).login()
    Actions(laptop).login()
    assert phone.get("/en/slides/7").status_code == 200
    with counted() as seen:
        assert laptop.get("/en/slides/7").status_code == 200
    assert len(_writes(seen)) == 1  # tried, and the database kept the first
    assert _views() == 1


def test_the_next_learner_on_a_shared_laptop_has_their_own_views_recorded(app, make_person,
                                                                           client):
    make_person("P-001")
    make_person("P-002")
    actions = Actions(client)
    actions.login("P-001")
    client.get("/en/slides/2")
    actions.post_form("/logout", {}, page="/")
    actions.login("P-002")
    client.get("/en/slides/2")
    assert _views() == 2


def test_a_slide_page_shared_by_a_classroom_carries_each_learners_own_name_and_form(
        app, make_person):
    from .conftest import csrf_from

    make_person("P-001", name="Amani Okafor")
    make_person("P-002", name="Bilal <Haddad>")
    first, second = app.test_client(), app.test_client()
    Actions(first).login("P-001")
    Actions(second).login("P-002")
    page_one = first.get("/en/slides/6").get_data(as_text=True)
    page_two = second.get("/en/slides/6").get_data(as_text=True)
    assert "Amani Okafor" in page_one and "Haddad" not in page_one
    assert "Bilal &lt;Haddad&gt;" in page_two and "Amani" not in page_two
    assert "\ufdd0" not in page_one + page_two
    # the sign-out button of the page works for its own reader
    first.post("/en/logout", data={"csrf_token": csrf_from(page_one)})
    assert first.get("/en/case-studies").status_code == 302
    assert second.get("/en/case-studies").status_code == 200

"""A NUL (%00) in an address is no page at all: PostgreSQL refuses to compare text that holds
one, so it must never reach a query (a 500 there, on SQLite a silent miss)."""

import pytest
from sqlalchemy import event

from training_app.extensions import db

from .conftest import csrf_from

ADDRESSES = [("POST", "/en/quiz/%00"), ("POST", "/en/quiz/ab%00cd"),
             ("GET", "/en/quiz/result/%00"), ("GET", "/en/join/%00"),
             ("POST", "/en/join/AB%00CD"), ("GET", "/en/case-studies/%00"),
             ("GET", "/en/verify/%00"), ("GET", "/verify/AB%00"),
             ("GET", "/verify/status/UN%00/revocation")]


@pytest.mark.parametrize(("method", "path"), ADDRESSES)
def test_nul_in_an_address_is_not_found_and_reaches_no_query(app, make_person, actions,
                                                             method, path):
    make_person(number="P-001")
    assert actions.login().status_code == 302
    client = actions.client
    token = csrf_from(client.get("/en/quiz").get_data(as_text=True))
    queries = []

    def count(_conn, _cursor, _statement, parameters, *_rest):
        queries.append(parameters)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.open(path, method=method, data={"csrf_token": token} if method == "POST"
                        else None)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 404
    assert not [q for q in queries if "\\x00" in repr(q)]

"""Every route, for every kind of account, with arbitrary ids, query parameters and form
fields: a clear answer, never a 500. The routes and the field names are read from the app
itself, so a new route or form is fuzzed without being listed here."""

from __future__ import annotations

import os
import string
import urllib.parse
from datetime import date

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from training_app.extensions import db
from training_app.models import User

from .conftest import Actions

# what a session of each kind would end, or what would stop the next examples from reaching
# the pages behind it; their own input handling is covered where they are tested
SKIP = {"auth.logout", "static", "core.service_worker"}
ROLES = ("anonymous", "learner", "trainer", "hq", "admin")

FUZZ = settings(max_examples=int(os.environ.get("HYPOTHESIS_ROUTE_EXAMPLES", "8")),
                deadline=None, derandomize=os.environ.get("HYPOTHESIS_DERANDOMIZE") == "1",
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

nasty = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "999999", "99999999999999999999", "1e309", "NaN", "null",
                     "[]", "{}", "true", "../../etc/passwd", "%00", "\x00", "\u202e", "//x",
                     "<script>", "' OR 1=1 --", "ar", "en", "xx", "csv", "xlsx", "pdf",
                     "json"]),
    st.integers(min_value=-2 ** 70, max_value=2 ** 70).map(str),
    st.sampled_from([2 ** 31, 2 ** 63, 10 ** 20]).map(str),
)
int_arg = st.one_of(st.sampled_from([0, 1, 2, 15, 999999, 2 ** 31, 2 ** 63, 10 ** 20]),
                    st.integers(min_value=-5, max_value=12),
                    st.integers(min_value=-2 ** 70, max_value=2 ** 70))
str_arg = st.one_of(nasty.filter(bool), st.text(string.ascii_letters + string.digits + "-_.",
                                                 min_size=1, max_size=30))


def field_names() -> list[str]:
    """Every field of every form the app defines."""
    names, forms = set(), list(FlaskForm.__subclasses__())
    while forms:
        form = forms.pop()
        forms.extend(form.__subclasses__())
        names.update(name for name, _f in getattr(form, "_unbound_fields", None) or ())
        names.update(name for name in vars(form) if not name.startswith("_")
                     and hasattr(getattr(form, name), "field_class"))
    return sorted(names - {"csrf_token"})


QUERY_NAMES = ["mission", "next", "key", "format", "q", "lang", "contingent", "category",
               "person_id", "person", "number", "code", "follow", "page", "cohort"]


@pytest.fixture
def world(app, mission, make_person, make_user):
    from training_app.train import services

    trainer = make_user("trainer1", role="trainer")
    make_user("hq1", role="hq")
    make_user("admin1", role="admin", own_mission=False)
    cohort = services.save_cohort(
        None, mission.id, "test", name="Fuzz cohort", session_date=date(2026, 11, 23),
        place="Camp Alpha", language="en", delivery_mode="classroom",
        contingent_ids=[mission.contingents[0].id], trainer_ids=[trainer.id])
    make_person(number="P-001")
    clients = {"anonymous": app.test_client()}
    for role, login in (("learner", lambda a: a.login()),
                        ("trainer", lambda a: a.staff_login("trainer1", "correct horse 1")),
                        ("hq", lambda a: a.staff_login("hq1", "correct horse 1")),
                        ("admin", lambda a: a.staff_login("admin1", "correct horse 1"))):
        actions = Actions(app.test_client())
        assert login(actions).status_code == 302, role
        clients[role] = actions.client
    app.config["WTF_CSRF_ENABLED"] = False  # reach the form handling, not the CSRF refusal
    app.config["PROPAGATE_EXCEPTIONS"] = False
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP]
    ids = {"mission_id": mission.id, "cohort_id": cohort.id,
           "user_id": db.session.scalar(select(User.id).where(User.username == "trainer1"))}
    return clients, rules, ids, field_names()


@st.composite
def requests(draw, rule, ids, fields):
    values = {}
    for name in sorted(rule.arguments):
        converter = rule._converters.get(name)
        if name == "lang":
            values[name] = draw(st.sampled_from(["en", "ar", "fr", "zh"]))
        elif type(converter).__name__ == "IntegerConverter":
            values[name] = draw(st.one_of(st.just(ids.get(name, 1)), int_arg))
        else:
            values[name] = draw(str_arg)
    path = rule.rule
    for name, value in values.items():
        quoted = urllib.parse.quote(str(value), safe="")
        for pattern in (f"<int:{name}>", f"<path:{name}>", f"<{name}>"):
            path = path.replace(pattern, quoted)
    query = draw(st.dictionaries(st.sampled_from(QUERY_NAMES), nasty, max_size=3))
    method = draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    form = draw(st.dictionaries(st.sampled_from(fields), nasty, max_size=6)) \
        if method == "POST" else None
    return rule.endpoint, method, path, query, form


def _fuzz(world, role, rule, data):
    clients, _rules, ids, fields = world
    endpoint, method, path, query, form = data.draw(requests(rule, ids, fields))
    client = clients[role]
    if method == "POST" and data.draw(st.booleans()):
        r = client.post(path, query_string=query, json=data.draw(st.recursive(
            st.none() | st.booleans() | st.integers() | nasty,
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty, inner, max_size=4),
            max_leaves=20)))
    else:
        r = client.open(path, method=method, query_string=query, data=form)
    assert r.status_code < 500, (role, endpoint, method, path, query, form, r.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_500_to_anything(world, role):
    """Every route in turn, each with its own examples."""
    for rule in world[1]:
        _fuzzer(world, role, rule)()


def _fuzzer(world, role, rule):
    @FUZZ
    @given(data=st.data())
    def run(data):
        _fuzz(world, role, rule, data)

    return run


def test_deeply_nested_json_is_refused_not_a_500(world):
    clients, *_ = world
    token = clients["learner"].get("/en/offline/token").get_json()["csrf_token"]
    body = "[" * 100_000 + "]" * 100_000
    r = clients["learner"].post("/en/offline/sync", data=body, headers={
        "Content-Type": "application/json", "X-CSRFToken": token})
    assert r.status_code == 400


def test_a_deeply_nested_token_or_key_document_is_refused(app):
    import base64

    from training_app.certificates.signing import TokenError, token_payload, verify_token

    deep = base64.urlsafe_b64encode(("[" * 100_000 + "]" * 100_000).encode()).decode()
    with pytest.raises(TokenError):
        verify_token(f"SGTM1.{deep}.AAAA", {})
    assert token_payload(f"SGTM1.{deep}.AAAA") == {}

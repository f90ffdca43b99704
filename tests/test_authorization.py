"""Every route, for every role: anonymous, learner, trainer, HQ, admin, and staff of another
mission. Each view declares its audience (training_app.access); this test holds every route
to the audience it declares, and fails on any leak, any missing check and any server error."""

from datetime import date

import pytest
from sqlalchemy import select

from training_app.access import AUDIENCES
from training_app.certificates.services import issue_on_completion
from training_app.extensions import db
from training_app.models import Completion, User

from .conftest import Actions, csrf_from, route_urls

ROLES = ["anonymous", "learner", "trainer", "hq", "admin", "other-trainer", "other-hq"]
# pages about no mission in particular: staff of another mission reach them too
MISSION_FREE = {"train.index", "hq.index", "train.new_cohort", "train.roster_template"}


@pytest.fixture
def setting(app, mission, make_person, staff_of_two_missions, content):
    """Our mission with a cohort and a certificate; another mission with its own staff."""
    from training_app.train import services

    learner = make_person(number="L-1")
    db.session.add(Completion(person_id=learner.id, module_id="sgtm1", content_version="v"))
    db.session.commit()
    completion = db.session.scalar(select(Completion))
    cert = issue_on_completion(learner, completion, "en", app.instance_path)
    cohort = services.save_cohort(None, mission.id, "system:test", name="Ours", place="",
                                  session_date=date(2026, 1, 1), language="en",
                                  delivery_mode="classroom", contingent_ids=[], trainer_ids=[])
    trainer = db.session.scalar(select(User).where(User.username == "trainer1"))
    return {"mission_id": mission.id, "cohort_id": cohort.id, "code": cert.code,
            "join": cohort.join_code, "person_id": learner.id, "user_id": trainer.id}


def routes(app, values):
    for endpoint, path, methods in route_urls(app, values):
        for method in methods:
            yield endpoint, method, path


def sign_in(app, role, mission_id):
    client = Actions(app.test_client())
    if role == "learner":
        client.login(number="L-1", mission_id=mission_id)
    elif role != "anonymous":
        user, password = {"trainer": ("trainer1", "trainer-pass-1"),
                          "hq": ("hq1", "hq-password-1"), "admin": ("admin1", "admin-pass-1"),
                          "other-trainer": ("othertrainer", "other-pass-1"),
                          "other-hq": ("otherhq", "other-pass-1")}[role]
        client.staff_login(user, password)
    return client


def expected(audience: str, role: str, endpoint: str):
    """What a role must get from a route of this audience: a status, "login" (sent to sign
    in), or None (anything but a refusal)."""
    if audience == "public":
        return None
    if role == "anonymous":
        return 401 if audience == "learners_json" else "login"
    own_role = role.split("-")[-1] if role.startswith("other-") else role
    if own_role not in AUDIENCES[audience]:
        return 403
    if role.startswith("other-") and endpoint not in MISSION_FREE:
        return 404  # our mission's things do not exist for them
    return None


def test_every_view_declares_its_audience(app):
    for endpoint, view in app.view_functions.items():
        if endpoint != "static":
            assert getattr(view, "audience", None) in AUDIENCES, endpoint


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(app, setting, role):
    values = {"lang": "en", "mission_id": setting["mission_id"], "cohort_id":
              setting["cohort_id"], "code": setting["code"], "number": 1, "fmt": "csv",
              "token": "not-a-token", "case_id": "off-limits-bar", "filename": "app.css",
              "package_lang": "ar", "card_lang": "fr", "person_id": setting["person_id"],
              "user_id": setting["user_id"], "action": "reset", "mission_code": "UNTEST"}
    client = sign_in(app, role, setting["mission_id"])
    home = client.get("/")
    assert home.status_code == 200, (role, home.status_code, home.headers.get("Location"))
    token = csrf_from(home.get_data(as_text=True)) if role != "anonymous" else \
        csrf_from(client.get("/login").get_data(as_text=True))
    checked = 0
    for endpoint, method, path in routes(app, values):
        if endpoint in ("auth.logout",) or endpoint == "static":
            continue  # would end the session under test
        r = client.client.open(path, method=method, data={"csrf_token": token},
                               follow_redirects=False)
        checked += 1
        status = r.status_code
        body = r.get_data()
        r.close()
        assert status < 500, (role, method, path, status)
        audience = app.view_functions[endpoint].audience
        if not endpoint.startswith(("auth.", "verify")) and role != "admin":
            # sign-in pages name every mission to choose from, a certificate check shows
            # whose certificate it is to anyone, and admins see every mission
            foreign = (b"UN Test Mission", b"GHANBATT", b"Test Learner") if role.startswith(
                "other-") else (b"Other Mission", b"FIJIBATT")
            assert not any(f in body for f in foreign), (role, path)
        want = expected(audience, role, endpoint)
        if want == "login":
            sign_in_page = "/staff/login" if audience in ("trainers", "hq_staff", "admins") \
                else "/login"
            assert status == 302 and sign_in_page in r.headers["Location"], (role, path)
        elif want is None:
            assert status not in (401, 403), (role, method, path, status)
        else:
            assert status == want, (role, method, path, status)
    assert checked > 60


def test_wrong_pins_are_limited_per_account_and_the_owners_device_still_gets_in(
        app, make_person):
    make_person(number="R-1")
    owner = Actions(app.test_client())
    assert owner.login(number="R-1").status_code == 302  # the owner's phone is known now
    owner.client.post("/en/logout", data={"csrf_token": csrf_from(
        owner.get("/").get_data(as_text=True))})
    stranger = Actions(app.test_client())
    statuses = [stranger.login(number="R-1", pin="wrong-pin").status_code for _ in range(12)]
    assert statuses[:10] == [200] * 10, statuses
    assert statuses[10:] == [429, 429], statuses
    assert "Too many wrong attempts" in stranger.login(number="R-1").get_data(as_text=True)
    # the right PIN is refused too from that device until the window passes ...
    assert stranger.login(number="R-1").status_code == 429
    # ... but the owner, on the phone they signed in from before, is not locked out
    assert owner.login(number="R-1").status_code == 302


def test_correct_sign_ins_never_count_against_a_classroom(app, mission):
    """Behind one address, 40 learners sign in while the address limit is 5 failures: only
    failures count, and once 5 wrong PINs came from the address, it must wait."""
    import hashlib

    from training_app.auth.throttle import SqlStore, Throttle
    from training_app.models import Person

    app.extensions["throttle"] = Throttle(SqlStore(), "3 per 15 minutes", "5 per 15 minutes")
    quick = "pbkdf2:sha256:1$salt$" + hashlib.pbkdf2_hmac("sha256", b"246810", b"salt", 1).hex()
    for n in range(40):
        db.session.add(Person(mission_id=mission.id, personnel_number=f"C-{n}", name=f"L {n}",
                              category="police", language="en", pin_hash=quick))
    db.session.commit()
    for n in range(40):
        assert Actions(app.test_client()).login(number=f"C-{n}").status_code == 302, n
    for n in range(5):
        assert Actions(app.test_client()).login(number=f"C-{n}", pin="nope").status_code == 200
    assert Actions(app.test_client()).login(number="C-30", pin="nope").status_code == 429


def test_the_public_check_is_rate_limited_and_the_learner_pages_are_not(app, make_person):
    """The limiter guards the certificate check; a classroom's own pages never meet it (and
    no learner view carries a limit the limiter would then skip)."""
    from flask_limiter.util import get_qualified_name

    from training_app import create_app
    from training_app.extensions import LEARNER_BLUEPRINT, limiter

    from .conftest import TEST_SETTINGS

    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(LEARNER_BLUEPRINT + "."):
            assert limiter.limit_manager.decorated_limits(get_qualified_name(view)) == [], \
                endpoint
    make_person()
    limited = create_app({**TEST_SETTINGS, "RATELIMIT_ENABLED": True,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    limited.test_client_class = app.test_client_class
    limited.instance_path = app.instance_path
    try:
        learner = limited.test_client()
        with limited.app_context():
            Actions(learner).login()
            assert {learner.get(f"/en/slides/{1 + n % 10}").status_code
                    for n in range(70)} == {200}
            checker = limited.test_client()
            statuses = [checker.get("/en/verify/ABCD-EFGH-JK").status_code for _ in range(61)]
        assert 429 not in statuses[:60] and statuses[60] == 429
    finally:
        limiter.reset()
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()

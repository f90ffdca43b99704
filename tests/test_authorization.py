"""Every route, for every role: anonymous, learner, trainer, HQ, admin, and staff of another
mission. Fails on any leak, any missing check and any server error."""

from datetime import date

import pytest
from sqlalchemy import select

from training_app.certificates.services import issue_certificate
from training_app.extensions import db
from training_app.models import Completion

from .conftest import Actions, csrf_from, route_urls

LEARNER_ONLY = {"learn.case_studies", "learn.case_study", "learn.quiz", "learn.submit_quiz",
                "learn.quiz_result", "learn.certificate", "learn.certificate_download",
                "badges.learner_badge"}
PUBLIC_PREFIXES = ("core.", "verify.", "verify_public.", "auth.", "learn_join.", "static")
PUBLIC = {"root", "learn.home", "learn.overview", "learn.slide", "offline_root.service_worker"}
LEARNER_ONLY |= {"offline.saved", "offline.unavailable"}
# what a learner's device asks for in the background: JSON answers, never a sign-in page
LEARNER_JSON = {"offline.manifest", "offline.token", "offline.sync"}
ADMIN_ONLY = {"sync.trust"}
LEARNER_ONLY |= {"pocketcard.learner_card"}
# the pocket card's staff downloads follow the rules of the area they belong to
AREA_OF = {"pocketcard.cohort_cards": "train", "pocketcard.mission_cards": "hq"}


@pytest.fixture
def setting(app, mission, make_person, staff_of_two_missions, content):
    """Our mission with a cohort and a certificate; another mission with its own staff."""
    from training_app.train import services

    learner = make_person(number="L-1")
    db.session.add(Completion(person_id=learner.id, module_id="sgtm1", content_version="v"))
    db.session.commit()
    completion = db.session.scalar(select(Completion))
    cert = issue_certificate(learner, completion, content, "en", app.instance_path)
    cohort = services.save_cohort(None, mission.id, "t", name="Ours", place="",
                                  session_date=date(2026, 1, 1), language="en",
                                  delivery_mode="classroom", contingent_ids=[], trainer_ids=[])
    return {"mission_id": mission.id, "cohort_id": cohort.id, "code": cert.code,
            "join": cohort.join_code}


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


@pytest.mark.parametrize("role", ["anonymous", "learner", "trainer", "hq", "admin",
                                  "other-trainer", "other-hq"])
def test_every_route_for_every_role(app, setting, role):
    values = {"lang": "en", "mission_id": setting["mission_id"], "cohort_id":
              setting["cohort_id"], "code": setting["code"], "number": 1, "fmt": "csv",
              "token": "not-a-token", "case_id": "off-limits-bar", "filename": "app.css",
              "package_lang": "ar", "card_lang": "fr"}
    client = sign_in(app, role, setting["mission_id"])
    home = client.get("/")
    assert home.status_code == 200, (role, home.status_code, home.headers.get("Location"))
    token = csrf_from(home.get_data(as_text=True)) if role != "anonymous" else \
        csrf_from(client.get("/login").get_data(as_text=True))
    checked = 0
    for endpoint, method, path in routes(app, values):
        if endpoint in ("auth.logout",):
            continue  # would end the session under test
        r = client.client.open(path, method=method, data={"csrf_token": token},
                               follow_redirects=False)
        checked += 1
        status = r.status_code
        body = r.get_data()
        r.close()
        assert status < 500, (role, method, path, status)
        if not endpoint.startswith(("auth.", "verify")) and role != "admin":
            # sign-in pages name every mission to choose from, a certificate check shows
            # whose certificate it is to anyone, and admins see every mission
            foreign = (b"UN Test Mission", b"GHANBATT", b"Test Learner") if role.startswith(
                "other-") else (b"Other Mission", b"FIJIBATT")
            assert not any(f in body for f in foreign), (role, path)
        area = "hq" if endpoint == "badges.hq_badge" else endpoint.split(".")[0]
        if endpoint in PUBLIC or endpoint.startswith(PUBLIC_PREFIXES):
            continue
        if endpoint in LEARNER_JSON:
            expected = {"anonymous": 401, "learner": None}.get(role, 403)
            if expected:
                assert status == expected, (role, method, path, status)
            continue
        if endpoint in ADMIN_ONLY:
            if role == "anonymous":
                assert status == 302 and "/staff/login" in r.headers["Location"], (role, path)
            elif role != "admin":
                assert status == 403, (role, method, path, status)
            continue
        if endpoint in ("sync.upload", "sync.export"):
            area = "hq"
        area = AREA_OF.get(endpoint, area)
        if endpoint in LEARNER_ONLY:
            if role == "anonymous":
                assert status == 302 and "/login" in r.headers["Location"], (role, path)
            elif role != "learner":
                assert status == 403, (role, path, status)
        elif area in ("train", "hq", "interop"):
            allowed = {"train": {"trainer", "hq", "admin"}, "hq": {"hq", "admin"},
                       "interop": {"trainer", "hq", "admin"}}[area]
            if role == "anonymous":
                assert status == 302 and "/staff/login" in r.headers["Location"], (role, path)
            elif role in allowed:
                assert status != 403, (role, path)
            elif role.startswith("other-") and role.split("-")[1] in allowed:
                # staff of another mission: our mission's things do not exist for them
                if endpoint not in ("train.index", "hq.index", "train.new_cohort",
                                    "train.roster_template"):
                    assert status == 404, (role, method, path, status)
            else:
                assert status == 403, (role, method, path, status)
        else:
            pytest.fail(f"route {endpoint} has no expected access rule in this test")
    assert checked > 60


def test_login_attempts_are_rate_limited(app, make_person):
    """The suite runs without limits; this test builds the app with them, on the same data."""
    from training_app import create_app

    limited = create_app({**{k: app.config[k] for k in (
        "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "SERVER_NAME", "CONTENT_ROOT")},
        "TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    limited.test_client_class = app.test_client_class
    make_person(number="R-1")
    a = Actions(limited.test_client())
    statuses = [a.login(number="R-1", pin="wrong-pin").status_code for _ in range(12)]
    assert statuses[:10] == [200] * 10, statuses
    assert statuses[10:] == [429, 429], statuses
    last = a.login(number="R-1", pin="wrong-pin")
    assert "Too many attempts" in last.get_data(as_text=True)
    # the right PIN is refused too until the window passes
    assert a.login(number="R-1").status_code == 429
    with limited.app_context():  # this second app has its own connection pool
        db.session.remove()
        db.engine.dispose()

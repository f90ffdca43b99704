"""After sign-in, `next=` leads only to a path of this site: never to another site (tabs,
backslashes, line breaks, scheme-relative and percent-encoded forms included), never a 500."""

import os
from urllib.parse import quote, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from training_app.auth.services import safe_next
from training_app.extensions import db
from training_app.models import Person, User

PASSWORD = "correct horse 1"
PIN = "246810"

# What the reports used and what browsers treat specially: slashes, backslashes, tabs, line
# breaks, percent signs and hex digits (to make encoded forms), scheme and host punctuation.
TRICKY = "/\\\t\r\n%0925aAcCfF:@.?#;&= x\x00\x0b\x7f\u3000\u2028ﬀ／evil"
PREFIXES = ("/", "//", "/\\", "\\", "/%09/", "/%2F", "/%5C", "http:", "https://", "javascript:",
            "/\t/", " /", "%2F%2F", "///", "/en/")
targets = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.sampled_from(TRICKY), max_size=30),
    st.tuples(st.sampled_from(PREFIXES), st.text(alphabet=st.sampled_from(TRICKY), max_size=20))
    .map("".join),
)
REPORTED = ("/%09/evil.example/", "/\t/evil.example/", "//evil.example/", "/\\evil.example/",
            "\\\\evil.example/", "/en/\r\nSet-Cookie: x=1", "/\r\n/evil.example/",
            "https://evil.example/", "http:evil.example", "javascript:alert(1)",
            "/%2F/evil.example/", "/%5Cevil.example/", "%2F%2Fevil.example/",
            "evil.example/en/", " //evil.example/", "/\x00/evil.example/")
SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "25")) * 4,
                    deadline=None, derandomize=os.environ.get("HYPOTHESIS_DERANDOMIZE") == "1",
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def of_this_site(location: str) -> bool:
    """What a browser would follow stays on this site: a path, not an address elsewhere."""
    if any(ch in location for ch in "\t\r\n\\"):
        return False
    parts = urlsplit(location)
    return (not parts.scheme and not parts.netloc and location.startswith("/")
            and not location.startswith("//"))


@pytest.fixture
def quick_accounts(app, mission):
    """A trainer and a learner whose password and PIN are cheap to check, so that many
    sign-ins fit in a test; the redirect is what is under test, not the hashing."""
    cheap = "pbkdf2:sha256:1"
    db.session.add(User(username="trainer1", name="Trainer", role="trainer",
                        mission_id=mission.id,
                        password_hash=generate_password_hash(PASSWORD, method=cheap)))
    db.session.add(Person(mission_id=mission.id, personnel_number="P-001", name="Learner",
                          category="police", language="en",
                          pin_hash=generate_password_hash(PIN, method=cheap)))
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False  # each example is one fresh client's one POST


def sign_in_with_next(app, target: str, learner: bool = False):
    client = app.test_client()
    if learner:
        return client.post("/en/login?next=" + quote(target, safe=""),
                           data={"personnel_number": "P-001", "pin": PIN})
    return client.post("/en/staff/login?next=" + quote(target, safe=""),
                       data={"username": "trainer1", "password": PASSWORD})


@SETTINGS
@given(target=targets)
@example(target="/%09/evil.example/")
def test_staff_sign_in_only_ever_leads_to_this_site(app, quick_accounts, target):
    r = sign_in_with_next(app, target)
    assert r.status_code == 302, r.status_code
    assert of_this_site(r.headers["Location"]), (target, r.headers["Location"])


@SETTINGS
@given(target=targets)
def test_learner_sign_in_only_ever_leads_to_this_site(app, quick_accounts, target):
    r = sign_in_with_next(app, target, learner=True)
    assert r.status_code == 302, r.status_code
    assert of_this_site(r.headers["Location"]), (target, r.headers["Location"])


def test_the_reported_forms_go_home_instead(app, quick_accounts):
    for target in REPORTED:
        r = sign_in_with_next(app, target)
        assert r.status_code == 302, target
        assert r.headers["Location"] == "/en/", target


def test_a_path_of_this_site_is_followed(app, quick_accounts):
    for target in ("/en/train/", "/en/hq/missions/1/people?q=John%20Doe", "/en/join/ABC123"):
        assert sign_in_with_next(app, target).headers["Location"] == target


@settings(max_examples=500, deadline=None,
          derandomize=os.environ.get("HYPOTHESIS_DERANDOMIZE") == "1")
@given(target=targets)
def test_safe_next_gives_a_path_of_this_site_or_nothing(target):
    """The one check every user-supplied redirect goes through, over many more strings than
    sign-ins can afford: even decoded once, what it lets through stays on this site."""
    kept = safe_next(target)
    assert kept in (None, target)
    if kept is not None:
        assert of_this_site(kept)
        assert of_this_site(unquote(kept))

"""The whole peacekeeper path through the Flask test client, as a learner would walk it."""

import io
import re

from pypdf import PdfReader
from sqlalchemy import func, select

from training_app.extensions import db
from training_app.models import Certificate, Completion, QuizAttempt, SlideView

from .conftest import csrf_from, right_answer

STATEMENT_RE = re.compile(r'name="s-([a-z0-9-]+)" value="true"')


def quiz_page(actions):
    html = actions.get("/quiz").get_data(as_text=True)
    token = re.search(r'action="/en/quiz/([^"]+)"', html).group(1)
    return html, token, STATEMENT_RE.findall(html)


def answer_quiz(actions, content, wrong=0):
    """Send the quiz with `wrong` statements answered incorrectly."""
    html, token, ids = quiz_page(actions)
    data = {"csrf_token": csrf_from(html)}
    for i, sid in enumerate(ids):
        right = right_answer(content, token, sid)
        data[f"s-{sid}"] = "true" if (right if i >= wrong else not right) else "false"
    return actions.client.post(f"/en/quiz/{token}", data=data), token, ids, data


def study_everything(actions, content):
    for n in range(1, len(content.slides) + 1):
        assert actions.get(f"/slides/{n}").status_code == 200
    for case in content.case_studies:
        r = actions.post_form(f"/case-studies/{case.id}",
                              {"answer": "I would refuse and report it to the Focal Point."})
        assert r.status_code == 302


def test_anonymous_learner_is_sent_to_sign_in(actions):
    r = actions.get("/quiz")
    assert r.status_code == 302 and "/en/login" in r.headers["Location"]


def test_wrong_pin_is_refused_with_a_clear_message(actions, make_person):
    make_person()
    r = actions.login(pin="000000")
    assert r.status_code == 200
    assert "That personnel number and PIN do not match" in r.get_data(as_text=True)
    assert actions.get("/quiz").status_code == 302  # still not signed in


def test_personnel_number_is_not_case_or_space_sensitive(actions, make_person):
    make_person(number="GH-1234")
    assert actions.login(number=" gh-1234 ").status_code == 302


def test_full_path_to_a_verifiable_certificate(app, actions, make_person, content):
    person = make_person(name="Amina Diallo")
    assert actions.login().status_code == 302
    home = actions.get("/").get_data(as_text=True)
    assert "0 of 14 slides seen" in home

    # slides in order, each with "slide n of 14" and previous / next
    first = actions.get("/slides/1").get_data(as_text=True)
    assert "Slide 1 of 14" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = actions.get("/slides/14").get_data(as_text=True)
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert actions.get("/slides/15").status_code == 404
    assert actions.get("/slides/0").status_code == 404

    # the certificate is not available before everything is done
    assert "not yet passed" in actions.get("/certificate").get_data(as_text=True)
    assert actions.get("/certificate.pdf").status_code == 404

    study_everything(actions, content)
    # viewing a slide again is not counted again
    actions.get("/slides/3")
    assert db.session.scalar(select(func.count()).select_from(SlideView).where(
        SlideView.person_id == person.id)) == len(content.slides)
    assert "14 of 14 slides seen" in actions.get("/").get_data(as_text=True)

    # a failed attempt shows what was wrong, why, and where to read again
    r, token, ids, _ = answer_quiz(actions, content, wrong=4)
    assert r.status_code == 302
    result = actions.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "11 of 15 correct" in result and "Not passed yet" in result
    assert result.count('class="statement"') == 4
    assert "Review slide" in result and "/en/slides/" in result
    assert db.session.scalar(select(Completion).where(Completion.person_id == person.id)) is None

    # before another attempt, the slides behind what was missed; then a different draw
    gate = actions.get("/quiz").get_data(as_text=True)
    assert "Before you try the quiz again" in gate and 'class="quiz"' not in gate
    behind = sorted(set(re.findall(r'href="/en/slides/(\d+)"', gate)), key=int)
    assert behind and set(behind) <= set(re.findall(r'href="/en/slides/(\d+)"', result))
    for number in behind:
        actions.get(f"/slides/{number}")
    r, token2, ids2, _ = answer_quiz(actions, content, wrong=0)
    assert token2 != token
    assert len(set(ids2) & set(ids)) <= 3  # a retake draws other statements
    result = actions.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "15 of 15 correct" in result and "You passed the quiz" in result

    page = actions.get("/certificate").get_data(as_text=True)
    cert = db.session.scalar(select(Certificate).where(Certificate.person_id == person.id))
    assert cert is not None
    display = "-".join(cert.code[i:i + 4] for i in range(0, 12, 4))
    assert display in page

    pdf = actions.get("/certificate.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Amina Diallo" in text and display in text
    assert len(pdf.data) <= 60 * 1024

    # anyone can check the code, signed in or not
    anonymous = app.test_client()
    ok = anonymous.get(f"/verify/{cert.code}")
    assert ok.status_code == 200 and "VALID" in ok.get_data(as_text=True)
    assert "Amina Diallo" in ok.get_data(as_text=True)
    typed = anonymous.get(f"/verify/{display.lower()}")
    assert typed.status_code == 200


def test_a_double_submitted_quiz_counts_once(actions, make_person, content):
    person = make_person()
    actions.login()
    r1, token, ids, data = answer_quiz(actions, content, wrong=0)
    r2 = actions.client.post(f"/en/quiz/{token}", data=data)
    assert r1.status_code == r2.status_code == 302
    assert r2.headers["Location"] == r1.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt).where(
        QuizAttempt.person_id == person.id, QuizAttempt.submitted_at.is_not(None))) == 1


def test_an_incomplete_quiz_keeps_the_answers_given(actions, make_person, content):
    make_person()
    actions.login()
    html, token, ids = quiz_page(actions)
    data = {"csrf_token": csrf_from(html), f"s-{ids[0]}": "true"}
    r = actions.client.post(f"/en/quiz/{token}", data=data)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Answer every statement" in page
    assert page.count("Choose true or false.") == len(ids) - 1
    assert re.search(rf'name="s-{ids[0]}" value="true" checked', page)


def test_reloading_the_quiz_keeps_the_same_statements(actions, make_person):
    make_person()
    actions.login()
    _, token1, ids1 = quiz_page(actions)
    _, token2, ids2 = quiz_page(actions)
    assert (token1, ids1) == (token2, ids2)


def test_someone_elses_attempt_is_not_found(app, actions, make_person, content):
    make_person(number="A-1")
    make_person(number="B-2")
    actions.login(number="A-1")
    _, token, _ = quiz_page(actions)
    other = app.test_client()
    from .conftest import Actions

    Actions(other).login(number="B-2")
    html = other.get("/en/quiz").get_data(as_text=True)
    r = other.post(f"/en/quiz/{token}", data={"csrf_token": csrf_from(html)})
    assert r.status_code == 404
    assert other.get(f"/en/quiz/result/{token}").status_code == 404


def test_case_study_guidance_appears_only_after_answering(actions, make_person, content):
    make_person()
    actions.login()
    case = content.case_studies[0]
    text = content.text("en", "case_studies", case.id)
    before = actions.get(f"/case-studies/{case.id}").get_data(as_text=True)
    assert 'id="guidance"' not in before
    short = actions.post_form(f"/case-studies/{case.id}", {"answer": "no"})
    assert short.status_code == 422 and "Write between 10 and 5,000 characters" in \
        short.get_data(as_text=True)
    actions.post_form(f"/case-studies/{case.id}", {"answer": "Report it through the chain."})
    after = actions.get(f"/case-studies/{case.id}").get_data(as_text=True)
    assert 'id="guidance"' in after and "Report it through the chain." in after
    assert text["guidance"][0].split("{")[0][:40] in after.replace("&#39;", "'").replace(
        "&#34;", '"').replace("&quot;", '"')
    assert actions.get("/case-studies/no-such-case").status_code == 404


def test_consequences_slide_puts_the_learners_own_regime_first(actions, make_person, content):
    slide = next(s for s in content.slides if s.consequences)
    text = content.text("en", "slides", slide.id)["consequences"]
    expected_first = {
        "military-contingent": "military",
        "police": "police-observers",
        "military-observers": "police-observers",
        "national-staff": "civilian",
    }
    for i, (category, regime) in enumerate(expected_first.items()):
        make_person(number=f"C-{i}", category=category)
        actions.client.get("/")  # keep the same client; sign in as each in turn
        with actions.client.session_transaction() as s:
            s.clear()
        actions.client.delete_cookie("remember_token", domain="training.test")
        actions.login(number=f"C-{i}")
        page = actions.get(f"/slides/{slide.number}").get_data(as_text=True)
        positions = {g: page.find(text[g]["heading"]) for g in text}
        assert all(p > 0 for p in positions.values())
        assert min(positions, key=positions.get) == regime, category
        own = page.find('class="regime own"')
        assert own != -1 and own < positions[regime]


def test_mission_focal_point_appears_in_the_module(actions, make_person, content):
    make_person()
    actions.login()
    pages = "".join(actions.get(f"/slides/{s.number}").get_data(as_text=True)
                    for s in content.slides)
    assert "Ms Focal Example" in pages and "Mr Alternate Example" in pages


def test_self_registration_then_duplicate_is_refused(app, actions, mission):
    data = {"mission": str(mission.id), "name": "Nour Haddad", "personnel_number": "jo-778",
            "category": "police", "contingent": str(mission.contingents[0].id),
            "pin": "s3cret-pin", "pin_again": "s3cret-pin"}
    r = actions.post_form("/register", data)
    assert r.status_code == 302
    assert "Nour Haddad" in actions.get("/").get_data(as_text=True)
    again = Actions2 = app.test_client()
    from .conftest import Actions

    r2 = Actions(again).post_form("/register", data)
    assert r2.status_code == 422
    assert "already registered" in r2.get_data(as_text=True)
    assert Actions2 is again


def test_registration_rejects_mismatched_pin_and_unknown_category(actions, mission):
    data = {"mission": str(mission.id), "name": "X Y", "personnel_number": "Z-1",
            "category": "general", "contingent": "0", "pin": "abcdef", "pin_again": "abcdeg"}
    r = actions.post_form("/register", data)
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "The two entries differ" in page and "Not a valid choice" in page


def test_staff_cannot_use_learner_pages(actions, make_user):
    make_user(username="hq1", password="pw-hq-123456", role="hq")
    assert actions.staff_login("hq1", "pw-hq-123456").status_code == 302
    assert actions.get("/quiz").status_code == 403
    assert "Welcome, Hq1" in actions.get("/").get_data(as_text=True)


def test_logout_requires_post_with_csrf(actions, make_person):
    make_person()
    actions.login()
    assert actions.client.get("/en/logout").status_code == 405
    r = actions.client.post("/en/logout", data={})
    assert r.status_code == 400  # no CSRF token
    actions.post_form("/logout", {}, page="/")
    assert actions.get("/quiz").status_code == 302


def test_the_quiz_asks_about_the_missions_focal_point(actions, make_person, content):
    make_person()
    actions.login()
    html, token, ids = quiz_page(actions)
    assert len(ids) == 15 and "mission-focal-point" in ids
    named = "Ms Focal Example" if right_answer(content, token, "mission-focal-point") \
        else "Mr Alternate Example"
    assert f"In UN Test Mission, the Focal Point for sexual exploitation and abuse is {named}." \
        in html
    data = {"csrf_token": csrf_from(html)}
    for sid in ids:
        right = right_answer(content, token, sid)
        data[f"s-{sid}"] = str(right if sid != "mission-focal-point" else not right).lower()
    r = actions.client.post(f"/en/quiz/{token}", data=data)
    result = actions.client.get(r.headers["Location"]).get_data(as_text=True)
    assert "14 of 15 correct" in result
    review = result[result.index('class="review"'):]
    assert "Ms Focal Example" in review  # the explanation names the real Focal Point
    assert "Review slide 11" in review

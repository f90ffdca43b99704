"""Render every kind of PDF the app prints, in every language, through its own routes, and
turn each page into a PNG image to look at (Debian's poppler-utils: pdftoppm).

Usage: python tools/render_pdfs.py [OUT_DIR]   (default artifacts/pdf; `make pdf-images`)
Writes OUT_DIR/<kind>-<lang>.pdf and OUT_DIR/<kind>-<lang>-<page>.png.
"""

from __future__ import annotations

import contextvars
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask.testing import FlaskClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from training_app import create_app  # noqa: E402
from training_app.certificates.services import issue_on_completion  # noqa: E402
from training_app.content import get_content  # noqa: E402
from training_app.extensions import db  # noqa: E402
from training_app.models import Completion, Contingent, Enrolment, Mission, Person, User  # noqa: E402
from training_app.train import services as train  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NAMES = {"ar": "نور حداد", "en": "Amina Diallo", "es": "Lucía Rojas", "fr": "Chloé Martin",
         "ru": "Ольга Иванова", "zh": "李伟"}


class _Client(FlaskClient):
    """Each request in its own context, as in production, while this script holds an
    application context open."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _login(client, path, data):
    page = client.get(path).get_data(as_text=True)
    data["csrf_token"] = CSRF.search(page).group(1)
    response = client.post(path, data=data)
    assert response.status_code == 302, (path, response.status_code)


def render(out: Path) -> list[Path]:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="render-pdfs-"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'r.db'}",
                      "SECRET_KEY": "render", "RATELIMIT_ENABLED": False,
                      "SERVER_NAME": "training.example.org"})
    app.instance_path = str(tmp)
    app.test_client_class = _Client
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        content = get_content()
        mission = Mission(
            code="UNDEMO", name="UN Demonstration Mission (UNDEMO)",
            focal_point_name="Ms Amani Okafor, Conduct and Discipline Team",
            focal_point_contact="ext. 4410, cdt-undemo@example.org",
            alternate_name="Mr Javier Molina, Human Rights Section",
            alternate_contact="ext. 4417",
            offlimits_directive="UNDEMO Directive 2026/07 on Off-Limits locations",
            certificate_unit="Conduct and Discipline Unit",
            certificate_signatory_name="Ms Ingrid Halvorsen",
            certificate_signatory_title="Chief, Conduct and Discipline Unit")
        db.session.add(mission)
        db.session.flush()
        unit = Contingent(mission_id=mission.id, country="GH",
                          unit="GHANBATT (infantry battalion)")
        trainer = User(username="trainer", name="Captain Lena Sørensen", role="trainer",
                       mission_id=mission.id)
        trainer.set_password("render-pass-1")
        db.session.add_all([unit, trainer])
        db.session.flush()
        people = {}
        for n, lang in enumerate(content.languages):
            person = Person(mission_id=mission.id, personnel_number=f"DEMO-00{n + 1}",
                            name=NAMES.get(lang, "Test Learner"),
                            category="military-contingent", contingent_id=unit.id,
                            language=lang)
            person.set_pin("246810")
            db.session.add(person)
            db.session.flush()
            completion = Completion(person_id=person.id, module_id="sgtm1",
                                    content_version="v")
            db.session.add(completion)
            db.session.commit()
            issue_on_completion(person, completion, lang, app.instance_path)
            people[lang] = person
        staff = app.test_client()
        _login(staff, "/en/staff/login", {"username": "trainer", "password": "render-pass-1"})
        downloads: list[tuple[str, str, object, str]] = []
        for lang in content.languages:
            cohort = train.save_cohort(None, mission.id, "render", name=f"Cohort {lang.upper()}",
                                       place="Camp Alpha, Sector West",
                                       session_date=date(2026, 3, 14), language=lang,
                                       delivery_mode="classroom", contingent_ids=[],
                                       trainer_ids=[])
            for person in people.values():
                db.session.add(Enrolment(cohort_id=cohort.id, person_id=person.id))
            db.session.commit()
            learner = app.test_client()
            _login(learner, f"/{lang}/login",
                   {"personnel_number": people[lang].personnel_number, "pin": "246810"})
            base = f"/{lang}/train/cohorts/{cohort.id}"
            downloads += [
                ("certificate", lang, learner, f"/{lang}/certificate.pdf"),
                ("pocket-card", lang, learner, f"/{lang}/pocket-card.pdf"),
                ("paper-quiz", lang, staff, f"{base}/paper-quiz.pdf"),
                ("answer-key", lang, staff, f"{base}/paper-quiz.pdf?key=1"),
                ("join-sheet", lang, staff, f"{base}/sheet.pdf"),
            ]
        downloads.append(("cohort-certificates", "all", staff,
                          f"/en/train/cohorts/{cohort.id}/certificates.pdf"))
        for kind, lang, client, path in downloads:
            written.append(_save(out, f"{kind}-{lang}", client.get(path)))
        # The mission's second language: English beside each language, French beside English
        for lang in content.languages:
            mission.certificate_second_language = "fr" if lang == "en" else "en"
            db.session.commit()
            learner = app.test_client()
            _login(learner, f"/{lang}/login",
                   {"personnel_number": people[lang].personnel_number, "pin": "246810"})
            written.append(_save(out, f"certificate-two-languages-{lang}",
                                 learner.get(f"/{lang}/certificate.pdf")))
    shutil.rmtree(tmp, ignore_errors=True)
    return written


def _save(out: Path, stem: str, response) -> Path:
    assert response.status_code == 200, (stem, response.status_code)
    assert response.headers["Content-Type"] == "application/pdf", stem
    path = out / f"{stem}.pdf"
    path.write_bytes(response.data)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(out / stem)],
                       check=True)
    return path


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "artifacts" / "pdf"
    written = render(out)
    if not shutil.which("pdftoppm"):
        print("pdftoppm not found (Debian: apt-get install poppler-utils): PDFs only")
    print(f"{len(written)} PDFs and their pages as PNG in {out}")


if __name__ == "__main__":
    main()

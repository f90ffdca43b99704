"""flask backup / flask restore bring back every record."""

from sqlalchemy import func, select

from training_app.extensions import db
from training_app.models import Certificate, Completion, Person, QuizAttempt, SlideView

TABLES = (Person, SlideView, QuizAttempt, Completion, Certificate)


def snapshot():
    db.session.expire_all()
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in TABLES}


def test_backup_and_restore_round_trip_every_record(app, runner, make_person, content,
                                                    tmp_path):
    from training_app.certificates.services import issue_on_completion
    from training_app.learn import services as learn

    people = [make_person(number=f"B-{i}", name=f"Backup {i}") for i in range(5)]
    for p in people[:3]:
        for slide in content.slides:
            learn.record_slide_view(p.id, slide.id)
        attempt = learn.open_attempt(p.id, content, "en")
        learn.submit_attempt(attempt, {s: True for s in attempt.statement_ids}, content.quiz, 0.8)
    completion = Completion(person_id=people[0].id, module_id="sgtm1", content_version="v")
    db.session.add(completion)
    db.session.commit()
    cert = issue_on_completion(people[0], completion, "en", app.instance_path)
    code, token = cert.code, cert.token
    before = snapshot()
    names_before = sorted(db.session.scalars(select(Person.name)))

    archive = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output

    # damage: people and their records are lost
    db.session.query(Certificate).delete()
    db.session.query(Completion).delete()
    db.session.query(QuizAttempt).delete()
    db.session.query(SlideView).delete()
    db.session.commit()
    assert snapshot()["certificate"] == 0

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert snapshot() == before
    assert sorted(db.session.scalars(select(Person.name))) == names_before
    assert db.session.scalar(select(Certificate.token).where(Certificate.code == code)) == token


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0

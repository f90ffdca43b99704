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


def _sqlite_file(path, statements):
    import sqlite3

    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


def _records(app):
    db.session.expire_all()
    return snapshot(), sorted(db.session.scalars(select(Person.name)))


def test_restore_refuses_another_applications_database(app, runner, make_person, tmp_path):
    make_person(name="Kept Learner")
    before = _records(app)
    other = _sqlite_file(tmp_path / "other.db", ["CREATE TABLE notes (id INTEGER, body TEXT)",
                                                 "INSERT INTO notes VALUES (1, 'hello')"])
    result = runner.invoke(args=["restore", str(other), "--yes"])
    assert result.exit_code != 0 and "not a backup of this application" in result.output
    db.session.remove()
    assert _records(app) == before  # nothing was touched


def test_restore_refuses_an_unknown_schema_and_a_damaged_file(app, runner, make_person,
                                                              tmp_path):
    if db.engine.dialect.name != "sqlite":
        import pytest

        pytest.skip("SQLite files: the PostgreSQL archive checks are in the next test")
    make_person(name="Kept Learner")
    before = _records(app)
    archive = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    future = tmp_path / "future.db"
    future.write_bytes(archive.read_bytes())
    _sqlite_file(future, ["UPDATE alembic_version SET version_num = '9999'"])
    result = runner.invoke(args=["restore", str(future), "--yes"])
    assert result.exit_code != 0 and "does not know" in result.output

    damaged = tmp_path / "damaged.db"
    data = bytearray(archive.read_bytes())
    page = 4096
    for offset in range(2 * page, min(len(data), 6 * page), 7):  # scribble over the b-trees
        data[offset] = 0xA5
    damaged.write_bytes(bytes(data))
    result = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert result.exit_code != 0
    assert "damaged" in result.output or "cannot be read" in result.output
    db.session.remove()
    assert _records(app) == before

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0 and "schema 0" in result.output


def test_restore_refuses_a_postgresql_archive_of_another_database(app, runner, tmp_path):
    import shutil
    import subprocess

    import pytest

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL archives are checked on the PostgreSQL pass")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["psql", url, "-qc", "CREATE SCHEMA IF NOT EXISTS other; "
                    "CREATE TABLE IF NOT EXISTS other.notes (id int)"], check=True)
    archive = tmp_path / "other.dump"
    subprocess.run(["pg_dump", "--format=custom", "--schema=other", "--file", str(archive), url],
                   check=True)
    subprocess.run(["psql", url, "-qc", "DROP SCHEMA other CASCADE"], check=True)
    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code != 0 and "not a backup of this application" in result.output

"""A real installation from the command line (no demonstration data, no default accounts;
missions, staff and contingents made by command), the demonstration that says what it is, and
a server that will not start without knowing its host names."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from training_app import UnsafeToServe, create_app, refuse_to_serve_unsafely
from training_app.config import is_demo_installation
from training_app.extensions import db
from training_app.models import AuditEvent, Contingent, Mission, Person, User

from .conftest import ROOT

BANNER = "Demonstration installation — not for real records"
CONTINGENTS = (
    "Unit name,Short designation,Country code\n"
    "Infantry battalion,BANBAT-1,BD\n"
    "Engineer company,URUENG,uy\n"
    ",Staff and observers,FR\n"
)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def invoke(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input, catch_exceptions=False)


# --- flask setup ---------------------------------------------------------------------------

def test_production_setup_creates_no_accounts_and_no_demonstration(app, runner):
    r = invoke(runner, "setup", "--production")
    assert r.exit_code == 0, r.output
    assert (count(User), count(Mission), count(Person)) == (0, 0, 0)
    instance = Path(app.instance_path)
    assert not (instance / "demo-logins.txt").exists()
    assert not is_demo_installation(app.instance_path)
    assert "flask missions create" in r.output and "flask staff create" in r.output
    assert "password:" not in r.output.lower()  # no login shown either
    # run again after an upgrade, it changes nothing and says what is there
    invoke(runner, "missions", "create", "--code", "UNMISS", "--name", "UNMISS")
    again = invoke(runner, "setup", "--production")
    assert again.exit_code == 0 and "Missions: 1; staff accounts: 0." in again.output
    assert (count(User), count(Mission)) == (0, 1)


def test_demonstration_setup_writes_its_logins_only_to_a_private_file(app, runner):
    r = invoke(runner, "setup")
    assert r.exit_code == 0, r.output
    logins = Path(app.instance_path) / "demo-logins.txt"
    assert str(logins) in r.output
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    assert "never for real records" in logins.read_text()
    assert count(User) == 3 and is_demo_installation(app.instance_path)
    # a demonstration installation is no place to start real records
    again = invoke(runner, "setup", "--production")
    assert again.exit_code != 0 and "demonstration" in again.output


# --- missions -----------------------------------------------------------------------------

def test_missions_are_created_and_listed_from_the_command_line(app, runner):
    assert "no missions yet" in invoke(runner, "missions", "list").output
    r = invoke(runner, "missions", "create", "--code", "unmiss", "--name",
               "United Nations Mission in South Sudan", "--focal-point", "Ms A. Focal",
               "--focal-point-contact", "ext. 1100", "--no-self-registration")
    assert r.exit_code == 0, r.output
    mission = db.session.scalar(select(Mission).where(Mission.code == "UNMISS"))
    assert mission.focal_point_name == "Ms A. Focal" and not mission.self_registration
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.mission_id == mission.id)) == "mission.created"
    listing = invoke(runner, "missions", "list").output
    assert "UNMISS" in listing and "United Nations Mission in South Sudan" in listing

    taken = invoke(runner, "missions", "create", "--code", "UNMISS", "--name", "Again")
    assert taken.exit_code != 0 and "exists already" in taken.output
    bad = invoke(runner, "missions", "create", "--code", "un miss!", "--name", "X")
    assert bad.exit_code != 0 and "capital letters" in bad.output
    assert count(Mission) == 1


# --- staff accounts -----------------------------------------------------------------------

def test_a_staff_account_made_by_command_signs_in_until_deactivated(app, runner, mission,
                                                                   actions):
    r = invoke(runner, "staff", "create", "--email", "trainer@mission.example", "--role",
               "trainer", "--name", "Captain Trainer", "--mission", "UNTEST",
               "--generate-password")
    assert r.exit_code == 0, r.output
    password = next(line.split(": ", 1)[1] for line in r.output.splitlines()
                    if line.startswith("password: "))
    assert len(password) >= 10

    signed_in = actions.staff_login("trainer@mission.example", password)
    assert signed_in.status_code == 302
    assert actions.get("/train/").status_code == 200

    r = invoke(runner, "staff", "deactivate", "trainer@mission.example")
    assert r.exit_code == 0, r.output
    # the open session has ended ...
    assert actions.get("/train/").status_code == 302
    # ... and the right password no longer signs in
    refused = actions.staff_login("trainer@mission.example", password)
    assert refused.status_code == 200
    assert "do not match" in refused.get_data(as_text=True)


def test_staff_create_asks_for_a_password_when_none_is_given(app, runner, mission):
    r = invoke(runner, "staff", "create", "--username", "hq1", "--role", "hq", "--name", "HQ",
               "--mission", "UNTEST", input="a long password\na long password\n")
    assert r.exit_code == 0, r.output
    user = db.session.scalar(select(User).where(User.username == "hq1"))
    assert user.check_password("a long password") and user.mission_id == mission.id
    missing = runner.invoke(args=["staff", "create", "--role", "admin", "--name", "X",
                                  "--generate-password"])
    assert missing.exit_code != 0 and "username" in missing.output


# --- contingents --------------------------------------------------------------------------

def test_contingents_are_imported_all_or_none(app, runner, mission, tmp_path):
    before = count(Contingent)
    broken = tmp_path / "broken.csv"
    broken.write_text(CONTINGENTS + "Formed police unit,JOR FPU-1,XX\n,,NP\n")
    r = invoke(runner, "contingents", "import", "--mission", "UNTEST", str(broken))
    assert r.exit_code != 0
    assert "nothing was imported" in r.output
    assert "line 5: XX is not an ISO 3166 country code" in r.output
    assert "line 6: the short designation is missing" in r.output
    assert count(Contingent) == before  # the good lines were not kept either

    good = tmp_path / "contingents.csv"
    good.write_text(CONTINGENTS)
    r = invoke(runner, "contingents", "import", "--mission", "UNTEST", str(good))
    assert r.exit_code == 0, r.output
    assert "3 contingents added" in r.output
    units = set(db.session.execute(select(Contingent.country, Contingent.unit).where(
        Contingent.mission_id == mission.id)).all())
    assert {("BD", "BANBAT-1 (Infantry battalion)"), ("UY", "URUENG (Engineer company)"),
            ("FR", "Staff and observers")} <= units

    again = invoke(runner, "contingents", "import", "--mission", "UNTEST", str(good))
    assert again.exit_code == 0 and "0 contingents added" in again.output
    assert "3 already present" in again.output
    assert count(Contingent) == before + 3


def test_a_contingents_file_without_its_columns_is_refused(app, runner, mission, tmp_path):
    headless = tmp_path / "headless.csv"
    headless.write_text("BANBAT-1,BD\n")
    r = invoke(runner, "contingents", "import", "--mission", "UNTEST", str(headless))
    assert r.exit_code != 0 and "must name the columns" in r.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("unit name,short designation,country code\nGénie,URU,UY\n"
                      .encode("latin-1"))
    r = invoke(runner, "contingents", "import", "--mission", "UNTEST", str(latin))
    assert r.exit_code != 0 and "UTF-8" in r.output
    unknown = invoke(runner, "contingents", "import", "--mission", "NOPE", str(latin))
    assert unknown.exit_code != 0 and "no mission" in unknown.output


# --- the demonstration says what it is ----------------------------------------------------

def test_the_demonstration_says_so_on_every_page_and_a_real_one_does_not(app, client,
                                                                        runner):
    assert BANNER not in client.get("/en/").get_data(as_text=True)
    invoke(runner, "setup")
    for path in ("/en/", "/en/login", "/en/staff/login", "/en/module", "/en/verify"):
        assert BANNER in client.get(path).get_data(as_text=True), path
    french = client.get("/fr/").get_data(as_text=True)
    assert BANNER not in french and 'class="demo-note"' in french


# --- host names ---------------------------------------------------------------------------

def test_a_forged_host_never_reaches_a_certificate(app, client, certificate):
    app.config["TRUSTED_HOSTS"] = ["training.test"]
    assert client.get(f"/verify/{certificate.code}", headers={"Host": "training.test"}
                      ).status_code in (200, 302, 308)
    for path in (f"/verify/{certificate.code}", f"/en/verify/{certificate.code}", "/en/"):
        assert client.get(path, headers={"Host": "evil.example"}).status_code == 400, path


@pytest.fixture
def real_instance(tmp_path, monkeypatch):
    """The settings of a real installation: its own instance folder and database."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("TRAINING_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("TRAINING_DATABASE_URL", f"sqlite:///{tmp_path / 'real.sqlite3'}")
    monkeypatch.delenv("TRAINING_TRUSTED_HOSTS", raising=False)
    return instance


def test_a_real_installation_will_not_serve_without_its_host_names(real_instance,
                                                                  monkeypatch):
    with pytest.raises(UnsafeToServe, match="TRAINING_TRUSTED_HOSTS is not set"):
        refuse_to_serve_unsafely(create_app({"SECRET_KEY": "x"}))
    monkeypatch.setenv("TRAINING_TRUSTED_HOSTS", "training.mission.example")
    refuse_to_serve_unsafely(create_app({"SECRET_KEY": "x"}))  # no error


def test_the_demonstration_serves_without_host_names(real_instance):
    from training_app.config import mark_demo_installation

    mark_demo_installation(str(real_instance))
    refuse_to_serve_unsafely(create_app({"SECRET_KEY": "x"}))  # no error


def test_gunicorn_refuses_to_start_a_real_installation_without_host_names(real_instance):
    env = {k: v for k, v in os.environ.items() if k != "FLASK_RUN_FROM_CLI"}
    r = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                        "--check-config", "wsgi:app"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "TRAINING_TRUSTED_HOSTS is not set" in r.stderr


# --- schema against code --------------------------------------------------------------------

def _migrate(app, revision="head"):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        if revision.startswith("-"):
            downgrade(directory=app.extensions["migrate"].directory, revision=revision)
        else:
            upgrade(directory=app.extensions["migrate"].directory, revision=revision)


def test_the_schema_check_tells_current_from_old_unknown_and_empty(real_instance):
    from sqlalchemy import text

    from training_app import refuse_to_serve_an_outdated_schema
    from training_app.schema import code_heads, schema_state

    app = create_app({"SECRET_KEY": "x", "TESTING": True})
    with pytest.raises(UnsafeToServe, match="no schema yet.*db upgrade"):
        refuse_to_serve_an_outdated_schema(app)
    _migrate(app, "0010")
    with app.app_context():
        assert schema_state().state == "behind"
    with pytest.raises(UnsafeToServe, match="at revision 0010, older than.*db upgrade"):
        refuse_to_serve_an_outdated_schema(app)
    _migrate(app)
    with app.app_context():
        assert schema_state().current and schema_state().database == tuple(code_heads())
    refuse_to_serve_an_outdated_schema(app)  # no error
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '9999_later'"))
        db.session.commit()
        assert schema_state().state == "unknown"
    with pytest.raises(UnsafeToServe, match="9999_later, which this code does not know"):
        refuse_to_serve_an_outdated_schema(app)


def test_gunicorn_refuses_an_old_schema_and_flask_commands_still_upgrade_it(real_instance,
                                                                             monkeypatch):
    monkeypatch.setenv("TRAINING_TRUSTED_HOSTS", "training.mission.example")
    _migrate(create_app({"SECRET_KEY": "x", "TESTING": True}), "0010")
    env = {k: v for k, v in os.environ.items() if k != "FLASK_RUN_FROM_CLI"}

    def check_config():
        return subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                               "--check-config", "wsgi:app"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    refused = check_config()
    assert refused.returncode != 0
    assert "Refusing to serve: the database schema is at revision 0010" in refused.stderr
    flask = Path(sys.executable).with_name("flask")
    upgraded = subprocess.run([str(flask), "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    assert check_config().returncode == 0


@pytest.mark.postgres
def test_two_upgrades_started_at_once_take_turns_on_postgresql(tmp_path):
    from .conftest import PG_URL, _reset_postgres

    if not PG_URL:
        pytest.skip("the migration lock is PostgreSQL's; this runs on the PostgreSQL pass")
    _reset_postgres(PG_URL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINING_")}
    flask = str(Path(sys.executable).with_name("flask"))
    runs = [subprocess.Popen([flask, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=dict(
        env, TRAINING_DATABASE_URL=PG_URL, TRAINING_INSTANCE_PATH=str(tmp_path / f"s{i}")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outcomes = []
    for run in runs:
        _out, err = run.communicate(timeout=180)
        outcomes.append((run.returncode, err[-1500:]))
    assert [code for code, _err in outcomes] == [0, 0], outcomes
    app = create_app({"SECRET_KEY": "x", "TESTING": True, "SQLALCHEMY_DATABASE_URI": PG_URL})
    from training_app.schema import schema_state

    with app.app_context():
        assert schema_state().current
        db.engine.dispose()

"""A demonstration mission with contingents from several contributing countries and logins."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .audit import record
from .config import mark_demo_installation
from .extensions import db
from .models import Contingent, Mission, Person, User

DEMO_MISSION = "UNDEMO"
CONTINGENTS = (
    ("BD", "BANBAT-1 (infantry battalion)"),
    ("GH", "GHANBATT (infantry battalion)"),
    ("NP", "NEPBATT (infantry battalion)"),
    ("UY", "URUENG (engineer company)"),
    ("JO", "JOR FPU-1 (formed police unit)"),
    ("SN", "SEN FPU-2 (formed police unit)"),
    ("FR", "Staff and observers"),
)


def demo_logins_path(instance_path: str) -> Path:
    """Where the demonstration's passwords are written (mode 600), and nowhere else."""
    return Path(instance_path) / "demo-logins.txt"


def _password() -> str:
    return secrets.token_urlsafe(9)


def load_demo(instance_path: str) -> bool:
    """Create the demo mission and accounts unless present; True if created now. Either way
    the installation is marked as a demonstration (its pages say so)."""
    mark_demo_installation(instance_path)
    if db.session.scalar(select(Mission.id).where(Mission.code == DEMO_MISSION)):
        return False
    mission = Mission(
        code=DEMO_MISSION, name="UN Demonstration Mission (UNDEMO)",
        focal_point_name="Ms Amani Okafor, Conduct and Discipline Team",
        focal_point_contact="ext. 4410, cdt-undemo@example.org",
        alternate_name="Mr Javier Molina, Human Rights Section",
        alternate_contact="ext. 4417",
        offlimits_directive="UNDEMO Directive 2026/07 on Off-Limits locations",
    )
    db.session.add(mission)
    db.session.flush()
    units = []
    for country, unit in CONTINGENTS:
        c = Contingent(mission_id=mission.id, country=country, unit=unit)
        db.session.add(c)
        units.append(c)
    db.session.flush()

    learner_pin = f"{secrets.randbelow(10**6):06d}"
    learner = Person(mission_id=mission.id, personnel_number="DEMO-001", name="Amina Diallo",
                     category="military-contingent", contingent_id=units[1].id, language="en")
    learner.set_pin(learner_pin)
    db.session.add(learner)
    staff = []
    for username, name, role, mission_id in (
        ("trainer", "Captain Lena Sørensen", "trainer", mission.id),
        ("hq", "Mr Kwame Mensah", "hq", mission.id),
        ("admin", "Platform administrator", "admin", None),
    ):
        password = _password()
        user = User(username=username, name=name, role=role, mission_id=mission_id)
        user.set_password(password)
        db.session.add(user)
        staff.append((role, username, password))
    record("system:demo", "demo.loaded", mission, mission_id=mission.id)
    db.session.commit()

    lines = [
        "Demonstration logins: for trying the platform only, never for real records.",
        f"  learner  mission UNDEMO, personnel number DEMO-001, PIN {learner_pin}"
        "   -> sign in at /en/login",
    ]
    lines += [f"  {role:<8} username {u}, password {p}   -> sign in at /en/staff/login"
              for role, u, p in staff]
    path = demo_logins_path(instance_path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file left by an older release may be readable by others
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return True


def read_demo_logins(instance_path: str) -> str:
    path = demo_logins_path(instance_path)
    return path.read_text().rstrip() if path.exists() else "(no demo logins recorded)"


def echo_demo_logins(instance_path: str) -> None:
    """Say where the demonstration's logins are, and show them from that file."""
    click.echo(f"Demonstration installation: logins are in {demo_logins_path(instance_path)}")
    click.echo(read_demo_logins(instance_path))


FIRST_NAMES = ("Amina", "Kofi", "Sita", "Mateo", "Nour", "Ivan", "Li", "Chloé", "Omar", "Grace",
               "Rahul", "Fatou", "Diego", "Olga", "Wei", "Yusuf", "Ama", "Bishnu", "Lucía", "Samir")
LAST_NAMES = ("Diallo", "Mensah", "Gurung", "Silva", "Haddad", "Petrov", "Wei", "Martin",
              "Hassan", "Okafor", "Sharma", "Ndiaye", "Rojas", "Ivanova", "Zhang", "Khan")


def generate_people(mission: Mission, count: int, completed_share: float = 0.45, seed: int = 7,
                    chunk: int = 10000, progress=None) -> int:
    """Add `count` synthetic people (and completions for a share of them) to a mission, in
    bulk, for demonstrations and benchmarks. Returns the number added."""
    import random
    from datetime import timedelta

    from .categories import BY_ID, CATEGORIES
    from .content import get_content
    from .models import Completion
    from .models.base import utcnow

    module_id = get_content().module_id
    rng = random.Random(seed)
    contingents = [c.id for c in mission.contingents] or [None]
    categories = [c.id for c in CATEGORIES]
    weights = [55, 6, 14, 4, 9, 9, 3]  # most peacekeepers are contingent members
    languages = ["en", "fr", "ar", "es", "ru", "zh"]
    start = db.session.scalar(select(db.func.count(Person.id)).where(
        Person.mission_id == mission.id)) or 0
    now = utcnow()
    person_table, completion_table = Person.__table__, Completion.__table__
    added = 0
    while added < count:
        n = min(chunk, count - added)
        rows = []
        for i in range(start + added, start + added + n):
            done_at = (now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
                       if rng.random() < completed_share else None)
            category = rng.choices(categories, weights)[0]
            contingent = rng.choice(contingents)
            if BY_ID[category].contingent == "never":  # only people who can exist
                contingent = None
            rows.append({
                "mission_id": mission.id, "personnel_number": f"GEN-{i:07d}",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "category": category, "contingent_id": contingent,
                "language": rng.choice(languages),
                "pin_hash": None, "created_at": now - timedelta(days=rng.randint(121, 200)),
                "completed_at": done_at,
            })
        ids = db.session.scalars(
            person_table.insert().returning(person_table.c.id, sort_by_parameter_order=True),
            rows).all()
        done = [{"person_id": pid, "module_id": module_id, "content_version": "generated",
                 "completed_at": row["completed_at"]}
                for pid, row in zip(ids, rows, strict=True) if row["completed_at"]]
        if done:
            db.session.execute(completion_table.insert(), done)
        db.session.commit()
        added += n
        if progress:
            progress(n)
    # fresh planner statistics, as the database's own maintenance would gather in time
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return added


demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demonstration mission once, and print its logins."""
    created = load_demo(current_app.instance_path)
    click.echo("Demo data loaded." if created else "Demo data already present.")
    echo_demo_logins(current_app.instance_path)


@demo_cli.command("generate")
@click.option("--people", "count", type=click.IntRange(1, 5_000_000), required=True,
              help="How many people to add.")
@click.option("--mission", "mission_code", default="UNDEMO", show_default=True)
@click.option("--completed", "completed_share", type=click.FloatRange(0, 1), default=0.45,
              show_default=True, help="Share of them who completed the module.")
def demo_generate(count: int, mission_code: str, completed_share: float) -> None:
    """Add synthetic people and completions to a mission (for demos and benchmarks)."""
    from sqlalchemy import select

    from .extensions import db
    from .models import Mission

    if mission_code == "UNDEMO":
        load_demo(current_app.instance_path)
    mission = db.session.scalar(select(Mission).where(Mission.code == mission_code))
    if mission is None:
        raise click.BadParameter(f"no mission with code {mission_code}", param_hint="--mission")
    with click.progressbar(length=count, label=f"Adding {count} people") as bar:
        generate_people(mission, count, completed_share, progress=bar.update)
    click.echo(f"added {count} people to {mission.code}")

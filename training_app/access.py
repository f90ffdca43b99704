"""Who may see what, in one place: the roles, the decorator every view wears, and every query
scoped to what the signed-in account may see.

Every view is marked with its audience (`public`, `learners`, `learners_json`, `trainers`,
`hq_staff`, `admins`); the mark is kept on the view as `audience`, so a test can check each
route against the audience it declares. Staff of one mission never see another mission's
records: the `*_or_404` lookups answer 404, so other missions are not even revealed.
Adding a role means editing AUDIENCES here, and the role-by-route test.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .models import Certificate, Cohort, Contingent, Enrolment, Mission, Person, User

LEARNER, TRAINER, HQ, ADMIN = "learner", "trainer", "hq", "admin"
STAFF_ROLES = (TRAINER, HQ, ADMIN)
# audience -> the roles it admits (public admits everyone, signed in or not)
AUDIENCES: dict[str, frozenset[str]] = {
    "public": frozenset({"anonymous", LEARNER, *STAFF_ROLES}),
    "learners": frozenset({LEARNER}),
    "learners_json": frozenset({LEARNER}),
    "trainers": frozenset({TRAINER, HQ, ADMIN}),  # HQ and admins may run cohorts too
    "hq_staff": frozenset({HQ, ADMIN}),
    "admins": frozenset({ADMIN}),
}
# which roles may create accounts of which roles
MAY_CREATE = {HQ: (TRAINER,), ADMIN: (TRAINER, HQ, ADMIN)}


def role_of(account) -> str:
    if account is None or not getattr(account, "is_authenticated", False):
        return "anonymous"
    return LEARNER if account.is_learner else account.role


def _mark(view, audience: str):
    view.audience = audience
    return view


def public(view):
    """Anyone, signed in or not."""
    return _mark(view, "public")


def learners(view):
    """A signed-in peacekeeper; anonymous visitors go to sign in, staff get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if not current_user.is_learner:
            abort(403)
        return view(*args, **kwargs)

    return _mark(wrapped, "learners")


def learners_json(view):
    """A signed-in peacekeeper's device in the background: a JSON 401/403 it understands,
    never a sign-in page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return jsonify(error="sign-in"), 401
        if not current_user.is_learner:
            return jsonify(error="learners-only"), 403
        return view(*args, **kwargs)

    return _mark(wrapped, "learners_json")


def _staff(audience: str):
    allowed = AUDIENCES[audience]

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.staff_login", next=request.full_path))
            if role_of(current_user) not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, audience)

    return decorator


trainers = _staff("trainers")
hq_staff = _staff("hq_staff")
admins = _staff("admins")


# --- what the signed-in staff member may see -------------------------------------------------

def sees_all_missions(user=None) -> bool:
    return role_of(user or current_user) == ADMIN


def can_see_mission(mission_id: int | None, user=None) -> bool:
    user = user or current_user
    return sees_all_missions(user) or (mission_id is not None and user.mission_id == mission_id)


def visible_missions() -> list[Mission]:
    query = select(Mission).order_by(Mission.name)
    if not sees_all_missions():
        query = query.where(Mission.id == current_user.mission_id)
    return list(db.session.scalars(query))


# the largest id a record can have (PostgreSQL's integer columns); anything larger is no record
MAX_ID = 2 ** 31 - 1


def id_arg(name: str) -> int | None:
    """A record id from the request's query or form, or None: absent, not a number, or no
    id any record could have."""
    value = request.values.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


def mission_or_404(mission_id: int | None) -> Mission:
    """The mission if the signed-in account may see it; 404 otherwise."""
    mission = db.session.get(Mission, mission_id) if mission_id and mission_id <= MAX_ID else None
    if mission is None or not can_see_mission(mission.id):
        abort(404)
    return mission


def visible_cohorts() -> list[Cohort]:
    """The cohorts this staff member may run: their mission's (any for an admin), newest
    first."""
    query = select(Cohort).order_by(Cohort.session_date.desc(), Cohort.id.desc())
    if not sees_all_missions():
        query = query.where(Cohort.mission_id == current_user.mission_id)
    return list(db.session.scalars(query))


def cohort_or_404(cohort_id: int) -> Cohort:
    """The cohort if the signed-in staff member's mission runs it; 404 otherwise."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_see_mission(cohort.mission_id):
        abort(404)
    return cohort


def contingent_of_mission_or_404(mission: Mission, contingent_id: int) -> Contingent:
    contingent = db.session.get(Contingent, contingent_id)
    if contingent is None or contingent.mission_id != mission.id:
        abort(404)
    return contingent


def person_of_mission_or_404(mission: Mission, person_id: int | None) -> Person:
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or person.mission_id != mission.id:
        abort(404)
    return person


def enrolled_or_404(cohort: Cohort, person_id: int | None) -> Person:
    """A person enrolled in this cohort; 404 for anyone else (another cohort or mission)."""
    person = db.session.scalar(
        select(Person).join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.cohort_id == cohort.id, Person.id == person_id)) if person_id else None
    if person is None:
        abort(404)
    return person


def enrolled_ids(cohort: Cohort, ids: set[int]) -> set[int]:
    """Of these person ids, those enrolled in the cohort (anything else is ignored)."""
    if not ids:
        return set()
    return set(db.session.scalars(select(Enrolment.person_id).where(
        Enrolment.cohort_id == cohort.id, Enrolment.person_id.in_(ids))))


def certificate_of_mission_or_404(mission: Mission, code: str) -> Certificate:
    from .certificates import codes

    normal = codes.normalise(code)
    cert = db.session.scalar(select(Certificate).join(Person).where(
        Certificate.code == normal, Person.mission_id == mission.id)) if normal else None
    if cert is None:
        abort(404)
    return cert


def may_manage_person(person: Person, user=None) -> bool:
    """HQ may act on anyone of its mission (an admin on anyone); a trainer on people enrolled
    in a cohort they run."""
    user = user or current_user
    role = role_of(user)
    if role == ADMIN:
        return True
    if role == HQ:
        return user.mission_id == person.mission_id
    if role == TRAINER and user.mission_id == person.mission_id:
        from .models.cohort import cohort_trainer

        return db.session.scalar(
            select(Enrolment.id).join(cohort_trainer,
                                      cohort_trainer.c.cohort_id == Enrolment.cohort_id)
            .where(Enrolment.person_id == person.id, cohort_trainer.c.user_id == user.id)
            .limit(1)) is not None
    return False


def may_read_case_answers(person: Person, user=None) -> bool:
    """Case-study answers are free text that may hold sensitive detail: besides the learner,
    only their cohort's trainer and their mission's HQ (and an admin) read them."""
    user = user or current_user
    if role_of(user) == LEARNER:
        return user.id == person.id
    return may_manage_person(person, user)


def managed_person_or_404(person_id: int | None) -> Person:
    person = db.session.get(Person, person_id) if person_id else None
    if person is None or not may_manage_person(person):
        abort(404)
    return person


def staff_of_mission_or_404(mission: Mission, user_id: int) -> User:
    """A staff account this user may manage in the mission: HQ its trainers, an admin any."""
    user = db.session.get(User, user_id)
    if user is None or user.mission_id != mission.id:
        abort(404)
    if user.role not in MAY_CREATE.get(role_of(current_user), ()):
        abort(403)
    return user

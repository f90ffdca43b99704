"""HQ rules as plain functions: the completion matrix, its people, the trend, mission
settings, contingents, finding certificates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select

from ..audit import record
from ..categories import CATEGORIES
from ..certificates import codes
from ..extensions import db
from ..learn import services as learn
from ..models import Certificate, Cohort, Contingent, Enrolment, Mission, Person, QuizAttempt, User
from ..models.base import utcnow


@dataclass(frozen=True)
class MatrixFilters:
    date_from: date | None = None
    date_to: date | None = None
    cohort_id: int | None = None
    language: str | None = None
    group: str | None = None  # military / police / civilian

    @property
    def categories(self) -> list[str]:
        return [c.id for c in CATEGORIES if not self.group or c.group == self.group]

    def start(self) -> datetime | None:
        return datetime.combine(self.date_from, time.min, UTC) if self.date_from else None

    def end(self) -> datetime | None:
        return (datetime.combine(self.date_to + timedelta(days=1), time.min, UTC)
                if self.date_to else None)


@dataclass
class Cell:
    """People of a cell: certified (completed, certificate valid), revoked (completed, but
    their certificate was revoked and not replaced), and all enrolled."""

    completed: int = 0
    enrolled: int = 0
    revoked: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.completed / self.enrolled) if self.enrolled else None

    def add(self, other: Cell) -> None:
        self.completed += other.completed
        self.enrolled += other.enrolled
        self.revoked += other.revoked


@dataclass
class Matrix:
    categories: list[str]
    rows: list[tuple[Contingent | None, dict[str, Cell], Cell]] = field(default_factory=list)
    column_totals: dict[str, Cell] = field(default_factory=dict)
    total: Cell = field(default_factory=Cell)


def _people_filter(mission_id: int, filters: MatrixFilters):
    conditions = [Person.mission_id == mission_id, Person.category.in_(filters.categories)]
    if filters.language:
        conditions.append(Person.language == filters.language)
    if filters.cohort_id:
        conditions.append(Person.id.in_(
            select(Enrolment.person_id).where(Enrolment.cohort_id == filters.cohort_id)))
    if filters.end():
        conditions.append(Person.created_at < filters.end())
    return conditions


def _completed_in_period(filters: MatrixFilters):
    """Person.completed_at inside the period (or at all, without one)."""
    conditions = [Person.completed_at.is_not(None)]
    if filters.start():
        conditions.append(Person.completed_at >= filters.start())
    if filters.end():
        conditions.append(Person.completed_at < filters.end())
    return and_(*conditions)


def completion_matrix(mission_id: int, filters: MatrixFilters) -> Matrix:
    """Completed / enrolled per contingent and personnel category, with totals.

    Enrolled: people of the mission (registered before the end of the period, if one is set)
    matching the filters. Completed: those of them who completed within the period.
    """
    in_period = _completed_in_period(filters)
    revoked = Person.certificate_status == "revoked"
    standing = or_(Person.certificate_status.is_(None), Person.certificate_status != "revoked")
    counts = db.session.execute(
        select(Person.contingent_id, Person.category, func.count(),
               func.count(case((and_(in_period, standing), 1))),
               func.count(case((and_(in_period, revoked), 1))))
        .where(*_people_filter(mission_id, filters))
        .group_by(Person.contingent_id, Person.category)
    ).all()
    cells: dict[int | None, dict[str, Cell]] = defaultdict(dict)
    for contingent_id, category, enrolled, completed, withdrawn in counts:
        cells[contingent_id][category] = Cell(completed=completed, enrolled=enrolled,
                                              revoked=withdrawn)

    contingents = list(db.session.scalars(
        select(Contingent).where(Contingent.mission_id == mission_id)
        .order_by(Contingent.country, Contingent.unit)))
    matrix = Matrix(categories=filters.categories)
    matrix.column_totals = {c: Cell() for c in matrix.categories}
    row_keys: list[Contingent | None] = list(contingents)
    if None in cells:
        row_keys.append(None)
    for contingent in row_keys:
        key = contingent.id if contingent else None
        row = {c: cells.get(key, {}).get(c, Cell()) for c in matrix.categories}
        row_total = Cell()
        for category, cell in row.items():
            row_total.add(cell)
            matrix.column_totals[category].add(cell)
        matrix.total.add(row_total)
        matrix.rows.append((contingent, row, row_total))
    return matrix


@dataclass(frozen=True)
class PersonRow:
    person: Person
    completed_at: datetime | None
    certificate_code: str | None  # the valid certificate, else the revoked one
    revoked: bool
    attended_classroom: bool = False  # the slides and case studies done by being present


def people_behind(mission_id: int, filters: MatrixFilters, contingent_id: int | None,
                  category: str | None, module_id: str, limit: int = 1000) -> list[PersonRow]:
    """The people counted in one cell (or a row, a column, the whole table)."""
    conditions = _people_filter(mission_id, filters)
    if contingent_id == 0:
        conditions.append(Person.contingent_id.is_(None))
    elif contingent_id is not None:
        conditions.append(Person.contingent_id == contingent_id)
    if category:
        conditions.append(Person.category == category)
    done = case((_completed_in_period(filters), Person.completed_at))
    people = db.session.execute(
        select(Person, done).where(*conditions).order_by(Person.name, Person.id).limit(limit)
    ).all()
    latest: dict[int, str] = {}
    ids = [p.id for p, _done in people]
    for i in range(0, len(ids), 900):
        # valid certificates last, so they win over revoked ones of the same person
        for person_id, code in db.session.execute(
                select(Certificate.person_id, Certificate.code)
                .where(Certificate.person_id.in_(ids[i:i + 900]),
                       Certificate.module_id == module_id)
                .order_by(Certificate.revoked_at.is_(None), Certificate.id)):
            latest[person_id] = code
    classroom = learn.attended_classroom(ids)
    return [PersonRow(p, done, latest.get(p.id), p.certificate_status == "revoked",
                      p.id in classroom)
            for p, done in people]


def completion_trend(mission_id: int, filters: MatrixFilters, weeks: int = 12
                     ) -> list[tuple[date, int]]:
    """Completions per week (weeks starting Monday), oldest first, for the filtered people."""
    end_day = filters.date_to or utcnow().date()
    start_day = filters.date_from or (end_day - timedelta(weeks=weeks - 1))
    start_day -= timedelta(days=start_day.weekday())
    start = datetime.combine(start_day, time.min, UTC)
    end = datetime.combine(end_day + timedelta(days=1), time.min, UTC)
    day = func.date(Person.completed_at)
    rows = db.session.execute(
        select(day, func.count())
        .where(Person.completed_at >= start, Person.completed_at < end,
               *_people_filter(mission_id, filters))
        .group_by(day)
    ).all()
    buckets: dict[date, int] = {}
    week = start_day
    while week <= end_day:
        buckets[week] = 0
        week += timedelta(weeks=1)
    for value, count in rows:
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        monday = d - timedelta(days=d.weekday())
        if monday in buckets:
            buckets[monday] += count
    return sorted(buckets.items())


def trend_svg_bars(points: list[tuple[date, int]], width: int = 640, height: int = 180):
    """Geometry for a bar chart drawn by the template as SVG (no JavaScript)."""
    top = max((c for _d, c in points), default=0) or 1
    n = max(len(points), 1)
    gap = 4
    bar_w = max((width - 40) / n - gap, 2)
    bars = []
    for i, (day, count) in enumerate(points):
        h = (height - 40) * count / top
        bars.append({"x": 30 + i * (bar_w + gap), "y": height - 20 - h, "w": bar_w, "h": h,
                     "count": count, "day": day})
    return {"width": width, "height": height, "bars": bars, "top": top}


def update_mission_settings(mission: Mission, actor, **values: str) -> list[str]:
    """Change mission settings; returns the names of the fields that changed (audited)."""
    changed = []
    for name, value in values.items():
        if getattr(mission, name) != value:
            changed.append(name)
            setattr(mission, name, value)
    if changed:
        record(actor, "mission.settings", mission, mission_id=mission.id, fields=changed)
    db.session.commit()
    return changed


def add_contingent(mission: Mission, country: str, unit: str, actor) -> Contingent | None:
    """A new contingent; None if the mission already has that country and unit."""
    exists = db.session.scalar(select(Contingent.id).where(
        Contingent.mission_id == mission.id, Contingent.country == country,
        Contingent.unit == unit))
    if exists:
        return None
    contingent = Contingent(mission_id=mission.id, country=country, unit=unit)
    db.session.add(contingent)
    db.session.flush()
    record(actor, "contingent.added", contingent, mission_id=mission.id, country=country,
           unit=unit)
    db.session.commit()
    return contingent


def find_certificates(mission_id: int, query: str, limit: int = 50) -> list[Certificate]:
    """Certificates of the mission by code, name (as signed, or as the record has it now) or
    personnel number."""
    q = query.strip()
    if not q:
        return []
    code = codes.normalise(q)
    stmt = select(Certificate).join(Person).where(Person.mission_id == mission_id)
    if code:
        stmt = stmt.where(Certificate.code == code)
    else:
        like = f"%{q.lower()}%"
        stmt = stmt.where(func.lower(Person.name).like(like)
                          | func.lower(Certificate.holder_name).like(like)
                          | func.lower(Person.personnel_number).like(like))
    return list(db.session.scalars(stmt.order_by(Certificate.issued_at.desc()).limit(limit)))


# --- what the HQ pages list -----------------------------------------------------------------

def cohorts_of(mission_id: int) -> list[Cohort]:
    return list(db.session.scalars(select(Cohort).where(Cohort.mission_id == mission_id)
                                   .order_by(Cohort.session_date.desc(), Cohort.id.desc())))


def contingents_of(*mission_ids: int) -> list[Contingent]:
    return list(db.session.scalars(select(Contingent).where(
        Contingent.mission_id.in_(mission_ids)).order_by(Contingent.country, Contingent.unit)))


def people_per_contingent(mission_id: int) -> dict[int | None, int]:
    return dict(db.session.execute(
        select(Person.contingent_id, func.count(Person.id))
        .where(Person.mission_id == mission_id).group_by(Person.contingent_id)).all())


def staff_of(mission_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.mission_id == mission_id)
                                   .order_by(User.role, User.name)))


def people_named(mission_id: int, text: str, limit: int = 200) -> tuple[int, ...]:
    """Ids of the mission's people whose name or personnel number contains `text`."""
    like = f"%{text.strip().lower()}%"
    return tuple(db.session.scalars(select(Person.id).where(
        Person.mission_id == mission_id,
        func.lower(Person.name).like(like) | func.lower(Person.personnel_number).like(like))
        .limit(limit)))


def submitted_attempts(mission_id: int):
    """Every submitted quiz attempt of the mission's people."""
    return db.session.scalars(select(QuizAttempt).join(
        Person, Person.id == QuizAttempt.person_id).where(
        Person.mission_id == mission_id, QuizAttempt.submitted_at.is_not(None)))

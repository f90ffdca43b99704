"""HQ rules as plain functions: the completion matrix, its people, the trend, mission
settings, contingents, finding certificates."""

from __future__ import annotations

import re
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


def update_mission_settings(mission: Mission, actor, **values: str | int | None) -> list[str]:
    """Change mission settings; returns the names of the fields that changed (audited). A
    new validity applies to certificates issued from now on: an issued one keeps the end
    date it was signed with."""
    changed = []
    for name, value in values.items():
        if getattr(mission, name) != value:
            changed.append(name)
            setattr(mission, name, value)
    if changed:
        record(actor, "mission.settings", mission, mission_id=mission.id, fields=changed)
    db.session.commit()
    return changed


MISSION_CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,19}$")
MISSION_TEXTS = ("focal_point_name", "focal_point_contact", "alternate_name",
                 "alternate_contact", "offlimits_directive")


class MissionError(Exception):
    """A mission or its contingents refused; `problems` says why, one line each (for the
    command line, which is where missions are set up)."""

    def __init__(self, *problems: str):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def create_mission(code: str, name: str, actor, self_registration: bool = True,
                   **texts: str) -> Mission:
    """A new mission with its settings (the Focal Point, the Alternate, the Off-Limits
    directive; HQ can change them later). MissionError for a malformed or taken code."""
    from ..auth.services import clean_text

    code = clean_text(code).upper()
    name = clean_text(name)
    problems = []
    if not MISSION_CODE.match(code):
        problems.append(f"mission code {code!r}: use 2 to 20 capital letters, digits or '-', "
                        "starting with a letter (for example UNMISS)")
    if not name or len(name) > 200:
        problems.append("mission name: give one of at most 200 characters")
    values = {key: clean_text(texts.get(key)) for key in MISSION_TEXTS}
    problems += [f"{key.replace('_', ' ')}: at most 200 characters"
                 for key, value in values.items() if len(value) > 200]
    if not problems and db.session.scalar(select(Mission.id).where(Mission.code == code)):
        problems.append(f"mission code {code}: a mission with this code exists already")
    if problems:
        raise MissionError(*problems)
    mission = Mission(code=code, name=name, self_registration=self_registration, **values)
    db.session.add(mission)
    db.session.flush()
    record(actor, "mission.created", mission, mission_id=mission.id, code=code)
    db.session.commit()
    return mission


def _new_contingent(mission: Mission, country: str, unit: str, actor) -> Contingent | None:
    """Add a contingent to the session (not committed); None if the mission has it."""
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
    return contingent


def add_contingent(mission: Mission, country: str, unit: str, actor) -> Contingent | None:
    """A new contingent; None if the mission already has that country and unit."""
    contingent = _new_contingent(mission, country, unit, actor)
    db.session.commit()
    return contingent


# A contingents file: a header naming the columns, then one contingent a line.
CONTINGENT_COLUMNS = {"unit name": "name", "unit": "name", "name": "name",
                      "short designation": "designation", "designation": "designation",
                      "country code": "country", "country": "country"}
MAX_CONTINGENTS = 500
UNIT_LENGTH = 120


@dataclass(frozen=True)
class ContingentsImported:
    added: list[Contingent]
    already_present: int


def _contingent_rows(text: str) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, {name, designation, country}) for each filled line, and the problems
    with the file as a whole."""
    import csv

    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        table = [(number, row) for number, row in enumerate(reader, start=1)
                 if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        return [], [f"the file is not readable as CSV: {exc}"]
    if not table:
        return [], ["the file is empty"]
    header_line, header = table[0]
    columns = [CONTINGENT_COLUMNS.get(" ".join(c.strip().lower().replace("_", " ")
                                               .replace("-", " ").split())) for c in header]
    missing = [label for key, label in (("designation", "short designation"),
                                        ("country", "country code")) if key not in columns]
    if missing:
        return [], [f"line {header_line}: the first line must name the columns unit name, "
                    f"short designation and country code (missing: {', '.join(missing)})"]
    if len(table) - 1 > MAX_CONTINGENTS:
        return [], [f"at most {MAX_CONTINGENTS} contingents in one file"]
    rows = []
    for number, row in table[1:]:
        values = {key: (row[i] if i < len(row) else "") for i, key in enumerate(columns)
                  if key}
        rows.append((number, values))
    return rows, []


def import_contingents(mission: Mission, text: str, actor) -> ContingentsImported:
    """Add the contingents a CSV file lists (unit name, short designation, ISO country
    code), all or none: MissionError with every problem found, by line, and nothing
    written. Contingents the mission already has are left as they are."""
    from ..auth.services import clean_text
    from ..i18n import countries

    rows, problems = _contingent_rows(text)
    known = {code for code, _name in countries("en")}
    wanted: dict[tuple[str, str], int] = {}
    for number, values in rows:
        country = clean_text(values.get("country")).upper()
        designation = clean_text(values.get("designation"))
        name = clean_text(values.get("name"))
        unit = f"{designation} ({name})" if designation and name else designation
        if not country:
            problems.append(f"line {number}: the country code is missing")
        elif country not in known:
            problems.append(f"line {number}: {country} is not an ISO 3166 country code (two "
                            "letters, for example GH)")
        if not designation:
            problems.append(f"line {number}: the short designation is missing")
        elif len(unit) > UNIT_LENGTH:
            problems.append(f"line {number}: designation and unit name together are longer "
                            f"than {UNIT_LENGTH} characters")
        if (country, unit) in wanted:
            problems.append(f"line {number}: the same contingent as line "
                            f"{wanted[(country, unit)]}")
        wanted.setdefault((country, unit), number)
    if not rows and not problems:
        problems.append("the file lists no contingents")
    if problems:
        raise MissionError(*problems)
    added = [c for c in (_new_contingent(mission, country, unit, actor)
                         for country, unit in wanted) if c is not None]
    db.session.commit()
    return ContingentsImported(added=added, already_present=len(wanted) - len(added))


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


EXPIRY_WINDOW_DAYS = 90


@dataclass(frozen=True)
class CertificateRegister:
    """The register page: what a search found, or else who expires soon."""

    found: list[Certificate]
    expiring: list[Certificate]


def certificate_register(mission_id: int, query: str) -> CertificateRegister:
    if query.strip():
        return CertificateRegister(find_certificates(mission_id, query), [])
    return CertificateRegister([], expiring_certificates(mission_id))


def expiring_certificates(mission_id: int, within_days: int = EXPIRY_WINDOW_DAYS,
                          limit: int = 200) -> list[Certificate]:
    """Valid certificates of the mission whose validity ends in the next `within_days` days,
    soonest first: the people to bring back to training."""
    now = utcnow()
    return list(db.session.scalars(
        select(Certificate).where(Certificate.mission_id == mission_id,
                                  Certificate.revoked_at.is_(None),
                                  Certificate.valid_until >= now,
                                  Certificate.valid_until < now + timedelta(days=within_days))
        .order_by(Certificate.valid_until, Certificate.id).limit(limit)))


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

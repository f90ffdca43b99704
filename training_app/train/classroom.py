"""The classroom: which slide the projector shows, whether it is blanked, and the session
clock against the plan's parts (45 minutes of presentation, 45 of case studies and quiz).

Every change is one conditional UPDATE, so two clicks (or two trainers' devices) never count
twice; reading the state writes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from ..extensions import db
from ..models import Cohort
from ..models.base import utcnow

CLOCK_ACTIONS = ("start", "pause", "resume", "reset")
WARNING_MINUTES = 5  # the warning shows in the last minutes of a part


@dataclass(frozen=True)
class Phase:
    number: int  # 1, 2, ...
    id: str  # the plan part's id in module.yaml ("presentation", "practice")
    minutes: int
    starts_s: int
    ends_s: int


@dataclass(frozen=True)
class Clock:
    elapsed_s: int
    running: bool
    started: bool  # it has run at all since the last reset
    phase: Phase  # the part under way (the last one once the plan is over)
    remaining_s: int  # left in that part (0 once over time)
    warning: bool  # the last WARNING_MINUTES of a part
    over_time: bool  # past the whole plan
    total_s: int


def phases(plan) -> tuple[Phase, ...]:
    """The plan's parts one after another (plan: the module's `plan`, ids and minutes)."""
    out, start = [], 0
    for number, part in enumerate(plan, start=1):
        minutes = int(part["minutes"])
        out.append(Phase(number, part["id"], minutes, start, start + minutes * 60))
        start += minutes * 60
    return tuple(out)


def elapsed_ms(cohort: Cohort, now: datetime) -> int:
    running = 0
    if cohort.clock_running_since is not None:
        running = max(0, int((now - cohort.clock_running_since).total_seconds() * 1000))
    return cohort.clock_run_ms + running


def read_clock(cohort: Cohort, plan, now: datetime | None = None) -> Clock:
    """The session clock at `now` (default: this moment)."""
    parts = phases(plan)
    elapsed = elapsed_ms(cohort, now or utcnow()) // 1000
    total = parts[-1].ends_s
    phase = next((p for p in parts if elapsed < p.ends_s), parts[-1])
    remaining = max(0, phase.ends_s - elapsed)
    over = elapsed >= total
    return Clock(elapsed_s=elapsed, running=cohort.clock_running_since is not None,
                 started=cohort.clock_run_ms > 0 or cohort.clock_running_since is not None,
                 phase=phase, remaining_s=remaining,
                 warning=not over and remaining <= WARNING_MINUTES * 60, over_time=over,
                 total_s=total)


def run_clock(cohort: Cohort, action: str, now: datetime | None = None) -> bool:
    """Start, pause, resume or reset the cohort's clock. True if the clock changed; False when
    the action does not apply to the clock as it is (a second click on Start, a Pause of a
    stopped clock). Raises ValueError for an unknown action."""
    if action not in CLOCK_ACTIONS:
        raise ValueError(action)
    now = now or utcnow()
    row = update(Cohort).where(Cohort.id == cohort.id)
    if action == "start":
        query = row.where(Cohort.clock_running_since.is_(None), Cohort.clock_run_ms == 0) \
            .values(clock_running_since=now)
    elif action == "resume":
        query = row.where(Cohort.clock_running_since.is_(None), Cohort.clock_run_ms > 0) \
            .values(clock_running_since=now)
    elif action == "pause":
        db.session.refresh(cohort)
        since = cohort.clock_running_since
        if since is None:
            return False
        # only the run this request saw: a concurrent pause has already moved it on
        query = row.where(Cohort.clock_running_since == since,
                          Cohort.clock_run_ms == cohort.clock_run_ms) \
            .values(clock_run_ms=elapsed_ms(cohort, now), clock_running_since=None)
    else:
        query = row.values(clock_run_ms=0, clock_running_since=None)
    changed = db.session.execute(query.execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    db.session.refresh(cohort)
    return bool(changed)


def set_blank(cohort: Cohort, blank: bool) -> None:
    """Blank the projector (black screen) or show the slide again."""
    db.session.execute(update(Cohort).where(Cohort.id == cohort.id)
                       .values(projector_blank=blank)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(cohort)


def go_to_slide(cohort: Cohort, number: int) -> None:
    """The presenter moved to slide `number`; the projector follows. The first move also
    records when the session began."""
    values: dict = {"current_slide": number}
    if cohort.started_at is None:
        values["started_at"] = utcnow()
    db.session.execute(update(Cohort).where(Cohort.id == cohort.id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(cohort)


def presentation_state(cohort: Cohort, plan, now: datetime | None = None) -> tuple[dict, str]:
    """What the projector and a second presenter device poll: the slide, the blank, the clock;
    and a tag that changes exactly when one of them is changed (not as the clock ticks: the
    page counts the seconds itself from `elapsed_ms` while `running`)."""
    now = now or utcnow()
    clock = read_clock(cohort, plan, now)
    since = cohort.clock_running_since.isoformat() if cohort.clock_running_since else ""
    state = {"slide": cohort.current_slide, "blank": cohort.projector_blank,
             "clock": {"elapsed_ms": elapsed_ms(cohort, now),
                       "running": clock.running, "started": clock.started}}
    key = f"{cohort.id}|{cohort.current_slide}|{cohort.projector_blank}|" \
          f"{cohort.clock_run_ms}|{since}"
    return state, hashlib.blake2s(key.encode(), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Presenter:
    """What the presenter view shows of the classroom."""

    clock: Clock
    phases: tuple[Phase, ...]
    tag: str  # presentation_state's tag, so the page knows when another device changed it


def presenter_state(cohort: Cohort, plan, now: datetime | None = None) -> Presenter:
    now = now or utcnow()
    _state, tag = presentation_state(cohort, plan, now)
    return Presenter(clock=read_clock(cohort, plan, now), phases=phases(plan), tag=tag)

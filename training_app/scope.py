"""The one place that says what a staff account may see: its own mission, or all for an admin."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .models import Mission


def staff_required(*roles: str):
    """Signed-in staff with one of the roles; anonymous users go to the staff sign-in (302),
    learners and other roles get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.staff_login", next=request.full_path))
            if current_user.is_learner or current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_see_mission(user, mission_id: int) -> bool:
    return user.role == "admin" or user.mission_id == mission_id


def visible_missions(user) -> list[Mission]:
    query = select(Mission).order_by(Mission.name)
    if user.role != "admin":
        query = query.where(Mission.id == user.mission_id)
    return list(db.session.scalars(query))


def mission_or_404(user, mission_id: int) -> Mission:
    """The mission if this user may see it; 404 otherwise, so other missions are not revealed."""
    mission = db.session.get(Mission, mission_id)
    if mission is None or not can_see_mission(user, mission_id):
        abort(404)
    return mission

"""The mission's own facts, as the module's placeholders read them in one language:
{mission}, {focal_point}, {alternate}, {offlimits_directive}."""

from __future__ import annotations

from functools import lru_cache

from .i18n import _, in_language
from .models import Mission


def mission_facts(mission: Mission | None, lang: str) -> dict[str, str]:
    """Values for the placeholders; a fact HQ has not set yet reads as such in `lang`."""

    def person(name: str, contact: str) -> str:
        return f"{name} ({contact})" if name and contact else name

    ask, unnamed, no_directive = _unset(lang)
    return {
        "mission": (mission.name if mission else "") or unnamed,
        "focal_point": (person(mission.focal_point_name, mission.focal_point_contact)
                        if mission else "") or ask,
        "alternate": (person(mission.alternate_name, mission.alternate_contact)
                      if mission else "") or ask,
        "offlimits_directive": (mission.offlimits_directive if mission else "")
        or no_directive,
    }


@lru_cache(maxsize=16)
def _unset(lang: str) -> tuple[str, str, str]:
    """How a fact HQ has not set yet reads in `lang` (the catalogues are fixed while the
    server runs)."""
    with in_language(lang):
        return (_("(your trainer will give you the name and contact)"), _("your mission"),
                _("the mission's Off-Limits directive"))

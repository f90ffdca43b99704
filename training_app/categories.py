"""The seven personnel categories of the SGTM scope, how the module groups them, and which
of them serve in a national contingent."""

from dataclasses import dataclass

from .i18n import _l


@dataclass(frozen=True)
class Category:
    id: str
    label: object  # lazy string
    group: str  # military / police / civilian (how HQ reports)
    consequences: str  # which disciplinary regime of the reference applies
    # does a person of this category belong to a national contingent? "required" (military
    # members of national contingents), "optional" (observers and staff officers, police:
    # some serve in a formed unit, others individually) or "never" (civilian personnel)
    contingent: str


CATEGORIES: tuple[Category, ...] = (
    Category("military-contingent", _l("Military member of a national contingent"),
             "military", "military", "required"),
    Category("military-observers", _l("Military observer or military staff officer"),
             "military", "police-observers", "optional"),
    Category("police", _l("Police (UN police, formerly civilian police)"),
             "police", "police-observers", "optional"),
    Category("un-volunteers", _l("UN volunteer"), "civilian", "civilian", "never"),
    Category("international-staff", _l("UN international staff"), "civilian", "civilian",
             "never"),
    Category("national-staff", _l("UN national staff"), "civilian", "civilian", "never"),
    Category("contractors", _l("UN contractor"), "civilian", "civilian", "never"),
)

BY_ID = {c.id: c for c in CATEGORIES}

GROUP_LABELS = {
    "military": _l("Military"),
    "police": _l("Police"),
    "civilian": _l("Civilian"),
}

# Order of the disciplinary regimes on the consequences slide when nothing is known of the reader.
CONSEQUENCE_GROUPS = ("military", "police-observers", "civilian")


def contingent_problem(category_id: str, has_contingent: bool) -> str | None:
    """Why this category and contingent cannot go together, or None if they can."""
    rule = BY_ID[category_id].contingent
    if rule == "required" and not has_contingent:
        return "contingent-required"
    if rule == "never" and has_contingent:
        return "contingent-not-allowed"
    return None


def consequence_order(category_id: str | None) -> list[str]:
    """The consequence regimes, the one that applies to this category first."""
    own = BY_ID[category_id].consequences if category_id in BY_ID else None
    rest = [g for g in CONSEQUENCE_GROUPS if g != own]
    return ([own] if own else []) + rest

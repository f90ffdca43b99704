"""The seven personnel categories of the SGTM scope and how the module groups them."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Category:
    id: str
    label: object  # lazy string
    group: str  # military / police / civilian (how HQ reports)
    consequences: str  # which disciplinary regime of the reference applies


CATEGORIES: tuple[Category, ...] = (
    Category("military-contingent", _l("Military member of a national contingent"),
             "military", "military"),
    Category("military-observers", _l("Military observer or military staff officer"),
             "military", "police-observers"),
    Category("police", _l("Police (UN police, formerly civilian police)"),
             "police", "police-observers"),
    Category("un-volunteers", _l("UN volunteer"), "civilian", "civilian"),
    Category("international-staff", _l("UN international staff"), "civilian", "civilian"),
    Category("national-staff", _l("UN national staff"), "civilian", "civilian"),
    Category("contractors", _l("UN contractor"), "civilian", "civilian"),
)

BY_ID = {c.id: c for c in CATEGORIES}

GROUP_LABELS = {
    "military": _l("Military"),
    "police": _l("Police"),
    "civilian": _l("Civilian"),
}

# Order of the disciplinary regimes on the consequences slide when nothing is known of the reader.
CONSEQUENCE_GROUPS = ("military", "police-observers", "civilian")


def category(category_id: str) -> Category:
    return BY_ID[category_id]


def consequence_order(category_id: str | None) -> list[str]:
    """The consequence regimes, the one that applies to this category first."""
    own = BY_ID[category_id].consequences if category_id in BY_ID else None
    rest = [g for g in CONSEQUENCE_GROUPS if g != own]
    return ([own] if own else []) + rest

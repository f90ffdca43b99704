"""The pocket card's text for one mission in one language, and its PDF."""

from __future__ import annotations

from functools import lru_cache

from ..content.loader import Content, fill
from ..facts import mission_facts
from ..i18n import text_direction
from ..models import Mission
from .pdf import CardBlock, CardPerson, CardText, render_card_sheet


def card_facts(mission: Mission, not_set: str, lang: str) -> dict[str, str]:
    """Values for the card's placeholders in `lang`. An unset name reads `not_set` ("not
    designated yet ..."), an unset contact is left out."""
    facts = mission_facts(mission, lang)
    facts.update({
        "focal_point_name": mission.focal_point_name or not_set,
        "focal_point_contact": mission.focal_point_contact if mission.focal_point_name else "",
        "alternate_name": mission.alternate_name or not_set,
        "alternate_contact": mission.alternate_contact if mission.alternate_name else "",
    })
    return facts


def card_text(content: Content, lang: str, mission: Mission) -> CardText:
    """The card in `lang` with `mission`'s facts."""
    channels = content.text(lang, "pocket_card", "channels")
    facts = card_facts(mission, channels["not_set"], lang)
    sides: dict[str, list[CardBlock]] = {"front": [], "back": []}
    title = ""
    for section in content.pocket_card:
        words = content.text(lang, "pocket_card", section.id)
        if section.id == "heading":
            title = fill(words["title"], facts)
            block = CardBlock("title", title, (fill(words["subtitle"], facts),
                                               fill(words["motto"], facts)))
        elif section.id == "channels":
            people = tuple(
                CardPerson(fill(words[who]["label"], facts), fill(words[who]["name"], facts),
                           fill(words[who]["contact"], facts) if facts[f"{who}_contact"]
                           else "")
                for who in ("focal_point", "alternate"))
            block = CardBlock("channels", fill(words["heading"], facts),
                              tuple(fill(t, facts) for t in words["others"]),
                              intro=fill(words["intro"], facts), people=people)
        else:
            block = CardBlock("points", fill(words["heading"], facts),
                              tuple(fill(t, facts) for t in words["points"]))
        sides[section.side].append(block)
    return CardText(language=lang, direction=text_direction(lang), title=title,
                    front=tuple(sides["front"]), back=tuple(sides["back"]))


def card_pdf(content: Content, lang: str, mission: Mission) -> bytes:
    """A printable A4 sheet of pocket cards for `mission` in `lang`."""
    return _sheet(card_text(content, lang, mission))


@lru_cache(maxsize=64)
def _sheet(card: CardText) -> bytes:
    # Every learner of a mission gets the same card: draw it once per text
    return render_card_sheet(card)

"""The item analysis page trainers (one cohort) and HQ (a whole mission) share: per statement,
how many answered, the share correct and how well it discriminates, by language."""

from __future__ import annotations

from flask import g, render_template, request

from .content.items import ALL
from .i18n import _, format_percent, language_names
from .learn.services import FOCAL_POINT_STATEMENT

# below this difference between passers and failers a statement tells little apart
WEAK = 0.1


def render_item_page(content, analysis, scope_name: str, template: str, **context):
    lang = request.args.get("lang", ALL)
    if lang != ALL and lang not in analysis.languages:
        lang = ALL
    rows = sorted(analysis.items(lang), key=lambda s: (s.share_correct, s.statement_id))

    def text(sid: str) -> str:
        if sid == FOCAL_POINT_STATEMENT:
            return _("Recognising the mission's Focal Point")
        return content.text(g.lang, "quiz", sid)["statement"]

    def pct(value) -> str:
        return "–" if value is None else format_percent(value, g.lang)

    def signed(value) -> str:
        return "–" if value is None else f"{value:+.2f}"

    names = dict(language_names())
    return render_template(template, rows=rows, lang=lang, text=text, pct=pct, signed=signed,
                           weak=WEAK, scope_name=scope_name, all_key=ALL,
                           languages=[(code, names.get(code, code))
                                      for code in analysis.languages],
                           statement=lambda sid: content.quiz.statement(sid)
                           if sid != FOCAL_POINT_STATEMENT else None,
                           topic=lambda t: content.topic_label(g.lang, t), **context)

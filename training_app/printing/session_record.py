"""The session record for the training officer: when and where a classroom session was held,
by whom, who was present, their results and the certificates issued; an A4 table that runs
on to further pages with its heading repeated."""

from __future__ import annotations

from dataclasses import dataclass

from .document import Document
from .text import Style, Writer

BLUE, DARK, INK, GREY, RULE = (0, 94, 155), (0, 61, 102), (20, 20, 20), (90, 90, 90), \
    (200, 200, 200)
MARGIN = 15.0
# shares of the table's width: number, name, personnel number, present, score, result,
# certificate
SHARES = (0.05, 0.27, 0.15, 0.10, 0.09, 0.14, 0.20)


@dataclass(frozen=True)
class SessionRecordText:
    """Everything printed, already translated and formatted."""

    language: str
    direction: str  # ltr / rtl
    title: str  # "Session record"
    module: str
    details: tuple[tuple[str, str], ...]  # (label, value): date, place, trainers, ...
    columns: tuple[str, ...]  # the seven headings of the table
    rows: tuple[tuple[str, ...], ...]  # a learner each, seven cells
    footer: str  # when and by whom it was printed


def render_session_record(text: SessionRecordText) -> bytes:
    return draw_session_record(text).output()


def draw_session_record(text: SessionRecordText) -> Document:
    doc = Document(title=f"{text.title}: {text.details[0][1]}" if text.details else text.title,
                   language=text.language, subject=text.module)
    w = Writer(doc, text.language, rtl=text.direction == "rtl")
    left, width = MARGIN, doc.width - 2 * MARGIN
    frame = (left, MARGIN - 2, width, doc.height - 2 * MARGIN + 4)
    doc.add_page()
    y = MARGIN
    y += w.paragraph(text.module, left, y, width, Style(10, False, GREY, 1.25), "start",
                     frame)
    y += w.paragraph(text.title, left, y, width, Style(16, True, DARK, 1.2), "start",
                     frame) + 2.0
    label_w = width * 0.28
    label, value = Style(9.5, False, GREY, 1.3), Style(10, True, INK, 1.3)
    for caption, entry in text.details:
        cap_x, val_x = (left + width - label_w, left) if w.rtl else (left, left + label_w)
        h1 = w.paragraph(caption, cap_x, y, label_w - 2, label, "start", frame)
        h2 = w.paragraph(entry or "–", val_x, y, width - label_w, value, "start", frame)
        y += max(h1, h2) + 0.6
    y += 3.0
    cell = Style(8.5, False, INK, 1.25)
    head = Style(8.5, True, DARK, 1.25)
    bottom = doc.height - MARGIN - 8
    y = _row(doc, w, text.columns, y, head, frame, line=BLUE)
    for row in text.rows:
        if y + _row_height(w, row, cell) > bottom:
            _footer(doc, w, text.footer, frame)
            doc.add_page()
            y = _row(doc, w, text.columns, MARGIN, head, frame, line=BLUE)
        y = _row(doc, w, row, y, cell, frame)
    _footer(doc, w, text.footer, frame)
    return doc


def _columns(doc: Document, rtl: bool) -> list[tuple[float, float]]:
    """(x, width) of each column in reading order; right to left in Arabic."""
    width = doc.width - 2 * MARGIN
    spans, x = [], MARGIN
    for share in SHARES:
        spans.append((x, width * share))
        x += width * share
    if rtl:
        spans = [(doc.width - x0 - w0, w0) for x0, w0 in spans]
    return spans


def _row_height(w: Writer, cells, style: Style) -> float:
    return max(w.height(c or "–", span - 2.0, style)
               for c, (_x, span) in zip(cells, _columns(w.doc, w.rtl), strict=True)) + 1.6


def _row(doc: Document, w: Writer, cells, y: float, style: Style, frame,
         line=RULE) -> float:
    height = _row_height(w, cells, style)
    for content, (x, span) in zip(cells, _columns(doc, w.rtl), strict=True):
        w.paragraph(content or "–", x + 1.0, y + 0.8, span - 2.0, style, "start", frame)
    doc.pdf.set_draw_color(*line)
    doc.pdf.set_line_width(0.3 if line == BLUE else 0.2)
    doc.pdf.line(MARGIN, y + height, doc.width - MARGIN, y + height)
    return y + height


def _footer(doc: Document, w: Writer, footer: str, frame) -> None:
    w.paragraph(footer, MARGIN, doc.height - MARGIN - 4, doc.width - 2 * MARGIN,
                Style(7.5, False, GREY, 1.2), "start", frame)

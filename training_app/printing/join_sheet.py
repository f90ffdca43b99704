"""The join sheet a trainer puts up or hands round: the cohort, its date and place, and the
way in, as a QR code to the join page and as a code to type."""

from __future__ import annotations

from dataclasses import dataclass

from .document import Document
from .text import Style, Writer

BLUE, DARK, INK, GREY = (0, 94, 155), (0, 61, 102), (20, 20, 20), (90, 90, 90)
MARGIN = 20.0
QR_SIZE = 105.0


@dataclass(frozen=True)
class JoinSheetText:
    """Everything printed on the sheet, already translated and filled in."""

    language: str
    direction: str  # ltr / rtl
    module: str
    cohort: str
    when_where: str  # the session's date and place
    instructions: str
    code_label: str
    join_code: str
    url: str


def render_join_sheet(text: JoinSheetText) -> bytes:
    return draw_join_sheet(text).output()


def draw_join_sheet(text: JoinSheetText) -> Document:
    doc = Document(title=f"{text.cohort}: {text.code_label} {text.join_code}",
                   language=text.language, subject=text.module)
    doc.add_page()
    w = Writer(doc, text.language, rtl=text.direction == "rtl")
    left, width = MARGIN, doc.width - 2 * MARGIN
    frame = (left, MARGIN - 2, width, doc.height - 2 * MARGIN + 4)
    pdf = doc.pdf
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(1.0)
    pdf.rect(MARGIN - 8, MARGIN - 8, doc.width - 2 * MARGIN + 16, doc.height - 2 * MARGIN + 16)

    y = MARGIN + 4
    y += w.paragraph(text.module, left, y, width, Style(11, False, GREY, 1.25), "center",
                     frame) + 3
    cohort = w.fit(text.cohort, width, Style(26, True, DARK, 1.15), 16, max_lines=2)
    y += w.paragraph(text.cohort, left, y, width, cohort, "center", frame) + 2
    y += w.paragraph(text.when_where, left, y, width, Style(14, False, INK, 1.25), "center",
                     frame) + 8
    y += w.paragraph(text.instructions, left + 10, y, width - 20, Style(13, False, INK, 1.35),
                     "center", frame) + 8
    doc.qr(text.url, (doc.width - QR_SIZE) / 2, y, QR_SIZE)
    y += QR_SIZE + 8
    y += w.paragraph(text.code_label, left, y, width, Style(12, False, GREY, 1.2), "center",
                     frame)
    # Large enough to read from the back of the room
    y += w.paragraph(text.join_code, left, y, width, Style(40, True, DARK, 1.15),
                     "center", frame) + 6
    url = w.fit(text.url, width, Style(13, False, BLUE, 1.2), 8, max_lines=1)
    w.paragraph(text.url, left, y, width, url, "center", frame)
    return doc

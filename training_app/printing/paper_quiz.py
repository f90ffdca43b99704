"""The paper quiz: one A4 sheet per learner with all the statements and a True and a False box
for each, and the trainer's answer key; for classrooms without devices."""

from __future__ import annotations

from dataclasses import dataclass

from .document import Document
from .text import Style, Writer

BLUE, DARK, INK, GREY = (0, 94, 155), (0, 61, 102), (20, 20, 20), (90, 90, 90)
MARGIN = 15.0
BOX = 4.2  # side of a tick box, mm
SIZES = tuple(n / 2 for n in range(21, 13, -1))  # statements at 10.5 pt down to 7 pt


@dataclass(frozen=True)
class QuizSheetText:
    """One page, already translated and filled in: a learner's sheet (their name and personnel
    number, or blank lines to write them on) or, when `answers` is given, the trainer's answer
    key of one variant, the right box of each statement ticked and the letters to compare
    with a typed entry."""

    language: str
    direction: str  # ltr / rtl
    title: str  # the module
    subtitle: str  # the cohort, its date and place
    variant_label: str  # "Variant 2": what the trainer types in with the answers
    instructions: str
    name_label: str
    number_label: str
    true_label: str  # with the letter to type: "True (T)"
    false_label: str
    statements: tuple[str, ...]
    name: str = ""
    number: str = ""
    answers: tuple[bool, ...] | None = None
    key_label: str = ""  # heading of the answer key
    key_letters: str = ""  # the key as the letters a trainer types: "1 T · 2 F · ..."


@dataclass(frozen=True)
class QuizSheets:
    """A document of sheets, in the order printed: a page each."""

    title: str
    subject: str
    language: str  # of the document (the cohort's)
    pages: tuple[QuizSheetText, ...]


def render_quiz_sheets(sheets: QuizSheets) -> bytes:
    return draw_quiz_sheets(sheets).output()


def draw_quiz_sheets(sheets: QuizSheets) -> Document:
    doc = Document(title=sheets.title, language=sheets.language, subject=sheets.subject)
    writers: dict[str, Writer] = {}
    for page in sheets.pages:
        if page.language not in writers:  # a sheet may be in the learner's own language
            writers[page.language] = Writer(doc, page.language, rtl=page.direction == "rtl")
        doc.add_page()
        _sheet(doc, writers[page.language], page, page.name, page.number)
    return doc


def _sheet(doc: Document, w: Writer, text: QuizSheetText, name: str, number: str) -> None:
    pdf = doc.pdf
    left, width = MARGIN, doc.width - 2 * MARGIN
    frame = (left, MARGIN - 2, width, doc.height - 2 * MARGIN + 4)
    y = MARGIN
    y += w.paragraph(text.title, left, y, width, Style(12.5, True, DARK, 1.2), "start", frame)
    y += w.paragraph(text.subtitle, left, y, width, Style(9.5, False, GREY, 1.25), "start",
                     frame) + 2.5
    y += w.paragraph(text.variant_label, left, y, width, Style(12, True, BLUE, 1.2), "start",
                     frame) + 1.5
    if text.answers is not None:
        y += w.paragraph(text.key_label, left, y, width, Style(13, True, BLUE, 1.2), "start",
                         frame) + 1.5
        y += w.paragraph(text.key_letters, left, y, width, Style(10, True, INK, 1.3), "start",
                         frame) + 2.0
    else:
        y = _identity(doc, w, text, name, number, y, frame) + 2.0
        y += w.paragraph(text.instructions, left, y, width, Style(9.5, False, INK, 1.3),
                         "start", frame) + 2.0
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.4)
    pdf.line(left, y, left + width, y)
    y += 2.0

    # The answer boxes sit at the end of each row: "[ ] True  [ ] False"
    labels = Style(8.5, False, INK, 1.2)
    label_w = max(w.width(text.true_label, labels.size), w.width(text.false_label, labels.size))
    choice_w = BOX + 1.5 + label_w + 3.0
    boxes_w = 2 * choice_w
    number_w = 8.0
    text_w = width - number_w - boxes_w - 3.0
    room = doc.height - MARGIN - y
    size = _fitting_size(w, text.statements, text_w, room)
    style = Style(size, False, INK, 1.25)
    for n, statement in enumerate(text.statements):
        height = max(w.height(statement, text_w, style), BOX + 1.5)
        if w.rtl:
            number_x, text_x, boxes_x = left + width - number_w, left + boxes_w + 3.0, left
        else:
            number_x, text_x, boxes_x = left, left + number_w, left + width - boxes_w
        w.paragraph(f"{n + 1}.", number_x, y, number_w - 1.5, style.at(size), "start", frame)
        w.paragraph(statement, text_x, y, text_w, style, "start", frame)
        answer = None if text.answers is None else text.answers[n]
        choices = [(text.true_label, answer is True), (text.false_label, answer is False)]
        if w.rtl:
            choices.reverse()  # True first in reading order, on the right
        for m, (label, ticked) in enumerate(choices):
            _choice(doc, w, boxes_x + m * choice_w, y + 0.4, label, ticked, labels, frame)
        y += height + 1.6
        if n < len(text.statements) - 1:
            pdf.set_draw_color(215, 215, 215)
            pdf.set_line_width(0.2)
            pdf.line(left, y - 0.8, left + width, y - 0.8)


def _identity(doc: Document, w: Writer, text: QuizSheetText, name: str, number: str,
              y: float, frame) -> float:
    """The learner's name and personnel number, printed or as lines to write on."""
    left, width = MARGIN, doc.width - 2 * MARGIN
    label = Style(9, False, GREY, 1.2)
    value = Style(11.5, True, INK, 1.2)
    fields = [(text.name_label, name, 0.62), (text.number_label, number, 0.38)]
    if w.rtl:
        fields.reverse()
    x = left
    gap = 6.0
    bottom = y
    for caption, entry, share in fields:
        field_w = (width - gap) * share
        h = w.paragraph(caption, x, y, field_w, label, "start", frame)
        h += w.paragraph(entry, x, y + h, field_w, value, "start", frame) if entry else 0.0
        line_y = y + h + (0.6 if entry else 6.5)
        doc.pdf.set_draw_color(*GREY)
        doc.pdf.set_line_width(0.25)
        doc.pdf.line(x, line_y, x + field_w, line_y)
        bottom = max(bottom, line_y)
        x += field_w + gap
    return bottom + 2.0


def _choice(doc: Document, w: Writer, x: float, y: float, label: str, ticked: bool,
            style: Style, frame) -> None:
    """A tick box and its label, in reading order; the box holds a tick when `ticked`."""
    pdf = doc.pdf
    label_w = w.width(label, style.size, ticked)
    label_x = x if w.rtl else x + BOX + 1.5
    box_x = x + label_w + 1.5 if w.rtl else x
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.rect(box_x, y, BOX, BOX)
    if ticked:
        pdf.set_line_width(0.6)
        pdf.line(box_x + 0.8, y + BOX * 0.55, box_x + BOX * 0.42, y + BOX - 0.8)
        pdf.line(box_x + BOX * 0.42, y + BOX - 0.8, box_x + BOX - 0.6, y + 0.7)
    text_y = y + BOX / 2 - w.line_height(style) / 2
    w.line(label, label_x, text_y, label_w, Style(style.size, ticked, style.color, style.leading),
           "start", frame)


def _fitting_size(w: Writer, statements: tuple[str, ...], width: float, room: float) -> float:
    """The largest statement size at which all of them fit the page."""
    for size in SIZES:
        style = Style(size, False, INK, 1.25)
        total = sum(max(w.height(s, width, style), BOX + 1.5) + 1.6 for s in statements)
        if total <= room:
            return size
    return SIZES[-1]


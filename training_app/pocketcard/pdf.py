"""The pocket card as an A4 sheet: copies of a two-panel card (front and back, folded once
down the middle) with cut marks, the text shrunk until every panel holds all of it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from fpdf import FPDF

from ..printing import Document, Style, Writer

PANEL_W, PANEL_H = 92.0, 130.0  # one face of the folded card, in mm (about passport size)
CARD_W = 2 * PANEL_W
PAD = 4.0  # inner margin of a panel
ROOM = PANEL_H - 2 * PAD  # height a panel has for its text
SIZES = tuple(n / 10 for n in range(100, 54, -1))  # body text, 10 pt down to 5.5 pt
MIN_SIZE = SIZES[-1]
PT = 25.4 / 72  # one typographic point in mm
# Line height per point of type: Naskh's marks and descenders need more room than Latin.
LEADING = {"ar": 1.5, "zh": 1.4}
BLUE, DARK, INK, GREY = (0, 94, 155), (0, 61, 102), (20, 20, 20), (80, 80, 80)
TINT, MARKS = (228, 238, 247), (120, 120, 120)


@dataclass(frozen=True)
class CardPerson:
    """Someone to report to: what they are, their name, how to reach them ("" if not set)."""

    label: str
    name: str
    contact: str


@dataclass(frozen=True)
class CardBlock:
    """One section of a panel. kind: title (heading = title, lines = subtitle and motto),
    points (heading and bullet points) or channels (heading, intro, people, then bullets)."""

    kind: str
    heading: str
    lines: tuple[str, ...] = ()
    intro: str = ""
    people: tuple[CardPerson, ...] = ()


@dataclass(frozen=True)
class CardText:
    """Everything printed on the card, already translated and filled in."""

    language: str
    direction: str  # ltr / rtl
    title: str
    front: tuple[CardBlock, ...]
    back: tuple[CardBlock, ...]


def all_text(card: CardText) -> str:
    parts = [card.title]
    for block in (*card.front, *card.back):
        parts += [block.heading, block.intro, *block.lines]
        for person in block.people:
            parts += [person.label, person.name, person.contact]
    return " ".join(parts)


@dataclass
class _Pen:
    """Draws (draw=True) or only measures text in one card's language, through the shared
    text path; text drawn is recorded with the panel it must stay inside."""

    writer: Writer
    leading: float
    draw: bool = False
    frame: tuple[float, float, float, float] | None = None

    @property
    def pdf(self) -> FPDF:
        return self.writer.doc.pdf

    @property
    def rtl(self) -> bool:
        return self.writer.rtl

    def measuring(self) -> _Pen:
        return replace(self, draw=False)

    def text(self, x: float, y: float, w: float, text: str, size: float, bold: bool = False,
             color: tuple[int, int, int] = INK) -> float:
        """A wrapped paragraph at (x, y), `w` wide; returns its height."""
        if not text:
            return 0.0
        style = Style(size, bold, color, self.leading)
        if self.draw:
            return self.writer.paragraph(text, x, y, w, style, "start", self.frame)
        return self.writer.height(text, w, style)

    def bullet(self, x: float, y: float, w: float, text: str, size: float) -> float:
        """A point with a round bullet on the side the line starts from."""
        indent = size * PT * 1.3
        if self.draw:
            radius = size * PT * 0.15
            line = size * PT * self.leading
            cx = x + w - indent / 2 if self.rtl else x + indent / 2
            self.pdf.set_fill_color(*BLUE)
            self.pdf.circle(x=cx, y=y + line / 2, radius=radius, style="F")
        text_x = x if self.rtl else x + indent
        return self.text(text_x, y, w - indent, text, size)


def _block(pen: _Pen, block: CardBlock, x: float, y: float, w: float, size: float) -> float:
    """Draw or measure one section; returns the height it takes, spacing after included."""
    pdf, start = pen.pdf, y
    if block.kind == "title":
        # A full-width band across the top of the panel
        band_x, band_w = x - PAD, w + 2 * PAD
        inner = y + 3.5
        heights = _title_lines(pen.measuring(), block, x, inner, w, size)
        band_h = 3.5 + heights + 3.0
        if pen.draw:
            pdf.set_fill_color(*BLUE)
            pdf.rect(band_x, y - PAD, band_w, band_h + PAD, style="F")
            _title_lines(pen, block, x, inner, w, size)
        return band_h + 3.0
    y += pen.text(x, y, w, block.heading, size * 1.15, bold=True, color=DARK)
    if pen.draw:
        pdf.set_draw_color(*BLUE)
        pdf.set_line_width(0.3)
        pdf.line(x, y + 0.4, x + w, y + 0.4)
    y += 1.6
    if block.intro:
        y += pen.text(x, y, w, block.intro, size) + 0.8
    if block.people:
        y += _people(pen, block.people, x, y, w, size) + 1.4
    for line in block.lines:
        y += pen.bullet(x, y, w, line, size) + size * PT * 0.3
    return y - start + 2.2


def _title_lines(pen: _Pen, block: CardBlock, x: float, y: float, w: float,
                 size: float) -> float:
    start = y
    white = (255, 255, 255)
    y += pen.text(x, y, w, block.heading, size * 1.6, bold=True, color=white) + 0.8
    subtitle, motto = (tuple(block.lines) + ("", ""))[:2]
    y += pen.text(x, y, w, subtitle, size, color=white) + 0.8
    y += pen.text(x, y, w, motto, size * 1.1, bold=True, color=white)
    return y - start


def _people(pen: _Pen, people: tuple[CardPerson, ...], x: float, y: float, w: float,
            size: float) -> float:
    """The Focal Point and the Alternate side by side (in reading order), each in a tinted
    box of the same height: what they are, the name in bold, then the contact."""
    pad, gap = 1.4, 1.6
    column = (w - gap * (len(people) - 1)) / len(people)
    inner_w = column - 2 * pad

    def lines(p: _Pen, person: CardPerson, left: float) -> float:
        h = p.text(left + pad, y + pad, inner_w, person.label, size * 0.95, color=GREY)
        h += p.text(left + pad, y + pad + h, inner_w, person.name, size * 1.1, bold=True)
        h += p.text(left + pad, y + pad + h, inner_w, person.contact, size)
        return h

    lefts = [x + n * (column + gap) for n in range(len(people))]
    if pen.rtl:
        lefts.reverse()
    height = max(lines(pen.measuring(), p, left) for p, left in zip(people, lefts,
                                                                      strict=True)) + 2 * pad
    if pen.draw:
        for person, left in zip(people, lefts, strict=True):
            pen.pdf.set_fill_color(*TINT)
            pen.pdf.rect(left, y, column, height, style="F")
            lines(pen, person, left)
    return height


def _panel(pen: _Pen, blocks: tuple[CardBlock, ...], x: float, y: float,
           size: float) -> float:
    """Height of the panel's content from its top padding down."""
    top = y + PAD
    cursor = top
    for block in blocks:
        cursor += _block(pen, block, x + PAD, cursor, PANEL_W - 2 * PAD, size)
    return cursor - top


def fit_size(pen: _Pen, blocks: tuple[CardBlock, ...]) -> float:
    """The largest type size at which a panel holds all its text (MIN_SIZE if none does)."""
    measure = pen.measuring()
    # Text grows with the type size: halve the range of candidate sizes each time
    low, high = 0, len(SIZES) - 1  # SIZES[high] is the smallest
    while low < high:
        middle = (low + high) // 2
        if _panel(measure, blocks, 0, 0, SIZES[middle]) <= ROOM:
            high = middle
        else:
            low = middle + 1
    return SIZES[low]


def _cut_marks(pdf: FPDF, x: float, y: float) -> None:
    """Crop marks outside the card's corners and a dashed fold line down its middle."""
    pdf.set_draw_color(*MARKS)
    pdf.set_line_width(0.2)
    gap, length = 1.5, 4.0
    for cx in (x, x + CARD_W):
        for cy in (y, y + PANEL_H):
            out_x = -1 if cx == x else 1
            out_y = -1 if cy == y else 1
            pdf.line(cx + out_x * gap, cy, cx + out_x * (gap + length), cy)
            pdf.line(cx, cy + out_y * gap, cx, cy + out_y * (gap + length))
    fold = x + PANEL_W
    pdf.line(fold, y - gap - length, fold, y - gap)
    pdf.line(fold, y + PANEL_H + gap, fold, y + PANEL_H + gap + length)
    pdf.set_draw_color(190, 190, 190)
    pdf.set_dash_pattern(dash=1.2, gap=1.2)
    pdf.line(fold, y, fold, y + PANEL_H)
    pdf.set_dash_pattern()


def card_layout(card: CardText) -> tuple[Document, _Pen, dict[str, float]]:
    """A new one-page document for the card, its pen and, for the front and the back, the
    type size that fits."""
    doc = Document(title=card.title, language=card.language)
    doc.add_page()
    # The card sizes its own type to fit its panels, Arabic with a larger leading
    writer = Writer(doc, card.language, rtl=card.direction == "rtl", scale=1.0)
    pen = _Pen(writer, LEADING.get(card.language, 1.22))
    return doc, pen, {"front": fit_size(pen, card.front), "back": fit_size(pen, card.back)}


def fitted(card: CardText) -> dict[str, tuple[float, float]]:
    """For the front and the back: the type size chosen and the height in mm its text then
    takes (at most ROOM unless even MIN_SIZE is too large)."""
    doc, pen, sizes = card_layout(card)
    try:
        return {side: (sizes[side], _panel(pen.measuring(), blocks, 0, 0, sizes[side]))
                for side, blocks in (("front", card.front), ("back", card.back))}
    finally:
        doc.close()


def draw_card_sheet(card: CardText, copies: int = 2) -> Document:
    """One A4 page holding `copies` cards (at most two), each cut out and folded once."""
    doc, pen, sizes = card_layout(card)
    pdf = doc.pdf
    copies = max(1, min(copies, 2))
    left = (pdf.w - CARD_W) / 2
    spacing = (pdf.h - copies * PANEL_H) / (copies + 1)
    # Front on the side a reader starts from: left in left-to-right languages, right in Arabic
    panels = [("front", card.front), ("back", card.back)]
    if pen.rtl:
        panels.reverse()
    for n in range(copies):
        top = spacing + n * (PANEL_H + spacing)
        _cut_marks(pdf, left, top)
        for offset, (side, blocks) in zip((0.0, PANEL_W), panels, strict=True):
            panel = (left + offset, top, PANEL_W, PANEL_H)
            # Never spill past the panel, even with mission facts far longer than usual
            # (local_context keeps fpdf2's idea of colours and fonts in step with the PDF's
            # graphics state, which the clip's own save and restore would otherwise undo)
            with pdf.local_context(), pdf.rect_clip(*panel):
                _panel(replace(pen, draw=True, frame=panel), blocks, left + offset, top,
                       sizes[side])
    return doc


def render_card_sheet(card: CardText, copies: int = 2) -> bytes:
    return draw_card_sheet(card, copies).output()

"""The certificate of completion as an A4 landscape page: issuer, title, the holder's name as
the largest text, the module title once, details, an optional signature, the verification
code and its QR code; in the holder's language, optionally with a second language (English
or French) for a verifier who does not read the first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..printing import Document, Style, Writer

BLUE, DARK, INK, GREY, LIGHT = (0, 94, 155), (0, 61, 102), (20, 20, 20), (85, 85, 85), \
    (120, 120, 120)
# Page geometry (mm): A4 landscape, a double frame, text inside the inner one
FRAME_OUT, FRAME_IN = 10.0, 13.0
MARGIN = 22.0  # from the page edge to the text
QR_SIZE = 32.0
NAME_MAX, NAME_MIN = 34.0, 21.0  # the holder's name is never smaller than anything else
TITLE_SIZE = 19.0


@dataclass(frozen=True)
class CertificateWords:
    """The words of a certificate in one language, already translated and filled in.
    `statement` is the module's sentence with its {name} and {module} placeholders."""

    language: str
    title: str
    statement: str
    module: str
    details: tuple[tuple[str, str], ...]  # (label, value)
    code_line: str  # "Verification code: ABCD-EFGH-JKMN."
    verify_hint: str


@dataclass(frozen=True)
class CertificateText:
    """Everything printed on one certificate."""

    holder: str
    words: CertificateWords  # the holder's language
    code: str
    verify_url: str
    issuer: str  # the mission
    unit: str = ""  # the mission's issuing unit, e.g. its Conduct and Discipline Unit
    signatory: str = ""
    signatory_title: str = ""
    second: CertificateWords | None = None  # a second language, or None
    token: str = ""  # the signed token, kept in the PDF's metadata for offline checks

    @property
    def language(self) -> str:
        return self.words.language

    @property
    def languages(self) -> tuple[CertificateWords, ...]:
        return (self.words,) if self.second is None else (self.words, self.second)


# Punctuation and quotation marks that only made sense around a placeholder: at the start of
# a piece after one (closing marks), at the end of a piece before one (opening marks)
_EDGE = re.compile(r"^[\s,.;:،。，：；»”’\"」』》）)]+|[\s,;:،，：；«“„\"「『《（(]+$")
_LONE = re.compile(r"^[\s.,;:،。，：；!?！？«»“”„\"「」『』《》（）()]*$")


def statement_parts(statement: str) -> list[tuple[str, str]]:
    """The statement as ("text", words), ("name", "") and ("module", "") parts in reading
    order: the name and the module title are set apart, so punctuation and quotation marks
    left at a part's edge (", qui a suivi ...", «...», a final ".") are dropped."""
    parts = []
    for piece in re.split(r"(\{name\}|\{module\})", statement):
        if piece in ("{name}", "{module}"):
            parts.append((piece[1:-1], ""))
        elif not _LONE.match(piece):
            parts.append(("text", _EDGE.sub("", piece)))
    return parts


def render_certificate(text: CertificateText) -> bytes:
    return render_certificates([text])


def render_certificates(texts: list[CertificateText]) -> bytes:
    """One page per certificate, each in its own language(s); fonts loaded once."""
    return draw_certificates(texts).output()


def draw_certificates(texts: list[CertificateText]) -> Document:
    first = texts[0]
    doc = Document(title=f"{first.words.title}: {first.holder}" if len(texts) == 1
                   else first.words.title,
                   language=first.language, orientation="L", subject=first.words.module,
                   author=first.issuer, keywords=first.token if len(texts) == 1 else "")
    for text in texts:
        _draw_page(doc, text)
    return doc


@dataclass(frozen=True)
class _Item:
    """A paragraph of the certificate's central stack."""

    writer: Writer
    text: str
    style: Style
    gap: float  # space after it, mm
    max_lines: int | None = None


def _draw_page(doc: Document, text: CertificateText) -> None:
    doc.add_page()
    pdf = doc.pdf
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(1.2)
    pdf.rect(FRAME_OUT, FRAME_OUT, doc.width - 2 * FRAME_OUT, doc.height - 2 * FRAME_OUT)
    pdf.set_line_width(0.3)
    pdf.rect(FRAME_IN, FRAME_IN, doc.width - 2 * FRAME_IN, doc.height - 2 * FRAME_IN)
    frame = (MARGIN - 4, MARGIN - 6, doc.width - 2 * MARGIN + 8, doc.height - 2 * MARGIN + 12)
    x, width = MARGIN, doc.width - 2 * MARGIN
    main = Writer(doc, text.words.language)
    other = Writer(doc, text.second.language) if text.second else None

    # The issuer, once: proper names as the mission entered them
    y = MARGIN
    y += main.paragraph(text.issuer, x, y, width, Style(12.5, True, DARK, 1.25), "center",
                        frame)
    if text.unit:
        y += main.paragraph(text.unit, x, y, width, Style(10.5, False, GREY, 1.25), "center",
                            frame)
    y += 3.5
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.4)
    pdf.line(doc.width / 2 - 25, y, doc.width / 2 + 25, y)
    top = y + 4.0

    row_top, signature_above = _foot(doc, main, other, text, frame)
    bottom = row_top - (24.0 if signature_above else 5.0)
    items = _stack(main, other, text, width)
    height = sum(main_h for main_h in _heights(items, width))
    y = top + max(0.0, (bottom - top - height) / 2)  # centred in the room left
    for item in items:
        y += item.writer.paragraph(item.text, x, y, width, item.style, "center", frame,
                                   item.max_lines) + item.gap


def _heights(items: list[_Item], width: float) -> list[float]:
    heights = []
    for item in items:
        lines = len(item.writer.lines(item.text, width, item.style.size, item.style.bold))
        if item.max_lines is not None:
            lines = min(lines, item.max_lines)
        heights.append(lines * item.style.line_height + item.gap)
    return heights


def _stack(main: Writer, other: Writer | None, text: CertificateText,
           width: float) -> list[_Item]:
    """Title, the statement with the holder's name and the module title set apart, each
    with the second language's words beneath."""
    items = [_Item(main, text.words.title, Style(TITLE_SIZE, True, BLUE, 1.2), 1.0)]
    if other:
        items.append(_Item(other, text.second.title, Style(12.5, True, BLUE, 1.2), 1.0))
    items[-1] = _Item(items[-1].writer, items[-1].text, items[-1].style, 5.0)
    second = dict(_text_parts(text.second.statement)) if other else {}
    sentence, sentence_2 = Style(12.5, False, INK, 1.3), Style(10, False, GREY, 1.3)
    for index, (kind, words) in enumerate(statement_parts(text.words.statement)):
        if kind == "name":
            items.append(_Item(main, text.holder, _holder_style(main, text.holder, width),
                               3.0, max_lines=3))
        elif kind == "module":
            style = main.fit(text.words.module, width, Style(15.5, True, INK, 1.25), 12,
                             max_lines=2)
            items.append(_Item(main, text.words.module, style, 0.8 if other else 3.0))
            if other:
                style = other.fit(text.second.module, width, Style(11, True, GREY, 1.25), 9,
                                  max_lines=2)
                items.append(_Item(other, text.second.module, style, 3.0))
        else:
            items.append(_Item(main, words, sentence, 0.3 if index in second else 2.5))
            if index in second:
                items.append(_Item(other, second[index], sentence_2, 2.5))
    return items


def _text_parts(statement: str) -> list[tuple[int, str]]:
    """The second language's sentence pieces, keyed by the position of the first
    language's piece they stand beside (before the name, between, after the module)."""
    parts = statement_parts(statement)
    return [(i, words) for i, (kind, words) in enumerate(parts) if kind == "text"]


def _holder_style(main: Writer, holder: str, width: float) -> Style:
    """As large as fits on one line, else on two; never below NAME_MIN."""
    style = Style(NAME_MAX, True, DARK, 1.15)
    for lines in (1, 2):
        fitted = main.fit(holder, width, style, NAME_MIN, max_lines=lines)
        if len(main.lines(holder, width, fitted.size, True)) <= lines:
            return fitted
    return fitted


def _foot(doc: Document, main: Writer, other: Writer | None, text: CertificateText,
          frame) -> tuple[float, bool]:
    """The verification line at the foot; above it a row of details, QR code and signature,
    the first language's details on the side its lines start from. Returns the row's top
    and whether the signature had to go above it."""
    rtl = main.rtl
    left, right = MARGIN, doc.width - MARGIN
    width = right - left
    foot = [(writer, f"{words.code_line} {words.verify_hint}") for writer, words in
            ((main, text.words), (other, text.second)) if writer is not None]
    hint = Style(8.5, False, GREY, 1.25)
    address = Style(8.5, False, DARK, 1.2)
    fitted = [(writer, words, writer.fit(words, width, hint, 6.5)) for writer, words in foot]
    foot_h = sum(w.height(words, width, style) for w, words, style in fitted)
    foot_h += main.height(text.verify_url, width, address)
    y = doc.height - MARGIN + 3 - foot_h
    foot_top = y
    for writer, words, style in fitted:
        y += writer.paragraph(words, left, y, width, style, "center", frame)
    main.paragraph(text.verify_url, left, y, width, address, "center", frame)

    row_top = foot_top - QR_SIZE - 8.0
    qr_x = left if rtl else right - QR_SIZE
    doc.qr(text.verify_url, qr_x, row_top, QR_SIZE)
    # The code on one line beneath the QR code, no wider than the frame's margin allows on
    # the page's edge: a code of wide letters (WWWW-...) is set smaller
    code_w = QR_SIZE + 2 * (MARGIN - frame[0])
    code = main.fit(text.code, code_w, Style(10.5, True, DARK, 1.2), 7.5)
    main.paragraph(text.code, qr_x - (code_w - QR_SIZE) / 2, row_top + QR_SIZE + 1.0, code_w,
                   code, "center", frame, max_lines=1)

    columns = [(main, text.words)] + ([(other, text.second)] if other else [])
    column_w = 68.0 if other else 100.0
    gap = 6.0
    label = Style(8, False, GREY, 1.2)
    value = Style(10, False, INK, 1.22)
    for n, (writer, words) in enumerate(columns):
        col_x = right - (n + 1) * column_w - n * gap if rtl else left + n * (column_w + gap)
        y = row_top - 2.0
        for caption, entry in words.details:
            y += writer.paragraph(caption, col_x, y, column_w, label, "start", frame)
            y += writer.paragraph(entry, col_x, y, column_w, value, "start", frame) + 0.8

    if not (text.signatory or text.signatory_title):
        return row_top, False
    sig_w = 60.0
    used = len(columns) * column_w + (len(columns) - 1) * gap
    room = width - used - QR_SIZE  # between the details and the QR code
    if room >= sig_w + 2 * gap:
        start = left + QR_SIZE if rtl else left + used
        sig_x = start + room / 2 - sig_w / 2
        sig_y = row_top + QR_SIZE - 12
    else:  # centred above the row, with room to sign above the line
        sig_x = doc.width / 2 - sig_w / 2
        sig_y = row_top - 13.0
    pdf = doc.pdf
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.3)
    pdf.line(sig_x, sig_y, sig_x + sig_w, sig_y)
    y = sig_y + 1.0
    if text.signatory:
        y += main.paragraph(text.signatory, sig_x, y, sig_w, Style(10, True, INK, 1.2),
                            "center", frame)
    if text.signatory_title:
        main.paragraph(text.signatory_title, sig_x, y, sig_w, Style(8.5, False, GREY, 1.2),
                       "center", frame)
    return row_top, room < sig_w + 2 * gap

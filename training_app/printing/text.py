"""The one text path of every PDF: lines broken by the layout, each line cut into runs of one
font and one direction (Unicode bidi algorithm, in fpdf2's implementation), each run shaped by
HarfBuzz and drawn on its own.

fpdf2 can pick fallback fonts and order bidirectional text itself, but it keeps a belief about
the font in force on the page that its own save/restore around a line can make false: the
line after a line that began with a fallback font was drawn with a stale font program (2.8.9:
boxes and torn letters in Arabic certificates). Here fpdf2 is never given fallback fonts or
mixed directions: every run names its font, and every line is drawn inside its own graphics
state, so no line can inherit anything from the one before.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection, TextMode

from . import fonts
from .document import Document, TextBox

PT = 25.4 / 72  # one typographic point in mm
INK = (20, 20, 20)
SCALE = {"ar": 1.12}
NO_LINE_START = frozenset("，。、；：！？）》」』】〕〉”’,.;:!?)»%")
NO_LINE_END = frozenset("（《「『【〔〈“‘(«")
# Where a line may break: any white space but the no-break spaces (U+00A0, U+2007, U+202F)
# that French and Russian put before a colon or in "2026 г."
_BREAKABLE = re.compile(r"[^\S\u00a0\u2007\u202f]+")


@dataclass(frozen=True)
class Style:
    size: float  # points
    bold: bool = False
    color: tuple[int, int, int] = INK
    leading: float = 1.3  # line height per point of type

    @property
    def line_height(self) -> float:
        return self.size * PT * self.leading

    def at(self, size: float) -> Style:
        return Style(size, self.bold, self.color, self.leading)


@dataclass(frozen=True)
class Run:
    """Part of a line in one font and one direction; text in logical order."""

    text: str
    family: str
    rtl: bool
    width: float  # at 1 pt, in mm


# Widths of runs at 1 pt and line breaks, kept between documents: the texts of one kind of
# document differ only in a name or a date.
_WIDTHS: dict[tuple, float] = {}
_RUNS: dict[tuple, tuple[Run, ...]] = {}
_BREAKS: dict[tuple, tuple[str, ...]] = {}
_CACHE_LIMIT = 50_000


_local = threading.local()


def _measurer() -> FPDF:
    """This thread's document for measuring text, never written."""
    pdf = getattr(_local, "pdf", None)
    if pdf is None:
        pdf = _local.pdf = FPDF(unit="mm")
    return pdf


def _remember(cache: dict, key: tuple, value):
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def clear_caches() -> None:
    """Forget measured widths and line breaks (tests), and this thread's measuring fonts."""
    for cache in (_WIDTHS, _RUNS, _BREAKS):
        cache.clear()
    _local.pdf = None


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x3FFFF)


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] == "L"


class Writer:
    """Measures and draws text in one language's direction and fonts on one document."""

    def __init__(self, doc: Document, language: str, rtl: bool | None = None,
                 scale: float | None = None):
        self.doc = doc
        self.language = language
        self.rtl = (language in ("ar", "fa", "he", "ur")) if rtl is None else rtl
        self.order = fonts.ORDER.get(language, fonts.DEFAULT_ORDER)
        self.cjk = language in ("zh", "ja")
        self._bold_order = tuple(name for name in self.order
                                 if name in doc.available and doc.available[name].bold)
        # Naskh reads smaller than Noto Sans at the same size: Arabic text is set larger
        self.scale = SCALE.get(language, 1.0) if scale is None else scale
        self._key = (language, self.rtl, tuple(sorted(doc.available)))

    # --- runs -------------------------------------------------------------------------------

    def _rtl_line(self, text: str) -> bool:
        """The direction to order a line in: the document's, unless the line holds letters of
        the other direction only (an English sentence shown in an Arabic document where a
        translation is missing keeps its full stop at its end); a line mixing both, or with
        no letter, follows the document."""
        kinds = {unicodedata.bidirectional(char) for char in text}
        has_rtl, has_ltr = bool(kinds & {"R", "AL"}), "L" in kinds
        if has_rtl != has_ltr:
            return has_rtl
        return self.rtl

    def runs(self, text: str, bold: bool = False) -> tuple[Run, ...]:
        """`text` (one line) as runs in visual order, left to right."""
        key = (self._key, bold, text)
        found = _RUNS.get(key)
        if found is not None:
            return found
        paragraph = BidiParagraph(
            text=text, base_direction=TextDirection.RTL if self._rtl_line(text)
            else TextDirection.LTR)
        visual = paragraph.reorder_resolved_levels()
        groups: list[list] = []  # [family, rtl, chars in visual order]
        latin_bold = bold and not any(_is_cjk(ch) for ch in text)
        for char in visual:
            ch = char.character
            if ord(ch) in fonts.INVISIBLE:
                continue
            rtl = char.embedding_level % 2 == 1
            previous = groups[-1][0] if groups else None
            family = fonts.family_for(ch, self.order, self.doc.available,
                                      prefer=None if _is_letter(ch) else previous)
            if latin_bold and family and self.doc.available[family].bold is None:
                # No bold face (Chinese): a Latin name or heading in a bold face that has it;
                # Latin inside Chinese text stays in the Chinese face, to match its weight.
                family = fonts.family_for(ch, self._bold_order, self.doc.available,
                                          prefer=previous if previous in self._bold_order
                                          else None) or family
            if family is None:  # no font has it: the glyph coverage test names it
                family = previous or self.order[0]
            if groups and groups[-1][0] == family and groups[-1][1] == rtl:
                groups[-1][2].append(ch)
            else:
                groups.append([family, rtl, [ch]])
        runs = []
        for family, rtl, chars in groups:
            logical = "".join(reversed(chars)) if rtl else "".join(chars)
            runs.append(Run(logical, family, rtl, self._measure(logical, family, rtl, bold)))
        return _remember(_RUNS, key, tuple(runs))

    def _measure(self, text: str, family: str, rtl: bool, bold: bool) -> float:
        key = (family, bold, rtl, text)
        found = _WIDTHS.get(key)
        if found is not None:
            return found
        # Measured on a document of its own: the one being drawn only gets the fonts and
        # glyphs it draws, in the order it draws them, whatever the caches held before.
        pdf = _measurer()
        style, face = self.doc.available[family].face(bold)
        fonts.add_font(pdf, family, style, face)
        pdf.set_font(family, style, 100)
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
        return _remember(_WIDTHS, key, pdf.get_string_width(text) / 100)

    def _select(self, family: str, bold: bool, size: float, rtl: bool) -> None:
        name, style = self.doc.font(family, bold)
        pdf = self.doc.pdf
        pdf.set_font(name, style, size)
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")

    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Width in mm of `text` set on one line."""
        return sum(run.width for run in self.runs(text, bold)) * size * self.scale

    # --- line breaking ----------------------------------------------------------------------

    def lines(self, text: str, width: float, size: float, bold: bool = False) -> tuple[str, ...]:
        """`text` broken into lines no wider than `width` mm at `size` pt: at spaces, or in
        Chinese between any two characters (closing punctuation stays with what it closes,
        Latin words stay whole). A word longer than a line is cut where it must."""
        key = (self._key, bold, self.cjk, size, round(width, 3), text)
        found = _BREAKS.get(key)
        if found is not None:
            return found
        room = width / size * 0.995  # a little slack for rounding
        lines: list[str] = []
        for paragraph in text.split("\n"):
            lines.extend(self._break(paragraph, room, bold))
        return _remember(_BREAKS, key, tuple(lines))

    def _tokens(self, text: str) -> tuple[list[str], str]:
        if not self.cjk:
            return [t for t in _BREAKABLE.split(text) if t], " "
        tokens: list[str] = []
        for ch in text:
            if tokens and (ch in NO_LINE_START or ch == " " or tokens[-1][-1] in NO_LINE_END
                           or (ch.isascii() and ch.isalnum() and tokens[-1][-1].isascii()
                               and tokens[-1][-1].isalnum())):
                tokens[-1] += ch
            else:
                tokens.append(ch)
        return tokens, ""

    def _break(self, text: str, room: float, bold: bool) -> list[str]:
        tokens, glue = self._tokens(text)
        glue_w = self.width(glue, 1, bold) if glue else 0.0
        lines: list[str] = []
        current, used = "", 0.0
        for token in tokens:
            token_w = self.width(token, 1, bold)
            if current and used + glue_w + token_w <= room:
                current, used = current + glue + token, used + glue_w + token_w
                continue
            if current:
                lines.append(current)
            current, used = token, token_w
            while used > room and len(current) > 1:  # longer than a line: cut anywhere
                cut = self._fitting_prefix(current, room, bold)
                lines.append(current[:cut])
                current = current[cut:]
                used = self.width(current, 1, bold)
        if current:
            lines.append(current)
        return [stripped for line in lines if (stripped := line.strip(" \t\r\n"))]

    def _fitting_prefix(self, token: str, room: float, bold: bool) -> int:
        low, high = 1, len(token) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.width(token[:middle], 1, bold) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def height(self, text: str, width: float, style: Style) -> float:
        return len(self.lines(text, width, style.size, style.bold)) * self.line_height(style)

    def line_height(self, style: Style) -> float:
        return style.line_height * self.scale

    def fit(self, text: str, width: float, style: Style, smallest: float,
            max_lines: int = 1, step: float = 0.5) -> Style:
        """The largest size from `style.size` down to `smallest` at which `text` takes at
        most `max_lines` lines (`smallest` if none does)."""
        size = style.size
        while size > smallest:
            if len(self.lines(text, width, size, style.bold)) <= max_lines:
                return style.at(size)
            size = round(size - step, 2)
        return style.at(smallest)

    # --- drawing ----------------------------------------------------------------------------

    def paragraph(self, text: str, x: float, y: float, width: float, style: Style,
                  align: str = "start", frame: tuple[float, float, float, float] | None = None,
                  max_lines: int | None = None) -> float:
        """Draw `text` wrapped to `width` at (x, y); returns the height it took.
        align: start, end (of the line in the writing direction) or center. `frame` is the
        box the text must stay inside (by default its column, down to the page's foot)."""
        lines = self.lines(text, width, style.size, style.bold)
        if max_lines is not None:
            lines = lines[:max_lines]
        frame = frame or (x, y, width, self.doc.height - y)
        line_h = self.line_height(style)
        for n, line in enumerate(lines):
            self.line(line, x, y + n * line_h, width, style, align, frame)
        return len(lines) * line_h

    def line(self, text: str, x: float, y: float, width: float, style: Style,
             align: str = "start", frame: tuple[float, float, float, float] | None = None
             ) -> float:
        """Draw one line (no wrapping) in the box (x, y, width); returns its ink width."""
        runs = self.runs(text, style.bold)
        size = style.size * self.scale
        total = sum(run.width for run in runs) * size
        if align == "center":
            left = x + (width - total) / 2
        elif (align == "end") != self.rtl:  # end of an LTR line, start of an RTL one
            left = x + width - total
        else:
            left = x
        pdf = self.doc.pdf
        h = self.line_height(style)
        with pdf.local_context():
            pdf.set_text_color(*style.color)
            cursor = left
            for run in runs:
                run_w = run.width * size
                self._select(run.family, style.bold, size, run.rtl)
                # A face without bold (Chinese) is emboldened by stroking its outlines
                faux = style.bold and self.doc.available[run.family].bold is None
                pdf.text_mode = TextMode.FILL_STROKE if faux else TextMode.FILL
                if faux:
                    pdf.set_draw_color(*style.color)
                    pdf.set_line_width(size * PT * 0.03)
                pdf.set_xy(cursor, y)
                pdf.cell(w=run_w, h=h, text=run.text)
                cursor += run_w
        used = tuple(dict.fromkeys("".join(self.doc.font(run.family, style.bold))
                                   for run in runs))
        self.doc.boxes.append(TextBox(
            page=pdf.page, x=left, y=y, w=total, h=h, frame=frame or (x, y, width, h),
            text=text, language=self.language, fonts=used, size=size))
        return total

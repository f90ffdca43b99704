"""A printable A4 document: fpdf2 set up once for every PDF of the app (metadata, fonts from
the shared cache, text shaping), vector QR codes, and a record of every line of text drawn
and the frame it had to stay in, which the tests check."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer
from fpdf.syntax import Name

from . import fonts

CREATOR = "SGTM 1 training platform"


@dataclass(frozen=True)
class TextBox:
    """One line of text as drawn: where its ink is, the frame it must stay inside (mm), what
    it says (logical order) and in which fonts."""

    page: int
    x: float
    y: float
    w: float
    h: float
    frame: tuple[float, float, float, float]  # x, y, w, h
    text: str
    language: str
    fonts: tuple[str, ...]
    size: float  # points

    def inside(self, tolerance: float = 0.05) -> bool:
        fx, fy, fw, fh = self.frame
        return (self.x >= fx - tolerance and self.y >= fy - tolerance
                and self.x + self.w <= fx + fw + tolerance
                and self.y + self.h <= fy + fh + tolerance)


class _PDF(FPDF):
    """fpdf2's document with the font programs its cloned fonts are written from."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.font_programs: dict[str, tuple[bytes, int]] = {}


def subset_tag(font: TTFFont) -> str:
    """Six capital letters naming this subset of this font (PDF 32000 9.6.4): different
    subsets, even of the same font, get different tags."""
    used = sorted(glyph.glyph_id for glyph, _ in font.subset.items() if glyph is not None)
    digest = hashlib.sha256(f"{font.name}|{font.fontkey}|{used}".encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


class _Output(OutputProducer):
    def _add_fonts(self, *args):
        pdf = self.fpdf
        tags = {}
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                tags[font.i] = subset_tag(font)  # before subsetting renumbers the glyphs
                source = pdf.font_programs.pop(font.fontkey, None)
                if source:
                    fonts.fresh_program(font, source)
        written = super()._add_fonts(*args)
        for index, obj in written.items():
            if index not in tags or obj.descendant_fonts is None:
                continue
            name = str(obj.base_font).lstrip("/").split("+", 1)[-1]
            tagged = Name(f"{tags[index]}+{name}")
            obj.base_font = tagged
            descendant = obj.descendant_fonts[0]
            descendant.base_font = tagged
            descendant.font_descriptor.font_name = tagged
        return written


@dataclass
class Document:
    """One PDF being drawn. Units are millimetres, the origin the top left corner."""

    title: str
    language: str
    orientation: str = "P"
    subject: str = ""
    author: str = ""
    keywords: str = ""
    boxes: list[TextBox] = field(default_factory=list)
    figures: list[tuple[int, float, float, float, float]] = field(default_factory=list)

    def __post_init__(self):
        pdf = _PDF(orientation=self.orientation, unit="mm", format="A4")
        pdf.set_compression(True)
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.c_margin = 0  # text is placed exactly where the layout measured it
        pdf.set_title(self.title)
        pdf.set_lang(self.language)
        pdf.set_creator(CREATOR)
        if self.subject:
            pdf.set_subject(self.subject)
        if self.author:
            pdf.set_author(self.author)
        if self.keywords:
            pdf.set_keywords(self.keywords)
        # Every run of text is shaped by HarfBuzz in the direction the layout resolved
        pdf.set_text_shaping(use_shaping_engine=True)
        self.pdf = pdf
        self.available = fonts.families()

    @property
    def width(self) -> float:
        return self.pdf.w

    @property
    def height(self) -> float:
        return self.pdf.h

    def add_page(self) -> None:
        self.pdf.add_page()

    def font(self, family: str, bold: bool) -> tuple[str, str]:
        """The fpdf2 (family, style) for text in `family`, registering it on first use."""
        style, face = self.available[family].face(bold)
        source = fonts.add_font(self.pdf, family, style, face)
        if source:
            self.pdf.font_programs[f"{family}{style}"] = source
        return family, style

    def qr(self, data: str, x: float, y: float, size: float) -> None:
        """A QR code (error correction M) `size` mm square at (x, y), drawn as vector
        squares: sharp at any scale, a few hundred bytes, and no image decoder involved.
        Keep a white margin of four modules around it."""
        self.figures.append((self.pdf.page, x, y, size, size))
        code = segno.make(data, error="m")
        matrix = code.matrix
        module = size / len(matrix)
        k = self.pdf.k
        top = self.pdf.h - y  # PDF user space starts at the bottom left
        squares = []
        for row, line in enumerate(matrix):
            col = 0
            while col < len(line):
                if not line[col]:
                    col += 1
                    continue
                start = col
                while col < len(line) and line[col]:
                    col += 1
                squares.append(f"{(x + start * module) * k:.3f} "
                               f"{(top - (row + 1) * module) * k:.3f} "
                               f"{(col - start) * module * k:.3f} {module * k:.3f} re")
        # One path filled once: adjacent modules join without hairline seams in viewers
        self.pdf._out(f"q 0 g {' '.join(squares)} f Q")

    def output(self) -> bytes:
        return bytes(self.pdf.output(output_producer_class=_Output))

    def close(self) -> None:
        """Release a document that is only measured and never written."""
        self.pdf.font_programs.clear()

"""The fonts every printed document draws with, which one draws each character, and a cache
of parsed fonts shared by all documents of the process.

Parsing a font (its cmap, metrics and glyph table) is most of the time a PDF takes: 35-60 ms
for the Chinese subset alone. A font is parsed once per process into a template; each
document gets a clone that shares the template's read-only tables and keeps its own record
of the glyphs it used. When the document is written, the clone is given a private copy of
the font program to subset (fpdf2 subsets in place), so templates are never changed.
"""

from __future__ import annotations

import copy
import io
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"


@dataclass(frozen=True)
class Face:
    """One font file in one style."""

    path: str
    number: int = 0  # the font's index in a collection (.ttc)


@dataclass(frozen=True)
class Family:
    """A typeface: its regular face and, where it has one, its bold face."""

    name: str  # fpdf2 family name
    regular: Face
    bold: Face | None = None

    def face(self, bold: bool) -> tuple[str, Face]:
        """(fpdf2 style, face) for regular or bold text; regular where there is no bold."""
        if bold and self.bold:
            return "B", self.bold
        return "", self.regular


LATIN = Family("latin", Face(str(FONT_DIR / "NotoSans-Regular.ttf")),
               Face(str(FONT_DIR / "NotoSans-Bold.ttf")))
ARABIC = Family("arabic", Face(str(FONT_DIR / "NotoNaskhArabic-Regular.ttf")),
                Face(str(FONT_DIR / "NotoNaskhArabic-Bold.ttf")))
# Chinese: the shipped subset of Noto Sans SC (GB 2312 and the module's own text, see
# tools/make_font_subsets.py). A name with a rarer character is drawn with the full Noto Sans
# CJK where Debian's fonts-noto-cjk (or an operator) installed it.
CJK = Family("cjk", Face(str(FONT_DIR / "NotoSansSC-Subset.ttf")))
_CJK_FULL = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: SC
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
)

# Which family draws a character, in order of preference, by the language of the text: a
# script's own face first, so that punctuation and digits in a line stay in its face.
ORDER = {"ar": ("arabic", "latin", "cjk", "cjkfull"), "zh": ("cjk", "latin", "arabic", "cjkfull")}
DEFAULT_ORDER = ("latin", "arabic", "cjk", "cjkfull")


def cjk_full() -> Family | None:
    """The full Noto Sans CJK SC, where the system has it."""
    for path, number in _CJK_FULL:
        if Path(path).exists():
            return Family("cjkfull", Face(path, number))
    return None


def families() -> dict[str, Family]:
    found = {f.name: f for f in (LATIN, ARABIC, CJK)}
    full = cjk_full()
    if full:
        found[full.name] = full
    return found


@lru_cache(maxsize=16)
def coverage(face: Face) -> frozenset[int]:
    """The characters a face has a glyph for."""
    with TTFont(face.path, lazy=True, fontNumber=face.number) as font:
        return frozenset(font.getBestCmap())


# Characters that take no glyph of their own: the text path drops them before drawing.
INVISIBLE = frozenset({0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF,
                       *range(0x202A, 0x202F), *range(0x2066, 0x206A)})


def family_for(char: str, order: tuple[str, ...], available: dict[str, Family],
               prefer: str | None = None) -> str | None:
    """The first family in `order` (after `prefer`, if it has the character) that draws
    `char`; None if none does."""
    code = ord(char)
    if prefer and prefer in available and code in coverage(available[prefer].regular):
        return prefer
    for name in order:
        family = available.get(name)
        if family and code in coverage(family.regular):
            return name
    return None


# --- parsed fonts shared across documents -------------------------------------------------

_templates: dict[Face, tuple[TTFFont, bytes]] = {}
_lock = threading.Lock()


def _template(face: Face) -> tuple[TTFFont, bytes]:
    found = _templates.get(face)
    if found:
        return found
    with _lock:
        if face not in _templates:
            data = _program(face)
            scratch = FPDF()
            scratch.add_font("template", "", face.path, collection_font_number=face.number)
            font = scratch.fonts["template"]
            # Read now, under the lock, every table drawing reads later, so that documents
            # drawn in parallel threads only ever read the template.
            font.ttfont.getGlyphOrder()
            for table in ("hmtx", "cmap", "post", "head", "hhea", "OS/2", "name"):
                font.ttfont[table]  # noqa: B018 - loads the table
            font.hbfont  # noqa: B018 - builds the HarfBuzz face once
            _templates[face] = (font, data)
    return _templates[face]


# Tables fpdf2 drops when it embeds a subset (shaping has already used them). Leaving them out
# of the program it subsets saves the subsetter decompiling them for every document.
_NOT_EMBEDDED = ("GDEF", "GSUB", "GPOS", "MATH", "FFTM", "hdmx", "meta", "sbix", "CBDT",
                 "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR", "DSIG")


def _program(face: Face) -> bytes:
    """The font as fpdf2 will embed it: without the tables it drops anyway, and without the
    character map and glyph names, which a PDF's CID font does not use (its CIDToGIDMap
    and ToUnicode map do their work) and which cost the most to read for every document.
    The glyph order is given from the template instead (see fresh_program)."""
    with TTFont(face.path, lazy=True, recalcTimestamp=False, fontNumber=face.number) as font:
        font.getGlyphOrder()  # while the names are still there
        for tag in (*_NOT_EMBEDDED, "cmap"):
            if tag in font:
                del font[tag]
        font["post"].formatType = 3.0
        empty = CmapSubtable.newSubtable(4)  # the subsetter reads one
        empty.platformID, empty.platEncID, empty.language, empty.cmap = 3, 1, 0, {}
        font["cmap"] = newTable("cmap")
        font["cmap"].tableVersion, font["cmap"].tables = 0, [empty]
        out = io.BytesIO()
        font.save(out)
        return out.getvalue()


def add_font(pdf: FPDF, family: str, style: str, face: Face) -> tuple[bytes, int] | None:
    """Add `face` to the document as `family` + `style`, cloned from the shared template.
    Returns the font program the document must be written from (see `fresh_program`), or
    None if the document already had the font."""
    fontkey = f"{family}{style}"
    if fontkey in pdf.fonts:
        return None
    template, data = _template(face)
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.cw = template.cw.copy()  # a defaultdict: a read can insert, so each its own
    font.desc = copy.copy(template.desc)  # the writer names and numbers it per document
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    # fpdf2 sets the size on the HarfBuzz font before shaping: each document its own font
    # object, over the one parsed face all share
    font._hbfont = type(template.hbfont)(template.hbfont.face)
    pdf.fonts[fontkey] = font
    return data, face.number


def fresh_program(font: TTFFont, source: tuple[bytes, int]) -> None:
    """Give a clone its own copy of the font program just before the document is written:
    fpdf2 subsets `font.ttfont` in place, then closes it."""
    data, number = source
    order = font.ttfont.getGlyphOrder()  # the template's, which names the glyphs used
    # recalcBBoxes=False: glyphs the subset keeps are copied as they are, not recompiled
    program = TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    program.setGlyphOrder(list(order))
    font.ttfont = program
    font._hbfont = None


def clear_cache() -> None:
    """Forget the parsed fonts (tests: to compare with fonts parsed afresh)."""
    with _lock:
        for font, _ in _templates.values():
            font.close()
        _templates.clear()


def warm_up() -> list[Face]:
    """Parse the shipped fonts now (gunicorn does it once, before its workers fork), so that
    no worker's first certificate in Arabic or Chinese pays for it. Returns the faces."""
    faces = [face for family in (LATIN, ARABIC, CJK)
             for face in (family.regular, family.bold) if face is not None]
    for face in faces:
        _template(face)
        coverage(face)
    return faces


def parsed(face: Face) -> bool:
    """Whether this process already holds the face parsed."""
    return face in _templates

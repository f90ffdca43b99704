"""Checks that a PDF shows what its layout was asked to print: the words poppler reads at
each line's place against the line's text, the glyphs painted against the fonts embedded,
every line inside its frame, metadata. Used by the PDF tests of every kind of document."""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from fpdf.bidi import BidiParagraph
from fpdf.enums import TextDirection
from pypdf import PdfReader
from pypdf.generic import ContentStream

from training_app.printing import Document
from training_app.printing import fonts as printing_fonts

MM = 72 / 25.4  # points per millimetre
REQUIRED = any(os.environ.get(v) == "1" for v in ("TRAINING_REQUIRE_TOOLS",
                                                   "TRAINING_REQUIRE_BROWSER"))


def need(tool: str, package: str) -> str:
    """The path of a command-line tool; skip (or fail where CI requires it) without it."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} not found: install Debian's {package} to check PDFs with it"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return path


# --- text as poppler reads it -------------------------------------------------------------

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")


def poppler_words(data: bytes) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, every word pdftotext finds: (x0, y0, x1, y1) in points from the top left,
    and its characters in the order they are painted (left to right)."""
    pdftotext = need("pdftotext", "poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(data)
        out = subprocess.run([pdftotext, "-bbox", str(source), "-"], check=True,
                             capture_output=True).stdout.decode("utf-8")
    pages = []
    for page in out.split("<page ")[1:]:
        pages.append([(float(a), float(b), float(c), float(d), html.unescape(t))
                      for a, b, c, d, t in _WORD.findall(page)])
    return pages


def poppler_text(data: bytes) -> str:
    """The document's text as pdftotext gives it (logical order, with bidi embeddings)."""
    pdftotext = need("pdftotext", "poppler-utils")
    return subprocess.run([pdftotext, "-", "-"], input=data, check=True,
                          capture_output=True).stdout.decode("utf-8")


def invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ord(ch) in printing_fonts.INVISIBLE


def squeezed(text: str) -> str:
    """Without whitespace or bidi controls: Chinese lines break between characters, and
    extraction does not give spaces back as written."""
    return "".join(ch for ch in text if not ch.isspace() and not invisible(ch))


def split_marks(text: str) -> tuple[str, list[str]]:
    """The letters and other characters in order, and apart the combining marks (Arabic
    vowel signs) sorted: HarfBuzz may put a shadda and a fatha on one letter in another order
    than typed, and extraction may place a mark before or after its letter."""
    decomposed = unicodedata.normalize("NFD", text)
    return ("".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"),
            sorted(ch for ch in decomposed if unicodedata.category(ch) == "Mn"))


def visual(text: str, rtl: bool) -> str:
    """`text` in the order its characters appear on the page, left to right: in the
    document's direction (`rtl`), except a line whose letters are all of the other direction,
    which reads in theirs (an English sentence in an Arabic sheet ends with its full stop)."""
    clean = "".join(ch for ch in text if not invisible(ch))
    kinds = {unicodedata.bidirectional(ch) for ch in clean}
    if bool(kinds & {"R", "AL"}) != ("L" in kinds):
        rtl = bool(kinds & {"R", "AL"})
    direction = TextDirection.RTL if rtl else TextDirection.LTR
    return BidiParagraph(clean, base_direction=direction).get_reordered_string()


def letters(text: str) -> str:
    """Only the letters (no marks, digits, punctuation or spaces), in order."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] == "L")


def check_lines(doc: Document, data: bytes) -> int:
    """Each line the layout drew reads, at its place on the page, exactly as it was asked to
    print: same characters in the same visual order. Returns how many lines were checked."""
    pages = poppler_words(data)
    assert len(pages) == len({b.page for b in doc.boxes} | set(range(1, len(pages) + 1)))
    problems = []
    for box in doc.boxes:
        words = pages[box.page - 1]
        x0, x1 = box.x * MM - 1.5, (box.x + box.w) * MM + 1.5
        y0, y1 = box.y * MM, (box.y + box.h) * MM
        found = sorted((w for w in words if x0 <= (w[0] + w[2]) / 2 <= x1
                        and y0 <= (w[1] + w[3]) / 2 <= y1), key=lambda w: w[0])
        got = squeezed("".join(w[4] for w in found))
        want = squeezed(visual(box.text, rtl=_rtl(box)))
        if split_marks(got) != split_marks(want):
            problems.append(f"page {box.page}, line {box.text!r}: reads {got!r}, "
                            f"expected {want!r}")
    assert not problems, "\n".join(problems[:8])
    return len(doc.boxes)


def _rtl(box) -> bool:
    return box.language == "ar"


def check_logical_order(doc: Document, data: bytes) -> None:
    """Extracted text gives right-to-left lines back in logical (reading) order. Poppler
    orders a page's lines by the direction most of the page's letters run in, so a page
    mostly in English (an Arabic certificate with English beside it) is read left to right:
    only pages all in Arabic are checked (the per-line check covers the others)."""
    pages = PdfReader(io.BytesIO(data)).pages
    for number in range(1, len(pages) + 1):
        boxes = [b for b in doc.boxes if b.page == number]
        if not boxes or not all(_rtl(b) for b in boxes):
            continue
        text = letters(poppler_page_text(data, number))
        for box in boxes:
            if _rtl(box) and letters(box.text):
                assert letters(box.text) in text, f"not in logical order: {box.text!r}"


def poppler_page_text(data: bytes, page: int) -> str:
    pdftotext = need("pdftotext", "poppler-utils")
    return subprocess.run([pdftotext, "-f", str(page), "-l", str(page), "-", "-"], input=data,
                          check=True, capture_output=True).stdout.decode("utf-8")


def check_printed(doc: Document, expected: list[str]) -> None:
    """Every string the document was given appears, whole, in what its lines say."""
    printed = squeezed("".join(box.text for box in doc.boxes))
    missing = [s for s in expected if s and squeezed(s) not in printed]
    assert not missing, f"not printed: {missing}"


# --- layout -------------------------------------------------------------------------------

def check_frames(doc: Document) -> None:
    """Every line lies inside its frame and the page, and no two lines (or a line and a QR
    code) overlap."""
    outside = [b for b in doc.boxes if not b.inside()
               or b.x < 0 or b.y < 0 or b.x + b.w > doc.width or b.y + b.h > doc.height]
    assert not outside, [(b.text, round(b.x, 1), round(b.w, 1), b.frame) for b in outside]
    by_page: dict[int, list] = {}
    for box in doc.boxes:
        by_page.setdefault(box.page, []).append((box.x, box.y, box.w, box.h, box.text))
    for page, x, y, w, h in doc.figures:
        by_page.setdefault(page, []).append((x, y, w, h, "[QR code]"))
    for page, items in by_page.items():
        for i, a in enumerate(items):
            for b in items[i + 1:]:
                overlap_w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
                overlap_h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
                assert overlap_w <= 0.3 or overlap_h <= 0.3, \
                    f"page {page}: {a[4]!r} overlaps {b[4]!r}"


def check_coverage(doc: Document) -> None:
    """Every character of every line has a glyph in one of the fonts the line was set in."""
    faces = {}
    for family in doc.available.values():
        faces[family.name] = family.regular
        faces[family.name + "B"] = family.bold or family.regular
    for box in doc.boxes:
        covered = set().union(*(printing_fonts.coverage(faces[key]) for key in box.fonts))
        missing = {ch for ch in box.text if not ch.isspace() and not invisible(ch)
                   and ord(ch) not in covered}
        assert not missing, f"{box.text!r}: no glyph for {sorted(missing)} in {box.fonts}"


# --- the PDF itself -----------------------------------------------------------------------

def _fonts_of(page) -> dict[str, dict]:
    found = {}
    for name, ref in page["/Resources"]["/Font"].items():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        program = TTFont(io.BytesIO(
            descendant["/FontDescriptor"]["/FontFile2"].get_object().get_data()))
        gid_map = descendant["/CIDToGIDMap"].get_object().get_data()
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        to_unicode = {int(code, 16): bytes.fromhex(text).decode("utf-16-be") for code, text
                      in re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap)}
        found[name] = {"base": str(font["/BaseFont"]), "program": program,
                       "gid": gid_map, "unicode": to_unicode}
    return found


def painted_glyphs(data: bytes) -> list[tuple[str, str, int, int, str]]:
    """Every glyph the pages paint: (font, character(s) its ToUnicode gives, glyph id, code,
    resource name), read from the content streams with the font in force (Tf, q and Q
    tracked as a viewer does)."""
    reader = PdfReader(io.BytesIO(data))
    painted = []
    for page in reader.pages:
        fonts = _fonts_of(page)
        stack, current = [], None
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"q":
                stack.append(current)
            elif operator == b"Q":
                current = stack.pop()
            elif operator == b"Tf":
                current = operands[0]
            elif operator in (b"Tj", b"TJ"):
                strings = operands[0] if operator == b"TJ" else [operands[0]]
                for item in strings:
                    if not isinstance(item, (bytes, str)):
                        continue  # a kerning number in a TJ array
                    raw = getattr(item, "original_bytes", None) or bytes(item)
                    assert current is not None, "text painted before any font was set"
                    font = fonts[current]
                    for i in range(0, len(raw), 2):
                        code = int.from_bytes(raw[i:i + 2], "big")
                        gid = int.from_bytes(font["gid"][code * 2:code * 2 + 2], "big")
                        painted.append((font["base"], font["unicode"].get(code, ""), gid,
                                        code, current))
    return painted


def check_glyphs(data: bytes) -> None:
    """Every glyph painted exists in the font it is painted with: a real outline (not the
    missing-glyph box) for everything but spaces, and a character it stands for."""
    reader = PdfReader(io.BytesIO(data))
    programs = {}
    for page in reader.pages:
        for font in _fonts_of(page).values():
            programs[font["base"]] = font["program"]
    bad = []
    for base, chars, gid, code, name in painted_glyphs(data):
        program = programs[base]
        glyphs = program.getGlyphOrder()
        if chars.isspace() and chars:
            continue
        if gid == 0 or gid >= len(glyphs):
            bad.append(f"{base}: {chars or code!r} painted as missing glyph {gid} ({name})")
            continue
        glyph = program["glyf"][glyphs[gid]]
        # a glyph without a character of its own is the second glyph of a letter drawn
        # with two (a base and its dots): it must have an outline all the same
        if glyph.numberOfContours == 0 and not (
                chars and unicodedata.category(chars[0])[0] in "ZC"):
            bad.append(f"{base}: {chars or code!r} painted with an empty glyph ({name})")
    assert not bad, "\n".join(bad[:10])


def check_metadata(data: bytes, title: str, language: str) -> None:
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == title
    assert reader.trailer["/Root"]["/Lang"] == language
    bases = [str(ref.get_object()["/BaseFont"]) for page in reader.pages
             for ref in page["/Resources"]["/Font"].values()]
    tags = {base.lstrip("/").split("+")[0] for base in set(bases)}
    assert all(re.fullmatch(r"[A-Z]{6}", tag) for tag in tags), bases
    assert len(tags) == len(set(bases)), f"subset tags shared: {sorted(set(bases))}"


def check_document(doc: Document, data: bytes, expected: list[str]) -> None:
    """All of the above for one document."""
    check_printed(doc, expected)
    check_frames(doc)
    check_coverage(doc)
    check_glyphs(data)
    check_lines(doc, data)
    check_logical_order(doc, data)


def qr_codes(data: bytes) -> list[str]:
    """What the QR codes on the first page say, read from the page rendered as an image."""
    pdftoppm = need("pdftoppm", "poppler-utils")
    zbarimg = need("zbarimg", "zbar-tools")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "doc.pdf"
        source.write_bytes(data)
        subprocess.run([pdftoppm, "-r", "150", "-f", "1", "-l", "1", "-png", str(source),
                        str(Path(tmp) / "page")], check=True)
        image = next(Path(tmp).glob("page*.png"))
        result = subprocess.run([zbarimg, "--quiet", "--raw", str(image)],
                                capture_output=True, text=True)
    return result.stdout.split()


def save_images(data: bytes, name: str) -> None:
    """Keep the pages as PNG images where TRAINING_PDF_IMAGES names a folder (CI keeps them
    as artefacts)."""
    folder = os.environ.get("TRAINING_PDF_IMAGES")
    if not folder or not shutil.which("pdftoppm"):
        return
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(out / f"{name}.pdf"), str(out / name)],
                   check=True)

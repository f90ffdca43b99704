"""The certificate as a one-page PDF in the learner's language, with its code and a QR code;
and the font set-up every PDF of the app shares (register_fonts, use_language)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import segno
from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
# Chinese: the shipped subset of Noto Sans SC (GB 2312 and the module's own text, see
# tools/make_cjk_subset.py) is small enough to draw quickly; a name with a rarer character
# uses the full Noto Sans CJK where Debian's fonts-noto-cjk (or an operator) installed it.
CJK_SUBSET = FONT_DIR / "NotoSansSC-Subset.ttf"
CJK_FULL = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
)


@dataclass(frozen=True)
class CertificateText:
    """Everything printed on a certificate, already translated and filled in."""

    language: str
    direction: str  # ltr / rtl
    title: str
    statement: str
    module: str
    details: tuple[tuple[str, str], ...]  # (label, value)
    code_label: str
    code: str
    verify_hint: str
    verify_url: str
    token: str = ""  # the signed token, kept in the PDF's metadata for offline checks


@lru_cache(maxsize=1)
def _subset_coverage() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(CJK_SUBSET), lazy=True) as font:
        return frozenset(font.getBestCmap())


def cjk_font(text: str = "") -> str | None:
    """The CJK font for this text: the shipped subset if it has every character."""
    full = next((p for p in CJK_FULL if Path(p).exists()), None)
    if CJK_SUBSET.exists():
        covered = _subset_coverage()
        if full is None or all(ord(ch) in covered for ch in text if ord(ch) > 0x2E7F):
            return str(CJK_SUBSET)
    return full


def _all_text(texts: list[CertificateText]) -> str:
    return " ".join(" ".join([t.title, t.statement, t.module, t.code_label, t.verify_hint,
                              *sum(t.details, ())]) for t in texts)


def has_cjk(text: str) -> bool:
    """Chinese, Japanese or Korean characters anywhere (a name, for example)."""
    return any(0x2E80 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF
               or 0xF900 <= ord(ch) <= 0xFFEF for ch in text)


def has_arabic(text: str) -> bool:
    return any(0x0600 <= ord(ch) <= 0x06FF or 0x0750 <= ord(ch) <= 0x077F
               or 0xFB50 <= ord(ch) <= 0xFEFF for ch in text)


@dataclass(frozen=True)
class Fonts:
    """Which optional font families a document registered."""

    arabic: bool
    cjk: bool


def register_fonts(pdf: FPDF, text: str, languages: set[str]) -> Fonts:
    """Register only the fonts this text needs (all of a document's text, in `languages`):
    parsing and subsetting fonts is most of the time a PDF takes."""
    arabic = has_arabic(text)
    pdf.add_font("noto", "", str(FONT_DIR / "NotoSans-Regular.ttf"))
    if languages - {"ar", "zh"}:  # headings in Noto Sans Bold
        pdf.add_font("noto", "B", str(FONT_DIR / "NotoSans-Bold.ttf"))
    if arabic:
        pdf.add_font("naskh", "", str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
        if "ar" in languages:
            pdf.add_font("naskh", "B", str(FONT_DIR / "NotoNaskhArabic-Bold.ttf"))
    cjk = cjk_font(text) if has_cjk(text) else None
    if cjk:
        pdf.add_font("cjk", "", cjk)
    if arabic:
        # Arabic needs shaping (joined letters, right to left); with no forced direction the
        # bidi algorithm orders mixed Arabic and Latin runs. Other scripts need none, and
        # without it the fonts subset several times faster.
        pdf.set_text_shaping(use_shaping_engine=True)
    return Fonts(arabic=arabic, cjk=cjk is not None)


def use_language(pdf: FPDF, fonts: Fonts, language: str) -> tuple[str, str]:
    """Set the fallback fonts for text in `language`; returns its (family, bold style)."""
    # Arabic text is set in Naskh with Latin runs (names, codes) falling back to Noto Sans;
    # other languages the other way round.
    if language == "ar" and fonts.arabic:
        fallbacks = ["noto"]
    else:
        fallbacks = ["naskh"] if fonts.arabic else []
    if fonts.cjk:
        fallbacks.append("cjk")
    pdf.set_fallback_fonts(fallbacks, exact_match=False)
    base = "naskh" if language == "ar" and fonts.arabic else (
        "cjk" if language == "zh" and fonts.cjk else "noto")
    bold = "" if base == "cjk" else "B"
    if f"{base}B" not in pdf.fonts:  # no page in a language that sets headings in bold
        bold = ""
    return base, bold


def _qr_png(url: str) -> io.BytesIO:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=6, border=2)
    buf.seek(0)
    return buf


def render_certificate(text: CertificateText) -> bytes:
    return render_certificates([text])


def render_certificates(texts: list[CertificateText]) -> bytes:
    """One page per certificate; fonts are loaded once for the whole document."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_compression(True)
    first = texts[0]
    pdf.set_title(first.title)
    pdf.set_subject(first.module)
    pdf.set_creator("SGTM 1 training platform")
    if len(texts) == 1:
        pdf.set_lang(first.language)
        if first.token:
            pdf.set_keywords(first.token)
    pdf.set_auto_page_break(False)
    fonts = register_fonts(pdf, _all_text(texts), {t.language for t in texts})
    for text in texts:
        _draw_page(pdf, text, fonts)
    return bytes(pdf.output())


def _draw_page(pdf: FPDF, text: CertificateText, fonts: Fonts) -> None:
    base, bold = use_language(pdf, fonts, text.language)
    pdf.add_page()
    width = pdf.w - 40
    align = "R" if text.direction == "rtl" else "L"

    # Frame
    pdf.set_draw_color(0, 94, 155)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    pdf.set_text_color(0, 61, 102)
    pdf.set_font(base, bold, 26)
    pdf.set_xy(20, 26)
    pdf.multi_cell(width, 13, text.title, align="C")
    pdf.set_text_color(20, 20, 20)
    pdf.set_font(base, "", 15)
    pdf.set_x(20)
    pdf.multi_cell(width, 9, text.statement, align="C")
    pdf.ln(2)
    pdf.set_font(base, bold, 17)
    pdf.set_x(20)
    pdf.multi_cell(width, 10, text.module, align="C")
    pdf.ln(6)

    pdf.set_font(base, "", 11)
    top = pdf.get_y()
    col = 150
    start_x = pdf.w - 20 - col if text.direction == "rtl" else 20
    for label, value in text.details:
        pdf.set_x(start_x)
        pdf.set_font(base, "", 11)
        pdf.multi_cell(col, 6.5, f"{label}: {value}", align=align)

    qr_size = 42
    qr_x = 20 if text.direction == "rtl" else pdf.w - 20 - qr_size
    pdf.image(_qr_png(text.verify_url), x=qr_x, y=top, w=qr_size, h=qr_size)
    pdf.set_xy(qr_x - 20, top + qr_size + 1)
    # In the base font: a Latin run in another font here garbled later Arabic lines (fpdf2)
    pdf.set_font(base, bold, 12)
    pdf.multi_cell(qr_size + 40, 6, text.code, align="C")

    pdf.set_xy(20, pdf.h - 36)
    pdf.set_font(base, "", 10)
    pdf.set_text_color(60, 60, 60)
    pdf.multi_cell(width, 5.5, f"{text.code_label}: {text.code}", align="C")
    pdf.set_x(20)
    pdf.multi_cell(width, 5.5, text.verify_hint, align="C")
    pdf.set_x(20)
    pdf.set_font("noto", "", 9)
    pdf.multi_cell(width, 5, text.verify_url, align="C")

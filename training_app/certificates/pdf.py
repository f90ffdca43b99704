"""The certificate as a one-page PDF in the learner's language, with its code and a QR code."""

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


def needs_cjk(texts: list[CertificateText]) -> bool:
    """Chinese, Japanese or Korean characters anywhere (a name, for example)."""
    return any(0x2E80 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF
               or 0xF900 <= ord(ch) <= 0xFFEF for ch in _all_text(texts))


def needs_arabic(texts: list[CertificateText]) -> bool:
    return any(0x0600 <= ord(ch) <= 0x06FF or 0x0750 <= ord(ch) <= 0x077F
               or 0xFB50 <= ord(ch) <= 0xFEFF for ch in _all_text(texts))


def _setup_fonts(pdf: FPDF, texts: list[CertificateText]) -> tuple[bool, bool]:
    """Register only the fonts these certificates need: parsing and subsetting fonts is most
    of the time a certificate takes. Returns (Arabic in use, CJK in use)."""
    arabic = needs_arabic(texts)
    arabic_pages = any(t.language == "ar" for t in texts)
    pdf.add_font("noto", "", str(FONT_DIR / "NotoSans-Regular.ttf"))
    if any(t.language not in ("ar", "zh") for t in texts):  # titles in Noto Sans Bold
        pdf.add_font("noto", "B", str(FONT_DIR / "NotoSans-Bold.ttf"))
    if arabic:
        pdf.add_font("naskh", "", str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
        if arabic_pages:
            pdf.add_font("naskh", "B", str(FONT_DIR / "NotoNaskhArabic-Bold.ttf"))
    cjk = cjk_font(_all_text(texts)) if needs_cjk(texts) else None
    if cjk:
        pdf.add_font("cjk", "", cjk)
    return arabic, cjk is not None


def _fallbacks(pdf: FPDF, language: str, has_arabic: bool, has_cjk: bool) -> None:
    # Arabic text is set in Naskh with Latin runs (names, codes) falling back to Noto Sans;
    # other languages the other way round.
    if language == "ar" and has_arabic:
        fallbacks = ["noto"]
    else:
        fallbacks = ["naskh"] if has_arabic else []
    if has_cjk:
        fallbacks.append("cjk")
    pdf.set_fallback_fonts(fallbacks, exact_match=False)


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
    has_arabic, has_cjk = _setup_fonts(pdf, texts)
    if has_arabic:
        # Arabic needs shaping (joined letters, right to left); with no forced direction the
        # bidi algorithm orders mixed Arabic and Latin runs. Other scripts need none, and
        # without it the fonts subset several times faster.
        pdf.set_text_shaping(use_shaping_engine=True)
    for text in texts:
        _draw_page(pdf, text, has_arabic, has_cjk)
    return bytes(pdf.output())


def _draw_page(pdf: FPDF, text: CertificateText, has_arabic: bool, has_cjk: bool) -> None:
    _fallbacks(pdf, text.language, has_arabic, has_cjk)
    base = "naskh" if text.language == "ar" and has_arabic else (
        "cjk" if text.language == "zh" and has_cjk else "noto")
    bold = "" if base == "cjk" else "B"
    if base == "noto" and "notoB" not in pdf.fonts:  # no page needed the bold Latin font
        bold = ""
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

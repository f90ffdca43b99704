"""Build the certificate fonts in training_app/fonts/ from Debian's Noto fonts.

- NotoSansSC-Subset.ttf: the Simplified Chinese face of Noto Sans CJK cut down to GB 2312
  (6,763 hanzi and its symbols), Latin-1, and every character the Chinese module text and
  interface use, with its outlines converted to TrueType. Certificates then draw Chinese without
  a system CJK font, and fpdf2 subsets TrueType outlines several times faster than CFF ones.
- NotoSans-Regular.ttf / NotoSans-Bold.ttf: Noto Sans cut down to the Latin, Greek and Cyrillic
  blocks and common punctuation: every name in those scripts, at a third of the parsing time.

Usage: python tools/make_font_subsets.py   (Debian: apt-get install fonts-noto-cjk
fonts-noto-core). The fonts are under the SIL Open Font License 1.1.
"""

from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, newTable

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "training_app" / "fonts"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = FONTS / "NotoSansSC-Subset.ttf"
LATIN_SOURCES = {name: Path("/usr/share/fonts/truetype/noto") / name
                 for name in ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")}
LATIN_RANGES = [(0x20, 0x24F), (0x250, 0x2FF), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x52F),
                (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F),
                (0x2190, 0x21FF), (0x2212, 0x2212), (0x25A0, 0x25FF), (0xFB00, 0xFB06),
                (0xFEFF, 0xFEFF), (0xFFFD, 0xFFFD)]


def gb2312() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def used_in_project() -> set[str]:
    chars = set()
    for path in [*ROOT.glob("modules/*/zh/*.yaml"), *ROOT.glob("quizzes/*/zh.yaml"),
                 ROOT / "translations/zh/LC_MESSAGES/messages.po"]:
        chars |= set(path.read_text(encoding="utf-8"))
    return chars


def cff_to_truetype(font) -> None:
    """Replace CFF outlines by quadratic TrueType ones (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    del font["CFF "]
    glyf.compile(font)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\x00\x01\x00\x00"


def latin_subsets() -> None:
    from fontTools.ttLib import TTFont

    unicodes = [c for lo, hi in LATIN_RANGES for c in range(lo, hi + 1)]
    for name, source in LATIN_SOURCES.items():
        font = TTFont(str(source))
        options = subset.Options()
        options.layout_features = ["kern", "liga", "mark", "mkmk", "ccmp", "locl"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        font.save(str(FONTS / name))
        print(f"{FONTS / name}: {(FONTS / name).stat().st_size} bytes, "
              f"{len(font.getGlyphOrder())} glyphs")


def main() -> None:
    latin_subsets()
    collection = TTCollection(str(SOURCE), lazy=False)
    font = next(f for f in collection.fonts if "SC" in f["name"].getDebugName(1))
    chars = gb2312() | used_in_project() | {chr(c) for c in range(0x20, 0x100)}
    chars |= {chr(c) for c in range(0x2000, 0x2070)} | {chr(c) for c in range(0x3000, 0x3040)}
    chars |= {chr(c) for c in range(0xFF00, 0xFFF0)}
    options = subset.Options()
    options.layout_features = []  # certificates set Chinese without shaping
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.ignore_missing_unicodes = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars if not 0xD800 <= ord(c) <= 0xDFFF])
    subsetter.subset(font)
    cff_to_truetype(font)
    font.save(str(TARGET))
    print(f"{TARGET}: {TARGET.stat().st_size} bytes, {len(font.getGlyphOrder())} glyphs")


if __name__ == "__main__":
    main()

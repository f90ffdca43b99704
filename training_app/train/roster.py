"""Roster files (CSV in any common encoding, or XLSX) read into checked rows, all or nothing."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from babel import Locale

from ..auth.services import PERSONNEL_NUMBER, clean_personnel_number, clean_text
from ..categories import CATEGORIES, contingent_problem
from ..i18n import _ as gettext
from ..i18n import _l, contingent_label, in_language

MAX_ROWS = 20000
COLUMNS = ("personnel_number", "name", "category", "contingent", "language")
HEADINGS = {
    "personnel_number": _l("Personnel number"),
    "name": _l("Name"),
    "category": _l("Personnel category"),
    "contingent": _l("Contingent"),
    "language": _l("Preferred language"),
}
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


class RosterError(ValueError):
    """The file as a whole cannot be read; nothing is written."""


@dataclass
class RosterRow:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)  # "column: message"
    person_id: int | None = None  # matched existing person
    changes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.errors:
            return "error"
        if self.person_id is None:
            return "new"
        return "update" if self.changes else "unchanged"


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return re.sub(r"[\s_\-:]+", " ", text).strip()


def heading_aliases(languages: list[str]) -> dict[str, str]:
    """Every accepted column heading (ids, and the template's headings in each language)."""
    aliases = {_norm(c): c for c in COLUMNS}
    aliases.update({_norm("category"): "category", _norm("number"): "personnel_number"})
    for lang in languages:
        with in_language(lang):
            for column, heading in HEADINGS.items():
                aliases[_norm(str(heading))] = column
    return aliases


def category_aliases(languages: list[str]) -> dict[str, str]:
    aliases = {}
    for c in CATEGORIES:
        aliases[_norm(c.id)] = c.id
        for lang in languages:
            with in_language(lang):
                aliases[_norm(str(c.label))] = c.id
    return aliases


def language_aliases(languages: list[str]) -> dict[str, str]:
    aliases = {}
    for code in languages:
        aliases[_norm(code)] = code
        for shown_in in languages:
            aliases[_norm(Locale.parse(code).get_display_name(shown_in))] = code
    return aliases


def decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 (with BOM) or Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if UTF8_MULTIBYTE.search(data):
            line = data[: exc.start].count(b"\n") + 1
            raise RosterError(gettext(
                "The file mixes text encodings (line %(line)s is not UTF-8 while other lines "
                "are). Save it again as UTF-8 and retry.", line=line)) from exc
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise RosterError(gettext(
            "The file's text encoding could not be recognised. Save it as UTF-8 and retry."
        )) from exc


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of cells from CSV (comma, semicolon or tab separated) or XLSX."""
    if not data.strip():
        raise RosterError(gettext("The file is empty."))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for bad files
            raise RosterError(gettext("This is not a readable XLSX workbook.")) from exc
        sheet = book.worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in row]
                for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    text = decode(data)
    if "\x00" in text:
        raise RosterError(gettext("This does not look like a CSV file."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # old Mac and stray line ends
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise RosterError(gettext("This does not look like a CSV file.")) from exc


def parse_roster(data: bytes, filename: str, languages: list[str],
                 contingents: dict[str, int]) -> list[RosterRow]:
    """Check every row. `contingents` maps accepted contingent names to contingent ids."""
    table = [r for r in read_table(data, filename) if any(c.strip() for c in r)]
    if not table:
        raise RosterError(gettext("The file is empty."))
    aliases = heading_aliases(languages)
    header = [aliases.get(_norm(h)) for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        with_names = ", ".join(str(HEADINGS[c]) for c in missing)
        raise RosterError(gettext(
            "Columns missing: %(columns)s. Use the template: its first row names the "
            "columns.", columns=with_names))
    if len(table) - 1 > MAX_ROWS:
        raise RosterError(gettext("The file has more than %(max)s rows.", max=MAX_ROWS))
    if len(table) == 1:
        raise RosterError(gettext("The file has column headings but no people."))
    categories = category_aliases(languages)
    langs = language_aliases(languages)
    seen: dict[str, int] = {}
    rows = []
    for index, raw in enumerate(table[1:], start=2):
        cells = {col: clean_text(raw[i]) if i < len(raw) else ""
                 for i, col in enumerate(header) if col}
        row = RosterRow(line=index, values=cells)
        number = clean_personnel_number(cells.get("personnel_number"))
        cells["personnel_number"] = number
        number_heading = str(HEADINGS["personnel_number"])
        if not number:
            row.errors.append(number_heading + ": " + gettext("missing"))
        elif not PERSONNEL_NUMBER.match(number):
            row.errors.append(number_heading + ": " + gettext(
                "use letters, digits, / . or - only"))
        elif number in seen:
            row.errors.append(number_heading + ": " + gettext(
                "the same number is on line %(line)s", line=seen[number]))
        else:
            seen[number] = index
        if not cells.get("name") or len(cells["name"]) > 200:
            row.errors.append(str(HEADINGS["name"]) + ": " + gettext("missing or too long"))
        category = categories.get(_norm(cells.get("category", "")))
        if category is None:
            row.errors.append(f"{HEADINGS['category']}: " + gettext(
                "unknown category %(value)s", value=repr(cells.get("category", ""))[:60]))
        cells["category"] = category or cells.get("category", "")
        contingent_text = cells.get("contingent", "")
        if contingent_text:
            cid = contingents.get(_norm(contingent_text))
            if cid is None:
                row.errors.append(f"{HEADINGS['contingent']}: " + gettext(
                    "unknown contingent %(value)s", value=repr(contingent_text)[:60]))
            cells["contingent_id"] = cid
        else:
            cells["contingent_id"] = None
        if category is not None:
            problem = contingent_problem(category, bool(cells.get("contingent_id")))
            if problem == "contingent-required":
                row.errors.append(f"{HEADINGS['contingent']}: " + gettext(
                    "a military member of a national contingent needs their contingent"))
            elif problem == "contingent-not-allowed":
                row.errors.append(f"{HEADINGS['contingent']}: " + gettext(
                    "civilian personnel do not belong to a national contingent"))
        lang = langs.get(_norm(cells.get("language", ""))) if cells.get("language") else "en"
        if lang is None:
            row.errors.append(f"{HEADINGS['language']}: " + gettext(
                "unknown language %(value)s", value=repr(cells.get("language", ""))[:40]))
        cells["language"] = lang or "en"
        rows.append(row)
    return rows


def contingent_aliases(contingents) -> dict[str, int]:
    """Ways a roster may name a contingent: 'GH GHANBATT', 'GH — GHANBATT', or the unit."""
    aliases: dict[str, int] = {}
    units: dict[str, list[int]] = {}
    for c in contingents:
        for form in (f"{c.country} {c.unit}", contingent_label(c), f"{c.country}-{c.unit}"):
            aliases[_norm(form)] = c.id
        units.setdefault(_norm(c.unit), []).append(c.id)
    for unit, ids in units.items():
        if len(ids) == 1:  # a unit name alone only where it is unambiguous
            aliases.setdefault(unit, ids[0])
    return aliases


def template_csv(lang: str, example_contingent: str) -> bytes:
    with in_language(lang):
        header = [str(HEADINGS[c]) for c in COLUMNS]
        example = ["GH-12345", "Kofi Mensah", str(CATEGORIES[0].label), example_contingent,
                   lang]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, example])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")

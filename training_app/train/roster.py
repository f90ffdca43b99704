"""Roster files (CSV in any common encoding, or XLSX) read into checked rows, all or nothing.

A file is bounded before and while it is read: its size, an XLSX's unpacked size and parts,
the rows and columns read, and the time taken. Values are forgiven their spelling: a category
by its id, label or the usual short forms in six languages; a contingent by its unit, country
or both; near misses get a suggestion.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from babel import Locale

from ..auth.services import PERSONNEL_NUMBER, clean_personnel_number, clean_text
from ..categories import CATEGORIES, GROUP_LABELS, contingent_problem
from ..exports import neutralise
from ..i18n import _ as gettext
from ..i18n import _l, contingent_label, country_name, format_list, in_language
from .spellings import CATEGORY_SPELLINGS, GROUP_SPELLINGS

ALL_LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
MAX_ROWS = 20000  # people in one file
MAX_BYTES = 2 * 1024 * 1024  # the file as uploaded
MAX_COLUMNS = 30  # cells read per row: the roster has five, other systems' exports a few more
BLANK_ROWS_ALLOWED = 1000  # empty rows read besides the people, before the file is refused
XLSX_MAX_UNPACKED = 20 * 1024 * 1024  # all the parts of a workbook, unpacked
XLSX_MAX_PARTS = 200
XLSX_MAX_RATIO = 100  # unpacked / packed, for parts over XLSX_RATIO_FROM bytes
XLSX_RATIO_FROM = 1024 * 1024
XLSX_MAX_CELLS_IN_ROW = 1000  # cells written in one row (styled empty ones too)
XLSX_MAX_STRINGS = 200_000  # entries of the shared string table
TIME_LIMIT = 10.0  # seconds to read and check one file
SUGGESTED_VALUES = 200  # distinct unknown values per file that get a suggestion

COLUMNS = ("personnel_number", "name", "category", "contingent", "language")
HEADINGS = {
    "personnel_number": _l("Personnel number"),
    "name": _l("Name"),
    "category": _l("Personnel category"),
    "contingent": _l("Contingent"),
    "language": _l("Preferred language"),
}
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
# Arabic letters typed in more than one way (hamza on alef, final yeh, teh marbuta, Persian
# keyboards' kaf and yeh) compare as one
ARABIC_FOLDING = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                                "ک": "ك", "ی": "ي"})


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


def normalise(text) -> str:
    """The form two spellings share when they differ only in case, width, accents'
    composition, separators or punctuation: "GH — GHANBATT" and "gh-ghanbatt" are one."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold().translate(ARABIC_FOLDING)
    return "".join(ch for ch in text if ch.isalnum())


class Vocabulary:
    """The accepted spellings of one column's values, and what to suggest for a near miss."""

    def __init__(self, names: dict | None = None):
        self.names = names or {}  # value -> how a list of choices names it
        self.values: dict[str, object] = {}  # normalised spelling -> value
        self.shown: dict[str, str] = {}  # normalised spelling -> a spelling to suggest
        self.ambiguous: dict[str, list[str]] = {}  # spelling -> the values' own spellings
        self._suggested: dict[str, list[str]] = {}

    def add(self, spelling: str, value, shown_as: str | None = None) -> None:
        key = normalise(spelling)
        if not key:
            return
        if key in self.ambiguous:
            if (name := self._name(value, shown_as)) not in self.ambiguous[key]:
                self.ambiguous[key].append(name)
            return
        if key in self.values and self.values[key] != value:
            # two values answer to this spelling: neither may claim it
            first = self.values.pop(key)
            self.ambiguous[key] = [self._name(first), self._name(value, shown_as)]
            return
        self.values[key] = value
        self.shown.setdefault(key, shown_as or spelling)

    def add_group(self, spelling: str, names: list[str]) -> None:
        key = normalise(spelling)
        if key and key not in self.values:
            self.ambiguous[key] = list(names)

    def _name(self, value, fallback: str | None = None) -> str:
        return self.names.get(value) or fallback or str(value)

    def lookup(self, text: str):
        return self.values.get(normalise(text))

    def choices(self, text: str) -> list[str]:
        """The values a spelling could mean when it fits more than one."""
        return self.ambiguous.get(normalise(text), [])

    def suggestions(self, text: str, limit: int = 3) -> list[str]:
        """Accepted spellings close to `text`, at most one per value."""
        key = normalise(text)
        if key in self._suggested:
            return self._suggested[key]
        found: list[str] = []
        if key and len(self._suggested) < SUGGESTED_VALUES:
            seen = set()
            for match in difflib.get_close_matches(key, self.values, n=limit * 4, cutoff=0.7):
                if self.values[match] not in seen:
                    seen.add(self.values[match])
                    found.append(self.shown[match])
                if len(found) == limit:
                    break
        self._suggested[key] = found
        return found


# --- reading a file, bounded -----------------------------------------------------------------

class Deadline:
    """A wall-clock limit for one file, checked as it is read (a worker's own timeout does
    not fire for threaded workers)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise RosterError(gettext(
                "Reading the file took longer than %(seconds)s seconds, so it was stopped and "
                "nothing was saved. Split the roster into smaller files and retry.",
                seconds=int(self.seconds)))


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


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a personnel number a spreadsheet stored as 12345.0
    return str(value).strip()


class _Rows:
    """Collects the non-empty rows of a table, refusing it as soon as it has too many."""

    def __init__(self, deadline: Deadline):
        self.deadline = deadline
        self.rows: list[list[str]] = []
        self.read = 0

    def add(self, cells) -> None:
        self.read += 1
        if self.read % 256 == 0:
            self.deadline.check()
        cells = [_cell_text(v) for v in cells[:MAX_COLUMNS]]
        if any(cells):
            self.rows.append(cells)
        if len(self.rows) > MAX_ROWS + 1 or self.read > MAX_ROWS + 1 + BLANK_ROWS_ALLOWED:
            raise RosterError(gettext("The file has more than %(max)s rows.", max=MAX_ROWS))


def _too_complex() -> RosterError:
    return RosterError(gettext(
        "This workbook is not a plain roster: it unpacks to more than %(max)s MB or has too "
        "many parts. Copy the roster into a new workbook and retry.",
        max=XLSX_MAX_UNPACKED // (1024 * 1024)))


def check_workbook_archive(data: bytes, deadline: Deadline) -> None:
    """Refuse a workbook whose parts would unpack too large, before anything unpacks them
    (zipfile stops every part at the size the archive declares, so declared sizes hold), then
    one that has too many rows, cells in a row or shared strings, before openpyxl builds them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise RosterError(gettext("This is not a readable XLSX workbook.")) from exc
    if len(parts) > XLSX_MAX_PARTS:
        raise _too_complex()
    if sum(p.file_size for p in parts) > XLSX_MAX_UNPACKED:
        raise _too_complex()
    for part in parts:
        if part.file_size > XLSX_RATIO_FROM and (
                part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1)):
            raise _too_complex()
    for part in parts:
        if part.filename.endswith(".xml"):
            _count_part(archive, part, deadline)


class _PartCounts:
    def __init__(self):
        self.rows = self.cells = self.strings = 0


def _count_part(archive: zipfile.ZipFile, part: zipfile.ZipInfo, deadline: Deadline) -> None:
    """Count one part's rows, cells per row and shared strings with expat, in constant
    memory (openpyxl builds a whole row, and the whole string table, at once)."""
    counts = _PartCounts()
    last_row = MAX_ROWS + 1 + BLANK_ROWS_ALLOWED

    def start(name, attrs):
        local = name[name.rfind(" ") + 1:]
        if local == "c":
            counts.cells += 1
            if counts.cells > XLSX_MAX_CELLS_IN_ROW:
                raise RosterError(gettext(
                    "A row of this workbook has more than %(max)s cells. Copy the roster into "
                    "a new workbook and retry.", max=XLSX_MAX_CELLS_IN_ROW))
        elif local == "row":
            counts.rows += 1
            counts.cells = 0
            number = attrs.get("r", "")  # a row placed far down stands for the empty ones above
            if counts.rows > last_row or (number.isdigit() and int(number) > last_row):
                raise RosterError(gettext("The file has more than %(max)s rows.",
                                          max=MAX_ROWS))
        elif local == "si":
            counts.strings += 1
            if counts.strings > XLSX_MAX_STRINGS:
                raise _too_complex()

    def refuse(*_args):  # a workbook part never declares a DTD or entities
        raise RosterError(gettext("This is not a readable XLSX workbook."))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
                deadline.check()
        parser.Parse(b"", True)
    except RosterError:
        raise
    except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise RosterError(gettext("This is not a readable XLSX workbook.")) from exc


def _read_xlsx(data: bytes, rows: _Rows) -> None:
    from openpyxl import load_workbook

    check_workbook_archive(data, rows.deadline)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for bad files
        raise RosterError(gettext("This is not a readable XLSX workbook.")) from exc
    try:
        if not book.worksheets:
            raise RosterError(gettext("This is not a readable XLSX workbook."))
        sheet = book.worksheets[0]
        # The sheet's own dimension tag is not believed (a hostile one claims a million rows
        # of 16,384 columns): rows and columns are bounded here, and reading stops at the cap.
        for values in sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 2 + BLANK_ROWS_ALLOWED,
                                      max_col=MAX_COLUMNS, values_only=True):
            rows.add(values)
    except RosterError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken part shows only while reading
        raise RosterError(gettext("This is not a readable XLSX workbook.")) from exc
    finally:
        book.close()


def _read_csv(data: bytes, rows: _Rows) -> None:
    text = decode(data)
    if "\x00" in text:
        raise RosterError(gettext("This does not look like a CSV file."))
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # old Mac and stray line ends
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    try:
        for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.add(cells)
    except csv.Error as exc:
        raise RosterError(gettext("This does not look like a CSV file.")) from exc


def read_table(data: bytes, filename: str, deadline: Deadline | None = None) -> list[list[str]]:
    """The non-empty rows of cells of a CSV (comma, semicolon or tab separated) or XLSX file,
    at most MAX_COLUMNS cells each; RosterError as soon as a limit is passed."""
    if len(data) > MAX_BYTES:
        raise RosterError(gettext("The file is larger than %(max)s MB.",
                                  max=MAX_BYTES // (1024 * 1024)))
    if not data.strip():
        raise RosterError(gettext("The file is empty."))
    rows = _Rows(deadline or Deadline(TIME_LIMIT))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        _read_xlsx(data, rows)
    else:
        _read_csv(data, rows)
    return rows.rows


# --- what each column accepts ----------------------------------------------------------------

def heading_aliases(languages) -> dict[str, str]:
    """Every accepted column heading (ids, and the template's headings in each language)."""
    aliases = {normalise(c): c for c in COLUMNS}
    aliases.update({normalise("category"): "category",
                    normalise("number"): "personnel_number"})
    for lang in languages:
        with in_language(lang):
            for column, heading in HEADINGS.items():
                aliases[normalise(str(heading))] = column
    return aliases


def category_vocabulary(languages=ALL_LANGUAGES) -> Vocabulary:
    """A category by its id, its label in any language, or another system's spelling."""
    vocabulary = Vocabulary({c.id: str(c.label) for c in CATEGORIES})  # the page's language
    for c in CATEGORIES:
        vocabulary.add(c.id, c.id)
        for lang in languages:
            with in_language(lang):
                vocabulary.add(str(c.label), c.id)
            for spelling in CATEGORY_SPELLINGS.get(c.id, {}).get(lang, ()):
                vocabulary.add(spelling, c.id)
    # of HQ's report groups, "Military" and "Police" name one category each; "Civilian" four
    civilians = [vocabulary.names[c.id] for c in CATEGORIES if c.group == "civilian"]
    for lang in languages:
        with in_language(lang):
            vocabulary.add(str(GROUP_LABELS["military"]), "military-contingent")
            vocabulary.add(str(GROUP_LABELS["police"]), "police")
            vocabulary.add_group(str(GROUP_LABELS["civilian"]), civilians)
    for spellings in GROUP_SPELLINGS.values():
        for spelling in spellings:
            vocabulary.add_group(spelling, civilians)
    return vocabulary


def contingent_aliases(contingents, languages=ALL_LANGUAGES) -> Vocabulary:
    """A contingent by its unit ("GHANBATT"), its country's code or name ("GH", "Ghana",
    "غانا"; only where the mission has one contingent of that country) or both
    ("GH GHANBATT", "Ghana — GHANBATT")."""
    contingents = list(contingents)
    vocabulary = Vocabulary({c.id: contingent_label(c) for c in contingents})
    for c in contingents:
        vocabulary.add(f"{c.country} {c.unit}", c.id)
        vocabulary.add(contingent_label(c), c.id)
        for lang in languages:
            vocabulary.add(contingent_label(c, lang), c.id)
    for c in contingents:  # alone, a unit or a country counts only if it is unambiguous
        vocabulary.add(c.unit, c.id)
        vocabulary.add(c.country, c.id)
        for lang in languages:
            vocabulary.add(country_name(c.country, lang), c.id)
    return vocabulary


def language_aliases(languages) -> dict[str, str]:
    aliases = {}
    for code in languages:
        aliases[normalise(code)] = code
        for shown_in in languages:
            aliases[normalise(Locale.parse(code).get_display_name(shown_in))] = code
    return aliases


# --- checking rows ---------------------------------------------------------------------------

def parse_roster(data: bytes, filename: str, languages, contingents: Vocabulary,
                 time_limit: float = TIME_LIMIT) -> list[RosterRow]:
    """Check every row. `contingents` is the mission's `contingent_aliases`."""
    deadline = Deadline(time_limit)
    table = read_table(data, filename, deadline)
    if not table:
        raise RosterError(gettext("The file is empty."))
    aliases = heading_aliases(languages)
    header = [aliases.get(normalise(h)) for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        with_names = ", ".join(str(HEADINGS[c]) for c in missing)
        raise RosterError(gettext(
            "Columns missing: %(columns)s. Use the template: its first row names the "
            "columns.", columns=with_names))
    if len(table) == 1:
        raise RosterError(gettext("The file has column headings but no people."))
    categories = category_vocabulary(languages)
    langs = language_aliases(languages)
    named = {column: str(heading) for column, heading in HEADINGS.items()}
    seen: dict[str, int] = {}
    rows = []
    for index, raw in enumerate(table[1:], start=2):
        if index % 256 == 0:
            deadline.check()
        cells = {col: clean_text(raw[i]) if i < len(raw) else ""
                 for i, col in enumerate(header) if col}
        row = RosterRow(line=index, values=cells)
        number = clean_personnel_number(cells.get("personnel_number"))
        cells["personnel_number"] = number
        number_heading = named["personnel_number"]
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
            row.errors.append(named["name"] + ": " + gettext("missing or too long"))
        category_text = cells.get("category", "")
        category = categories.lookup(category_text)
        if category is None:
            row.errors.append(named["category"] + ": " + _category_problem(
                categories, category_text))
        cells["category"] = category or category_text
        contingent_text = cells.get("contingent", "")
        if contingent_text:
            cid = contingents.lookup(contingent_text)
            if cid is None:
                row.errors.append(named["contingent"] + ": " + _contingent_problem(
                    contingents, contingent_text))
            cells["contingent_id"] = cid
        else:
            cells["contingent_id"] = None
        if category is not None and (cells["contingent_id"] or not contingent_text):
            # (an unknown contingent has its own message; "needs their contingent" would
            # only repeat it)
            problem = contingent_problem(category, bool(cells.get("contingent_id")))
            if problem == "contingent-required":
                row.errors.append(named["contingent"] + ": " + gettext(
                    "a military member of a national contingent needs their contingent"))
            elif problem == "contingent-not-allowed":
                row.errors.append(named["contingent"] + ": " + gettext(
                    "civilian personnel do not belong to a national contingent"))
        lang = langs.get(normalise(cells.get("language", ""))) if cells.get("language") else "en"
        if lang is None:
            row.errors.append(named["language"] + ": " + gettext(
                "unknown language %(value)s", value=repr(cells.get("language", ""))[:40]))
        cells["language"] = lang or "en"
        rows.append(row)
    return rows


def _category_problem(categories: Vocabulary, text: str) -> str:
    value = repr(text)[:60]
    choices = categories.choices(text)
    if choices:
        return gettext("%(value)s fits more than one personnel category: %(choices)s. "
                       "Write which one.", value=value, choices=format_list(choices, "or"))
    near = categories.suggestions(text)
    if near:
        return gettext("unknown category %(value)s: did you mean %(suggestions)s?",
                       value=value, suggestions=format_list(near, "or"))
    return gettext("unknown category %(value)s", value=value)


def _contingent_problem(contingents: Vocabulary, text: str) -> str:
    value = repr(text)[:60]
    choices = contingents.choices(text)
    if choices:
        return gettext("%(value)s fits more than one contingent of this mission: "
                       "%(choices)s. Write the unit.", value=value,
                       choices=format_list(choices, "or"))
    near = contingents.suggestions(text)
    if near:
        return gettext("unknown contingent %(value)s: did you mean %(suggestions)s?",
                       value=value, suggestions=format_list(near, "or"))
    return gettext("unknown contingent %(value)s", value=value)


# --- what the import page lists, and the templates -------------------------------------------

@dataclass(frozen=True)
class AcceptedCategory:
    id: str
    label: str
    also: tuple[str, ...]  # a few other spellings, in the page's language first


def accepted_categories(lang: str) -> list[AcceptedCategory]:
    """The categories as the import page lists them, in `lang`."""
    def distinct(spellings, limit: int, shown: str) -> list[str]:
        # a spelling that only adds to one already shown (a plural, a longer form) is left out
        chosen: list[str] = []
        for spelling in spellings:
            if not any(normalise(spelling).startswith(normalise(c))
                       for c in (shown, *chosen)):
                chosen.append(spelling)
        return chosen[:limit]

    out = []
    with in_language(lang):
        for c in CATEGORIES:
            spellings = CATEGORY_SPELLINGS.get(c.id, {})
            label = str(c.label)
            also = distinct(spellings.get(lang, ()), 4, label)
            if lang != "en":
                with in_language("en"):
                    also += distinct(spellings.get("en", ()), 2, str(c.label))
            out.append(AcceptedCategory(c.id, label, tuple(also)))
    return out


@dataclass(frozen=True)
class AcceptedContingent:
    unit: str
    country_code: str
    country: str


def accepted_contingents(contingents, lang: str) -> list[AcceptedContingent]:
    return [AcceptedContingent(c.unit, c.country, country_name(c.country, lang))
            for c in contingents]


def template_csv(lang: str) -> bytes:
    """The headings only: a template imported unchanged imports nobody."""
    with in_language(lang):
        header = [str(HEADINGS[c]) for c in COLUMNS]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(header)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def template_xlsx(lang: str, contingents, languages=ALL_LANGUAGES) -> bytes:
    """The roster sheet (headings, and drop-down lists on the category, contingent and
    language columns), an instructions sheet, and the lists on a hidden sheet. No sample
    person: a template imported unchanged imports nobody."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    with in_language(lang):
        book = Workbook()
        sheet = book.active
        sheet.title = str(gettext("Roster"))[:31]
        sheet.append([str(HEADINGS[c]) for c in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDE", (18, 30, 44, 30, 20), strict=True):
            sheet.column_dimensions[column].width = width
        if Locale.parse(lang).text_direction == "rtl":
            sheet.sheet_view.rightToLeft = True

        lists = book.create_sheet(str(gettext("Lists"))[:31])
        values = {
            "category": [str(c.label) for c in CATEGORIES],
            "contingent": [contingent_label(c, lang) for c in contingents],
            "language": [Locale.parse(code).get_display_name(lang) for code in languages],
        }
        last = MAX_ROWS + 1
        title = lists.title.replace("'", "''")
        for col, (column, letter) in enumerate((("category", "C"), ("contingent", "D"),
                                                ("language", "E")), start=1):
            lists.cell(row=1, column=col, value=str(HEADINGS[column]))
            for row, value in enumerate(values[column], start=2):
                lists.cell(row=row, column=col, value=neutralise(value)).data_type = "s"
            if not values[column]:
                continue
            ref = f"'{title}'!${'ABC'[col - 1]}$2:${'ABC'[col - 1]}${len(values[column]) + 1}"
            check = DataValidation(
                type="list", formula1=ref, allow_blank=True, showErrorMessage=True,
                errorStyle="warning", errorTitle=str(gettext("Check this value")),
                error=str(gettext("This value is not in the list. The import accepts other "
                                  "spellings too, and checks every row before saving.")))
            check.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(check)
        lists.sheet_state = "hidden"

        notes = book.create_sheet(str(gettext("Instructions"))[:31], 1)
        lines = [
            gettext("One row per person on the sheet %(sheet)s, under the headings. Keep the "
                    "headings as they are.", sheet=sheet.title),
            gettext("Choose the personnel category, the contingent and the preferred language "
                    "from the drop-down lists. Other spellings are accepted too: the import "
                    "page lists them."),
            gettext("A military member of a national contingent needs their contingent; "
                    "civilian personnel have none."),
            gettext("Nothing is saved until you have seen every row and confirmed."),
        ]
        notes.column_dimensions["A"].width = 100
        for number, line in enumerate(lines, start=1):
            cell = notes.cell(row=number, column=1, value=str(line))
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if Locale.parse(lang).text_direction == "rtl":
            notes.sheet_view.rightToLeft = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


"""Build hostile roster workbooks (tests/test_roster.py builds its own from these) and report
how each is refused: its size, the time to the
refusal, the peak memory Python allocated (tracemalloc) and the message.

    .venv/bin/python tools/hostile_rosters.py

Times depend on the machine and its load, so they are reported here, never asserted in tests
(tests/test_roster.py asserts the refusals and the memory cap).
"""

from __future__ import annotations

import io
import random
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEAD = ["Personnel number", "Name", "Personnel category", "Contingent", "Preferred language"]


def header_row() -> str:
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
                    for i, h in enumerate(HEAD))
    return f'<row r="1">{cells}</row>'


def workbook_with_sheet(pieces) -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    source = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with archive.open(info.filename, "w", force_zip64=True) as sheet:
                    for piece in pieces():
                        sheet.write(piece.encode())
            else:
                archive.writestr(info, source.read(info.filename))
    return out.getvalue()


def xfd():
    yield f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
    yield header_row()
    yield ('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
           '</sheetData></worksheet>')


def rows(count: int, numbered: bool):
    def pieces():  # with a dimension tag that lies: it says two rows
        yield f'<worksheet {NS}><dimension ref="A1:A2"/><sheetData>'
        yield header_row()
        for start in range(2, count + 2, 1000):
            if numbered:
                yield "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'
                              for n in range(start, min(start + 1000, count + 2)))
            else:
                yield '<row><c><v>1</v></c></row>' * 1000
        yield '</sheetData></worksheet>'
    return pieces


def wide(count: int):
    def pieces():
        numbers = random.Random(1)
        yield f'<worksheet {NS}><sheetData>'
        yield header_row()
        yield '<row r="2">'
        for _ in range(0, count, 1000):
            yield "".join(f'<c r="A2"><v>{numbers.randrange(10**9)}</v></c>'
                          for _ in range(1000))
        yield '</row></sheetData></worksheet>'
    return pieces


CASES = {
    "dimension A1:XFD1048576, one cell at XFD1048576": xfd,
    "3,000,000 rows": rows(3_000_000, numbered=False),
    "25,000 rows (under the unpacked cap)": rows(25_000, numbered=True),
    "one row of 300,000 cells": wide(300_000),
}


def main() -> None:
    from training_app import create_app
    from training_app.train import roster

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for name, pieces in CASES.items():
        data = workbook_with_sheet(pieces)
        with app.test_request_context("/en/"):
            tracemalloc.start()
            started = time.perf_counter()
            try:
                roster.parse_roster(data, "roster.xlsx", ["en"],
                                    roster.contingent_aliases([], ["en"]))
                outcome = "ACCEPTED"
            except roster.RosterError as exc:
                outcome = str(exc)
            elapsed = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        print(f"{name}: {len(data) / 1024:.0f} KB, refused in {elapsed:.2f} s, "
              f"peak {peak / 2**20:.1f} MB: {outcome}")


if __name__ == "__main__":
    main()

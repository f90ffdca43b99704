"""Tables as CSV and XLSX, safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell that a spreadsheet would run as a formula is turned into plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    # BOM so Excel opens UTF-8 (Arabic, Chinese, Cyrillic names) correctly
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One table as a workbook: a bold, frozen header, text never read as a formula."""
    return to_xlsx_book([(title, header, rows)])


def to_xlsx_book(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """A workbook of several tables, (title, header, rows) each: a bold, frozen header, and
    text neutralised and stored as text, never read as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append([neutralise(h) for h in header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([neutralise(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(data: bytes | str, mimetype: str, filename: str):
    """A Flask response that the browser saves as `filename` (every download of the app)."""
    from flask import make_response

    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_download(fmt: str, filename: str, sheet_title: str, header: Sequence[str],
                   rows: Iterable[Sequence]):
    """A Flask response offering the table as `filename.csv` or `filename.xlsx`."""
    if fmt == "csv":
        return attachment(to_csv(header, rows), "text/csv; charset=utf-8", f"{filename}.csv")
    return attachment(to_xlsx(sheet_title, header, rows), XLSX_TYPE, f"{filename}.xlsx")


SMALL_CELL = 5


def small_cell(value: int, suppress: bool) -> int | str:
    """A count as an export that leaves the mission shows it: below SMALL_CELL (but not 0)
    as "<5" when small cells are suppressed, so that no one in a small group is singled
    out."""
    if suppress and 0 < value < SMALL_CELL:
        return f"<{SMALL_CELL}"
    return value

"""Roster import: the spellings it forgives, its suggestions and templates, and the bounds on
what an upload may cost (hostile workbooks, files kept on disk)."""

import io
import os
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

import tools.hostile_rosters as hostile
from training_app.extensions import db
from training_app.i18n import in_language
from training_app.models import Enrolment, Person, User

from .conftest import PG_URL, csrf_from

HEAD = ["Personnel number", "Name", "Personnel category", "Contingent", "Preferred language"]
HEADER = ",".join(HEAD) + "\r\n"
LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")


@pytest.fixture
def cohort(app, mission, trainer):
    from training_app.train import services

    user = db.session.scalar(select(User).where(User.username == "trainer1"))
    return services.save_cohort(
        None, mission.id, "test", name="Induction GHANBATT", session_date=date(2026, 11, 23),
        place="Camp Alpha", language="en", delivery_mode="classroom",
        contingent_ids=[mission.contingents[0].id], trainer_ids=[user.id])


def upload(trainer, cohort, data: bytes, filename="roster.csv", lang="en"):
    page = trainer.client.get(f"/{lang}/train/cohorts/{cohort.id}/roster").get_data(
        as_text=True)
    return trainer.client.post(f"/{lang}/train/cohorts/{cohort.id}/roster", data={
        "csrf_token": csrf_from(page), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data")


def preview_of(trainer, data: bytes, cohort, filename="roster.csv", lang="en") -> str:
    return preview_at(trainer, data, cohort, filename, lang)[1]


def preview_at(trainer, data: bytes, cohort, filename="roster.csv",
               lang="en") -> tuple[str, str]:
    """The preview's address and page."""
    r = upload(trainer, cohort, data, filename, lang)
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    return r.headers["Location"], trainer.client.get(r.headers["Location"]).get_data(
        as_text=True)


def people_count(mission):
    return db.session.scalar(select(func.count(Person.id)).where(
        Person.mission_id == mission.id))


def imports_dir(app) -> Path:
    return Path(app.instance_path) / "imports"


def kept_files(app) -> list[Path]:
    folder = imports_dir(app)
    return sorted(folder.iterdir()) if folder.exists() else []


# --- spellings ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_spelling_of_a_category_in_each_language_names_that_category(app, lang):
    from training_app.categories import CATEGORIES
    from training_app.train import roster
    from training_app.train.spellings import CATEGORY_SPELLINGS

    vocabulary = roster.category_vocabulary()
    for c in CATEGORIES:
        with in_language(lang):
            label = str(c.label)
        spellings = [c.id, c.id.replace("-", "_"), c.id.upper(), label, label.upper(),
                     f"  {label.casefold()} "]
        spellings += list(CATEGORY_SPELLINGS[c.id][lang])
        assert CATEGORY_SPELLINGS[c.id][lang], (c.id, lang)  # each language has its forms
        for spelling in spellings:
            assert vocabulary.lookup(spelling) == c.id, (lang, spelling)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_contingent_by_unit_country_or_both_in_each_language(app, mission, lang):
    from training_app.i18n import contingent_label, country_name
    from training_app.train import roster

    vocabulary = roster.contingent_aliases(mission.contingents)
    for c in mission.contingents:
        country = country_name(c.country, lang)
        for spelling in (c.unit, c.unit.lower(), c.country, c.country.lower(), country,
                         country.upper(), contingent_label(c, lang), contingent_label(c),
                         f"{c.country}-{c.unit}", f"{c.country}_{c.unit}".lower(),
                         f"{country} {c.unit}"):
            assert vocabulary.lookup(spelling) == c.id, (lang, spelling)


def test_a_roster_written_the_way_other_systems_write_imports_whole(trainer, cohort, mission):
    rows = [
        ("A-1", "Kofi Mensah", "military", "GHANBATT", "en"),
        ("A-2", "Ama Owusu", "MILITARY_CONTINGENT", "GH", "English"),
        ("A-3", "Yaw Boateng", "Soldiers", "Ghana", "fr"),
        ("A-4", "Efua Asante", "UNPOL", "", "es"),
        ("A-5", "Sita Gurung", "police officers", "NP NEPBATT", "русский"),
        ("A-6", "Ram Thapa", "MilObs", "Népal", "zh"),
        ("A-7", "Kwame Nkrumah", "военнослужащие", "Гана", "ru"),
        ("A-8", "Li Wei", "军事观察员", "加纳", "中文"),
        ("A-9", "Omar Haddad", "متطوع", "", "العربية"),
        ("A-10", "Ana García", "personal de contratación nacional", "", "español"),
        ("A-11", "Claire Martin", "Vacataires", "", "français"),
        ("A-12", "Lena Ivanova", "international_staff", "", "ru"),
        ("A-13", "Nabil Aziz", "عسكريون", "غانا — GHANBATT", "ar"),
    ]
    data = (HEADER + "".join(",".join(r) + "\r\n" for r in rows)).encode()
    address, page = preview_at(trainer, data, cohort)
    assert f"{len(rows)} rows: {len(rows)} new, 0 to update, 0 unchanged, 0 with errors" in page
    done = trainer.client.post(address, data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert people_count(mission) == len(rows)
    by_number = {p.personnel_number: p for p in db.session.scalars(select(Person))}
    ghana, nepal = mission.contingents[0], mission.contingents[1]
    assert by_number["A-1"].category == "military-contingent"
    assert by_number["A-1"].contingent_id == ghana.id
    assert by_number["A-3"].contingent_id == ghana.id
    assert by_number["A-6"].category == "military-observers"
    assert by_number["A-6"].contingent_id == nepal.id
    assert by_number["A-8"].contingent_id == ghana.id and by_number["A-8"].language == "zh"
    assert by_number["A-9"].category == "un-volunteers"
    assert by_number["A-10"].category == "national-staff"
    assert by_number["A-11"].category == "contractors"


@pytest.mark.parametrize("lang,did_you_mean", [
    ("en", "did you mean"), ("ar", "هل تقصد"), ("fr", "vouliez-vous dire"),
    ("es", "quiso decir"), ("ru", "возможно"), ("zh", "是否指")])
def test_a_near_miss_gets_a_suggestion_in_the_page_language(trainer, cohort, mission, lang,
                                                            did_you_mean):
    data = (HEADER + "B-1,Kofi Mensah,militry,GHANBAT,en\r\n"
            "B-2,Ama Owusu,police,Ghanna,en\r\n").encode()
    page = preview_of(trainer, data, cohort, lang=lang)
    assert page.count(did_you_mean) >= 3, page[-3000:]
    assert "GHANBATT" in page and "military" in page and "Ghana" in page
    assert people_count(mission) == 0


def test_a_word_for_several_categories_or_contingents_asks_which(trainer, cohort, mission):
    from training_app.models import Contingent

    db.session.add(Contingent(mission_id=mission.id, country="GH", unit="GHANMEDCOY"))
    db.session.commit()
    data = (HEADER + "C-1,Kofi Mensah,civilian,,en\r\n"
            "C-2,Ama Owusu,police,GH,en\r\n").encode()
    page = preview_of(trainer, data, cohort)
    assert "fits more than one personnel category" in page
    assert "UN volunteer" in page and "UN contractor" in page
    assert "fits more than one contingent of this mission" in page
    assert "GHANMEDCOY" in page and "GHANBATT" in page
    assert "2 with errors" in page


def test_the_upload_page_lists_the_accepted_values(trainer, cohort):
    page = trainer.get(f"/train/cohorts/{cohort.id}/roster").get_data(as_text=True)
    assert "Accepted values" in page
    for text in ("military-contingent", "Military member of a national contingent",
                 "UN contractor", "GHANBATT", "NEPBATT", "Ghana", "Nepal", ">GH<", ">NP<"):
        assert text in page, text
    arabic = trainer.client.get(f"/ar/train/cohorts/{cohort.id}/roster").get_data(
        as_text=True)
    assert "فرد عسكري في وحدة وطنية" in arabic and "غانا" in arabic


# --- templates ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang,category,contingent", [
    ("en", "Military member of a national contingent", "Ghana — GHANBATT"),
    ("ar", "فرد عسكري في وحدة وطنية", "غانا — GHANBATT"),
    ("zh", "国家特遣队军事人员", "加纳 — GHANBATT")])
def test_xlsx_template_has_drop_downs_and_no_sample_person(trainer, cohort, mission, lang,
                                                           category, contingent):
    data = trainer.client.get(f"/{lang}/train/roster-template.xlsx").data
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    if lang == "en":
        assert [c.value for c in sheet[1]] == HEAD
    assert sheet.max_row == 1  # the headings, nobody else
    lists = next(ws for ws in book.worksheets if ws.sheet_state == "hidden")
    checks = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert set(checks) == {"C2:C20001", "D2:D20001", "E2:E20001"}

    def listed(ref: str) -> list[str]:
        cells = ref.split("!")[1].replace("$", "")
        return [c.value for row in lists[cells] for c in row]

    for column in checks.values():
        assert column.type == "list" and column.formula1.startswith(f"'{lists.title}'!")
    categories = listed(checks["C2:C20001"].formula1)
    contingents = listed(checks["D2:D20001"].formula1)
    languages = listed(checks["E2:E20001"].formula1)
    assert category in categories and len(categories) == 7
    assert contingent in contingents and len(contingents) == 2
    assert len(languages) == 6

    # imported unchanged: nobody, and it says so
    r = upload(trainer, cohort, data, "roster.xlsx")
    assert r.status_code == 200
    assert "The file has column headings but no people." in r.get_data(as_text=True)
    assert people_count(mission) == 0

    # filled in from the drop-downs: accepted as chosen
    sheet.append(["D-1", "Kofi Mensah", category, contingent, languages[1]])
    buf = io.BytesIO()
    book.save(buf)
    page = preview_of(trainer, buf.getvalue(), cohort, "roster.xlsx")
    assert "1 rows: 1 new" in page and "0 with errors" in page


def test_csv_template_is_headings_only_in_each_language(trainer, cohort, mission):
    for lang in LANGUAGES:
        data = trainer.client.get(f"/{lang}/train/roster-template.csv").data
        assert data.decode("utf-8-sig").count("\r\n") == 1, lang
        r = upload(trainer, cohort, data)
        assert "The file has column headings but no people." in r.get_data(as_text=True)
    assert people_count(mission) == 0


# --- hostile workbooks -------------------------------------------------------------------

# the hostile workbooks of tools/hostile_rosters.py, which also measures their refusals
one_cell_at_xfd1048576, rows_of, one_row_of_cells = hostile.xfd, hostile.rows, hostile.wide
workbook_with_sheet = hostile.workbook_with_sheet


@pytest.mark.parametrize("pieces,message", [
    (one_cell_at_xfd1048576, "The file has more than 20000 rows."),
    # 3 million rows, a few hundred KB packed: refused before anything is unpacked
    (rows_of(3_000_000, numbered=False), "This workbook is not a plain roster"),
    # small enough to unpack: refused while reading, as soon as row 20,001 is passed
    (rows_of(25_000, numbered=True), "The file has more than 20000 rows."),
    # openpyxl would build the whole row at once: counted first, in constant memory
    (one_row_of_cells(80_000), "A row of this workbook has more than 1000 cells."),
], ids=["dimension-XFD1048576", "3-million-rows", "25-thousand-rows", "80-thousand-cells"])
def test_hostile_workbook_is_refused_within_the_memory_cap(trainer, cohort, mission, pieces,
                                                            message):
    data = workbook_with_sheet(pieces)
    # under the test client's 500 KB spooling threshold (a spooled body's file closes late)
    assert len(data) < 500 * 1024
    # the row and size caps refuse these, not the clock (tracemalloc slows everything down)
    trainer.client.application.config["IMPORT_TIME_LIMIT"] = 600
    page = trainer.get(f"/train/cohorts/{cohort.id}/roster").get_data(as_text=True)
    tracemalloc.start()
    try:
        r = trainer.client.post(f"/en/train/cohorts/{cohort.id}/roster", data={
            "csrf_token": csrf_from(page), "file": (io.BytesIO(data), "roster.xlsx")},
            content_type="multipart/form-data")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert peak < 100 * 1024 * 1024, f"{peak / 2**20:.0f} MB"
    assert people_count(mission) == 0 and kept_files(trainer.client.application) == []


@pytest.mark.parametrize("pieces", [one_cell_at_xfd1048576, rows_of(25_000, numbered=True)],
                         ids=["dimension-XFD1048576", "25-thousand-rows"])
def test_reading_itself_ignores_the_dimension_tag_and_stops_at_the_row_cap(
        app, monkeypatch, pieces):
    """Without the first count, openpyxl's reading alone is bounded (rows, columns)."""
    from training_app.train import roster

    monkeypatch.setattr(roster, "_count_part", lambda *args: None)
    data = workbook_with_sheet(pieces)
    with app.test_request_context("/en/"):
        tracemalloc.start()
        try:
            with pytest.raises(roster.RosterError, match="more than 20000 rows"):
                roster.parse_roster(data, "r.xlsx", ["en"], roster.contingent_aliases([]),
                                    time_limit=600)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 100 * 1024 * 1024, f"{peak / 2**20:.0f} MB"


def test_a_file_that_takes_too_long_is_refused(app, mission):
    from training_app.train import roster

    data = (HEADER + "".join(f"T-{i},P {i},police,,en\r\n" for i in range(600))).encode()
    with app.test_request_context("/en/"):
        with pytest.raises(roster.RosterError, match="took longer than 0 seconds"):
            roster.parse_roster(data, "r.csv", list(LANGUAGES),
                                roster.contingent_aliases(mission.contingents), time_limit=0)
        assert len(roster.parse_roster(data, "r.csv", list(LANGUAGES),
                                       roster.contingent_aliases(mission.contingents))) == 600


def test_csv_rows_are_capped_while_reading(app, mission):
    from training_app.train import roster

    data = (HEADER + "x\r\n" * 20001).encode()
    with app.test_request_context("/en/"):
        with pytest.raises(roster.RosterError, match="more than 20000 rows"):
            roster.read_table(data, "r.csv")
        with pytest.raises(roster.RosterError, match="more than 20000 rows"):
            roster.read_table((HEADER + "\r\n" * 30000).encode(), "r.csv")  # blank lines too


# --- files kept on disk ------------------------------------------------------------------

ONE_PERSON = (HEADER + "K-1,Kofi Mensah,police,GH GHANBATT,en\r\n").encode()


def test_uploads_are_private_and_deleted_once_imported(app, trainer, cohort, mission):
    r = upload(trainer, cohort, ONE_PERSON)
    files = kept_files(app)
    assert len(files) == 2
    assert {oct(f.stat().st_mode & 0o777) for f in files} == {"0o600"}
    assert oct(imports_dir(app).stat().st_mode & 0o777) == "0o700"
    page = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    trainer.client.post(r.headers["Location"], data={"csrf_token": csrf_from(page)})
    assert people_count(mission) == 1
    assert kept_files(app) == []
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_a_cancelled_upload_is_deleted_and_imports_nothing(app, trainer, cohort, mission):
    r = upload(trainer, cohort, ONE_PERSON)
    page = trainer.client.get(r.headers["Location"]).get_data(as_text=True)
    done = trainer.client.post(r.headers["Location"], data={"csrf_token": csrf_from(page),
                                                            "cancel": "1"})
    assert done.status_code == 302
    assert "deleted" in trainer.client.get(done.headers["Location"]).get_data(as_text=True)
    assert kept_files(app) == [] and people_count(mission) == 0
    again = trainer.client.get(r.headers["Location"])
    assert again.status_code == 302  # gone: back to the upload page


def _age(paths, seconds: float) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


def test_uploads_older_than_the_keeping_period_are_deleted(app, trainer, cohort, mission):
    first = upload(trainer, cohort, ONE_PERSON)
    _age(kept_files(app), 3601)
    # the expired preview is not shown, and says why
    gone = trainer.client.get(first.headers["Location"])
    assert gone.status_code == 302
    page = trainer.client.get(gone.headers["Location"]).get_data(as_text=True)
    assert "This upload is no longer kept" in page
    assert kept_files(app) == []

    upload(trainer, cohort, ONE_PERSON)
    _age(kept_files(app), 7200)
    upload(trainer, cohort, ONE_PERSON)  # the next upload prunes the old one
    assert len(kept_files(app)) == 2

    _age(kept_files(app), 7200)
    result = app.test_cli_runner().invoke(args=["imports", "prune"])
    assert result.exit_code == 0 and "Deleted 1" in result.output
    assert kept_files(app) == []


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite database file")
def test_the_database_file_is_private(app):
    path = Path(db.engine.url.database)
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"

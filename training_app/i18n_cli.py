"""Interface translation commands: extract, update, check and compile the gettext catalogs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .content.loader import SOURCE_LANGUAGE

translate_cli = AppGroup("translate", help="Interface translations (gettext catalogs).")


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def _catalog_paths() -> tuple[Path, Path, Path]:
    root = Path(current_app.root_path).parent
    translations = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    return root, translations, translations / "messages.pot"


@translate_cli.command("extract")
def translate_extract() -> None:
    """Extract interface strings from code and templates into translations/messages.pot."""
    root, _translations, pot = _catalog_paths()
    _pybabel("extract", "-F", str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
             "--no-location", "--sort-output", "--project", "sgtm1-training",
             "-o", str(pot), str(root / "training_app"))
    click.echo(f"extracted to {pot}")


@translate_cli.command("update")
def translate_update() -> None:
    """Extract afresh, then merge new strings into every language's catalog."""
    translate_extract.callback()
    _root, translations, pot = _catalog_paths()
    for lang in current_app.config["LANGUAGES"]:
        po = translations / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _pybabel("update", "-i", str(pot), "-d", str(translations), "-l", lang,
                     "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _pybabel("init", "-i", str(pot), "-d", str(translations), "-l", lang)
        if lang == SOURCE_LANGUAGE:
            _fill_source_catalog(po)
    click.echo("catalogs updated")


def _fill_source_catalog(po_path: Path) -> None:
    """The English catalog says what the code says: every msgstr is its msgid."""
    from babel.messages.pofile import read_po, write_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=SOURCE_LANGUAGE)
    for message in catalog:
        if not message.id:
            continue
        message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        message.flags.discard("fuzzy")
    with po_path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True)


def catalog_problems(translations: Path, pot: Path, languages: list[str]) -> dict[str, list[str]]:
    """Per language: strings of the template missing, untranslated, fuzzy or with placeholders
    that differ from the English."""
    from babel.messages.pofile import read_po

    from .content.loader import PLACEHOLDER

    named = re.compile(r"%\((\w+)\)s")

    def fields(text: str) -> set[str]:
        return set(named.findall(text)) | set(PLACEHOLDER.findall(text))

    with pot.open("rb") as fh:
        template = read_po(fh)
    wanted = {m.id if isinstance(m.id, str) else m.id[0]: m for m in template if m.id}
    problems: dict[str, list[str]] = {}
    for lang in languages:
        po = translations / lang / "LC_MESSAGES" / "messages.po"
        found: list[str] = []
        if not po.exists():
            problems[lang] = [f"{po} is missing"]
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for key, message in wanted.items():
            got = catalog.get(message.id)
            if got is None:
                found.append(f"missing: {key!r}")
                continue
            strings = [got.string] if isinstance(got.string, str) else list(got.string)
            if got.fuzzy:
                found.append(f"fuzzy: {key!r}")
            if not strings or any(not s for s in strings):
                found.append(f"untranslated: {key!r}")
                continue
            plural = isinstance(message.id, tuple)
            # a plural message's forms take the placeholders of its singular and plural; a
            # form for exactly one may leave out the number
            expected = set().union(*map(fields, message.id)) if plural else fields(key)
            for s in strings:
                if fields(s) != expected and not (plural and fields(s) == expected - {"num"}):
                    found.append(f"placeholders differ: {key!r} -> {s!r}")
                    break
        problems[lang] = found
    return problems


@translate_cli.command("check")
def translate_check() -> None:
    """Extract afresh and fail if any catalog lacks, fuzzes or breaks a string."""
    import tempfile

    root, translations, _pot = _catalog_paths()
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        _pybabel("extract", "-F", str(root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
                 "--no-location", "-o", str(pot), str(root / "training_app"))
        problems = catalog_problems(translations, pot, current_app.config["LANGUAGES"])
    bad = 0
    for lang, items in problems.items():
        click.echo(f"{lang}: {len(items)} problem(s)")
        for item in items:
            click.echo(f"  {item}")
        bad += len(items)
    sys.exit(1 if bad else 0)


@translate_cli.command("compile")
@click.option("--quiet", is_flag=True)
def translate_compile(quiet: bool) -> None:
    """Compile the catalogs (.po to .mo) the app reads at run time."""
    _root, translations, _pot = _catalog_paths()
    catalogs = list(translations.glob("*/LC_MESSAGES/messages.po"))
    if not catalogs:
        click.echo("no catalogs to compile")
        return
    _pybabel("compile", "-d", str(translations), *([] if quiet else ["--statistics"]))
    if not quiet:
        click.echo(f"compiled {len(catalogs)} catalogs")

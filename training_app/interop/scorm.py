"""Build the SCORM 1.2 package of the module for one language and one mission: a manifest and
one self-contained SCO (page, script, style) that reports completion and the quiz score."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

from flask import current_app
from markupsafe import Markup

from ..categories import consequence_order
from ..content.loader import Content
from ..facts import mission_facts
from ..i18n import _, in_language, ngettext, text_direction
from ..learn.services import FOCAL_POINT_STATEMENT, statement_view

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# The IMS and ADL schema files the manifest names, shipped beside it at the package's root as
# ADL's conformance test requires (public files of IMS Global and ADL, as SCORM 1.2 has them).
SCHEMA_FOLDER = Path(__file__).with_name("schemas")
SCHEMA_FILES = ("imscp_rootv1p1p2.xsd", "imsmd_rootv1p2p1.xsd", "adlcp_rootv1p2.xsd",
                "ims_xml.xsd")
SCHEMA_LOCATION = (f"{IMSCP} imscp_rootv1p1p2.xsd {IMSMD} imsmd_rootv1p2p1.xsd "
                   f"{ADLCP} adlcp_rootv1p2.xsd")
ET.register_namespace("", IMSCP)
ET.register_namespace("adlcp", ADLCP)
ET.register_namespace("xsi", XSI)

LAUNCH_FILE = "index.html"
SCO_FILES = (LAUNCH_FILE, "sco.js", "sco.css")
TEMPLATES = "interop/scorm"
# the statement about the mission's Alternate needs an id of its own in the package, where the
# draw happens in the browser and both versions travel with the page
ALTERNATE_STATEMENT = f"{FOCAL_POINT_STATEMENT}-alternate"
# a fixed time stamp: the same module, mission and language always give the same bytes
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def package_filename(mission, lang: str) -> str:
    return f"sgtm1-scorm12-{_slug(mission.code)}-{lang}.zip"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "mission"


def build_package(content: Content, mission, lang: str, pass_mark: float) -> bytes:
    """The zip for one language and mission: imsmanifest.xml at the root and the SCO's files.

    Interface strings are translated with the app's catalogs for `lang`; mission facts fill the
    module's placeholders as on the app's own pages.
    """
    if lang not in content.languages:
        raise ValueError(f"no such language: {lang}")
    with in_language(lang):
        page = _render_page(content, mission, lang, pass_mark)
        title = content.text(lang, "module", "title")["text"]
        manifest = build_manifest(content, mission, lang, title, pass_mark)
    env = current_app.jinja_env
    files = {
        "imsmanifest.xml": manifest,
        LAUNCH_FILE: page.encode("utf-8"),
        "sco.js": env.loader.get_source(env, f"{TEMPLATES}/sco.js")[0].encode("utf-8"),
        "sco.css": env.loader.get_source(env, f"{TEMPLATES}/sco.css")[0].encode("utf-8"),
    }
    files.update({name: (SCHEMA_FOLDER / name).read_bytes() for name in SCHEMA_FILES})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def build_manifest(content: Content, mission, lang: str, title: str, pass_mark: float) -> bytes:
    """imsmanifest.xml: IMS Content Packaging 1.1.2 with the ADL SCORM 1.2 extensions."""
    root = ET.Element(f"{{{IMSCP}}}manifest", {
        "identifier": f"MANIFEST-SGTM1-{_slug(mission.code)}-{lang}",
        "version": content.content_version,
        f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION,
    })
    metadata = ET.SubElement(root, f"{{{IMSCP}}}metadata")
    ET.SubElement(metadata, f"{{{IMSCP}}}schema").text = "ADL SCORM"
    ET.SubElement(metadata, f"{{{IMSCP}}}schemaversion").text = "1.2"
    organizations = ET.SubElement(root, f"{{{IMSCP}}}organizations", {"default": "ORG-SGTM1"})
    organization = ET.SubElement(organizations, f"{{{IMSCP}}}organization",
                                 {"identifier": "ORG-SGTM1"})
    ET.SubElement(organization, f"{{{IMSCP}}}title").text = f"SGTM 1: {title}"
    item = ET.SubElement(organization, f"{{{IMSCP}}}item", {
        "identifier": "ITEM-SGTM1", "identifierref": "RES-SGTM1-SCO", "isvisible": "true"})
    ET.SubElement(item, f"{{{IMSCP}}}title").text = title
    ET.SubElement(item, f"{{{ADLCP}}}masteryscore").text = str(round(pass_mark * 100))
    resources = ET.SubElement(root, f"{{{IMSCP}}}resources")
    resource = ET.SubElement(resources, f"{{{IMSCP}}}resource", {
        "identifier": "RES-SGTM1-SCO", "type": "webcontent", f"{{{ADLCP}}}scormtype": "sco",
        "href": LAUNCH_FILE})
    for name in SCO_FILES:
        ET.SubElement(resource, f"{{{IMSCP}}}file", {"href": name})
    ET.indent(root)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n")


def _quiz_data(content: Content, mission, lang: str, pass_mark: float) -> dict:
    """What the page's script needs for the quiz: the statements of the bank with their keys,
    the mission's own statement (both versions), and the strings it shows."""

    def review_link(slide_id: str) -> str:
        slide = content.slide(slide_id)
        return _("Review slide %(n)s: %(title)s", n=slide.number,
                 title=content.text(lang, "slides", slide.id)["title"])

    statements = []
    for key in content.quiz.statements:
        text = content.text(lang, "quiz", key.id)
        statements.append({"id": key.id, "topic": key.topic, "criterion": key.criterion,
                           "text": text["statement"],
                           "explanation": text["explanation"], "answer": key.answer,
                           "slide": content.slide(key.slide).number,
                           "review": review_link(key.slide)})
    own = []
    if mission is not None and mission.focal_point_name:
        versions = [(FOCAL_POINT_STATEMENT, mission.focal_point_name)]
        if mission.alternate_name:
            versions.append((ALTERNATE_STATEMENT, mission.alternate_name))
        for statement_id, named in versions:
            facts = {"answer": statement_id == FOCAL_POINT_STATEMENT, "named": named,
                     "focal_point": mission.focal_point_name, "mission": mission.name}
            lookup = statement_view(content, SimpleNamespace(
                mission_statements={FOCAL_POINT_STATEMENT: facts}), lang)
            text = lookup(FOCAL_POINT_STATEMENT)
            own.append({"id": statement_id, "topic": "", "text": text["statement"],
                        "explanation": text["explanation"], "answer": text["answer"],
                        "slide": text["slide"].number, "review": review_link(text["slide"].id)})
    draw = content.quiz.draw
    return {
        "passMark": pass_mark,
        "draw": draw,
        "topics": list(content.quiz.topics),
        "criteria": list(content.quiz.criteria),
        "statements": statements,
        "mission": own,
        "slides": len(content.slides),
        "cases": len(content.case_studies),
        "strings": {
            "connected": _("Your progress and your quiz result are recorded by your learning "
                           "system."),
            "standalone": _("Results are not recorded: this page is not connected to a "
                            "learning system."),
            "lmsError": _("The learning system did not accept the last update (error "
                          "%(code)s).", code="{code}"),
            "true": _("True"),
            "false": _("False"),
            "choose": _("Choose true or false."),
            "score": _("%(correct)s of %(total)s correct (%(percent)s%%)", correct="{correct}",
                       total="{total}", percent="{percent}"),
            "isTrue": _("This statement is true."),
            "isFalse": _("This statement is false."),
            "review": {str(n): ngettext("%(num)s statement to review",
                                        "%(num)s statements to review", n)
                       for n in range(1, draw + 1)},
        },
    }


def _render_page(content: Content, mission, lang: str, pass_mark: float) -> str:
    facts = mission_facts(mission, lang)
    slides = [(slide, content.text(lang, "slides", slide.id)) for slide in content.slides]
    cases = []
    for case in content.case_studies:
        see_also = [(content.slide(sid).number, content.text(lang, "slides", sid)["title"])
                    for sid in case.slides if content.slide(sid)]
        cases.append((case, content.text(lang, "case_studies", case.id), see_also))
    template = current_app.jinja_env.get_template(f"{TEMPLATES}/index.html")
    return template.render(
        lang=lang, direction=text_direction(lang),
        title=content.text(lang, "module", "title")["text"], facts=facts,
        slides=slides, cases=cases, consequence_groups=consequence_order(None),
        mark=round(pass_mark * 100),
        data_json=_script_json(_quiz_data(content, mission, lang, pass_mark)),
    )


def _script_json(value) -> Markup:
    """JSON that is safe inside a <script> element, in the language's own letters."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("'", "\\u0027")):
        text = text.replace(char, escape)
    return Markup(text)

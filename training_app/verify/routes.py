"""Anyone can check a certificate code, with or without a language in the address: valid,
revoked (with the date) or unknown, and what identifies the holder. Why a certificate was
revoked is for mission HQ only."""

import json

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for

from ..access import public
from ..categories import BY_ID as CATEGORIES_BY_ID
from ..certificates import codes
from ..certificates.services import (
    check_certificate,
    mission_by_code,
    published_keys,
    status_list_document,
)
from ..core import language_blueprint
from ..extensions import limiter

bp = language_blueprint("verify", __name__, prefixed=False)

VERIFY_LIMIT = "60 per minute"


def _render(code: str):
    check = check_certificate(code)
    cert, signed = check.certificate, check.signed
    return render_template(
        "verify/result.html", certificate=cert, typed=code[:40], revoked=check.revoked,
        expired=check.expired,
        well_formed=codes.normalise(code) is not None,
        code=codes.display(cert.code) if cert else None, signed=signed,
        category=CATEGORIES_BY_ID.get(signed.category) if signed else None,
    ), 200 if cert else 404


@bp.route("/<lang>/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
@public
def verify_code(code: str):
    """Valid, revoked, or not found (404) for a certificate code."""
    return _render(code)


@bp.route("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
@public
def verify_code_any_language(code: str):
    """The address printed in QR codes: answers in the visitor's language, 404 if unknown."""
    return _render(code)


@bp.route("/<lang>/verify")
@public
def verify_form():
    """A box to type a code into; works without JavaScript (GET form)."""
    code = (request.args.get("code") or "").strip()
    if code:
        normal = codes.normalise(code)
        return redirect(url_for("verify.verify_code", code=normal or code[:40]))
    return render_template("verify/form.html")


@bp.route("/verify/keys.json")
@public
def public_keys():
    """The certificate signing keys' public halves, old and current, for offline checks."""
    response = jsonify(published_keys(current_app.instance_path))
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/verify/status/<mission_code>/revocation")
@limiter.limit(VERIFY_LIMIT)
@public
def revocation_list(mission_code: str):
    """The mission's signed Bitstring Status List (revocation), as of now; 404 for an unknown
    mission. A revocation shows at once: the list is made from the register on each request."""
    mission = mission_by_code(mission_code)
    if mission is None:
        abort(404)
    document = status_list_document(mission, url_for("core.root", _external=True),
                                    current_app.instance_path)
    response = current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/vc+ld+json")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response

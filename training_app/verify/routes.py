"""Anyone can check a certificate code, with or without a language in the address."""

from flask import Blueprint, g, redirect, render_template, request, url_for

from ..categories import BY_ID as CATEGORIES_BY_ID
from ..certificates import codes
from ..certificates.services import find_certificate
from ..core import language_blueprint
from ..extensions import limiter
from ..i18n import best_language

bp = language_blueprint("verify", __name__)
public = Blueprint("verify_public", __name__)

VERIFY_LIMIT = "60 per minute"


def _render(code: str):
    cert = find_certificate(code)
    status = 200 if cert else 404
    well_formed = codes.normalise(code) is not None
    return render_template(
        "verify/result.html", certificate=cert, typed=code[:40], well_formed=well_formed,
        code=codes.display(cert.code) if cert else None,
        category=CATEGORIES_BY_ID.get(cert.person.category) if cert else None,
    ), status


@bp.route("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify_code(code: str):
    """Valid, revoked, or not found (404) for a certificate code."""
    return _render(code)


@bp.route("/verify")
def verify_form():
    """A box to type a code into; works without JavaScript (GET form)."""
    code = (request.args.get("code") or "").strip()
    if code:
        normal = codes.normalise(code)
        return redirect(url_for("verify.verify_code", code=normal or code[:40]))
    return render_template("verify/form.html")


@public.route("/verify/keys.json")
def public_keys():
    """The certificate signing keys' public halves, old and current, for offline checks."""
    from flask import current_app, jsonify

    from ..certificates.services import published_keys

    response = jsonify(published_keys(current_app.instance_path))
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@public.route("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify_code_any_language(code: str):
    """The address printed in QR codes: answers in the visitor's language, 404 if unknown."""
    g.lang = best_language()
    return _render(code)

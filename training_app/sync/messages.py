"""What a sync bundle's refusal or result says to the person who applied it, translated."""

from __future__ import annotations

from ..i18n import _
from .bundle import BundleError


def refusal(exc: BundleError) -> str:
    return {
        "not-a-bundle": _("This file is not a sync bundle, or it is damaged."),
        "untrusted-key": _("This bundle was signed by a server this one does not trust. "
                           "An administrator must first trust that server's key."),
        "bad-signature": _("This bundle was altered after it was written: its signature does "
                           "not match. Ask the camp for a new copy."),
        "damaged": _("This file is not a sync bundle, or it is damaged."),
        "too-large": _("This bundle is too large."),
        "unknown-mission": _("This bundle is for a mission that is not on this server."),
        "other-mission": _("This bundle is for another mission (%(code)s).", code=exc.detail),
        "bad-record": _("This bundle holds a record this server cannot accept (%(what)s).",
                        what=exc.detail),
        "bad-key-document": _("This is not a key document from “flask sync key”."),
        "not-trusted-for-mission": _(
            "The camp server that signed this bundle is not trusted for mission %(code)s. "
            "An administrator must first trust it for that mission.", code=exc.detail),
        "old-format": _("This bundle is in the old, unsealed format. Ask the camp to update "
                        "its server and send a new bundle."),
        "future-date": _("This bundle holds a date in the future. Ask the camp to check its "
                         "server’s clock and send a new bundle."),
        "wrong-recipient": _("This bundle was sealed for another mission HQ server, so this "
                             "server cannot read it. The camp must seal its bundles to this "
                             "server’s key."),
        "cannot-open": _("This bundle cannot be opened with this server’s key."),
        "no-recipient": _("No mission HQ key is set for this mission yet: an administrator "
                          "must enter HQ’s key document before bundles can be sealed."),
    }.get(exc.reason, exc.reason)


def describe(counts: dict) -> str:
    labels = {
        "people_added": _("people added"), "people_updated": _("people updated"),
        "contingents_added": _("contingents added"),
        "slide_views_added": _("slide views"), "slide_views_updated": _("slide views updated"),
        "case_study_responses_added": _("case study answers"),
        "case_study_responses_updated": _("case study answers updated"),
        "quiz_attempts_added": _("quiz attempts"),
        "quiz_attempts_updated": _("quiz attempts updated"),
        "completions_added": _("completions"), "completions_updated": _("completions updated"),
        "certificates_added": _("certificates"),
        "certificates_revoked": _("certificates revoked"),
        "people_skipped_removed": _("erased people left out"),
        "records_skipped_removed": _("records of erased people left out"),
    }
    parts = [f"{labels.get(k, k)}: {v}" for k, v in sorted(counts.items()) if v]
    return "; ".join(parts) if parts else _("nothing new")

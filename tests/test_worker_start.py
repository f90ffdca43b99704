"""What a gunicorn worker has ready before its first request."""

from __future__ import annotations

import runpy

from training_app.printing import fonts

from .conftest import ROOT, Actions


def test_a_workers_first_chinese_certificate_parses_no_font(app, certificate, client,
                                                            monkeypatch):
    fonts.clear_cache()
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["on_starting"](None)  # gunicorn's master, before it forks the workers
    assert all(fonts.parsed(f) for f in (fonts.LATIN.regular, fonts.ARABIC.regular,
                                         fonts.CJK.regular))

    def parse_again(face):
        raise AssertionError(f"{face.path} parsed during a request")

    monkeypatch.setattr(fonts, "_program", parse_again)
    Actions(client).login()
    response = client.get("/zh/certificate.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")

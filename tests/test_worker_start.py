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


def test_a_workers_first_pages_read_no_content_file_and_compile_no_template(app, make_person,
                                                                            monkeypatch):
    """gunicorn's master runs warm_up (wsgi.py) before it forks: a worker's first slide,
    quiz and home page, the pages a classroom opens together, read and compile nothing."""
    from training_app import warm_up
    from training_app.content import loader

    app.jinja_env.cache.clear()
    loader.load_content.cache_clear()
    warm_up(app)

    def read_again(*_args, **_kwargs):
        raise AssertionError("read during a request")

    monkeypatch.setattr(app.jinja_env.loader, "get_source", read_again)
    loaded = loader.load_content.cache_info().misses
    make_person()
    client = app.test_client()
    Actions(client).login()
    for path in ("/en/", "/ar/slides/1", "/zh/slides/8", "/en/quiz", "/fr/case-studies"):
        assert client.get(path).status_code == 200, path
    assert loader.load_content.cache_info().misses == loaded

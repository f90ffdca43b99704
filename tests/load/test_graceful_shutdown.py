"""Stopping a server (SIGTERM, as systemd and a rolling deploy do) lets the requests in
flight finish instead of cutting them off."""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.request

import pytest

from .conftest import gunicorn


@pytest.mark.load
def test_sigterm_lets_a_request_in_flight_finish(app, tmp_path):
    started = tmp_path / "slow-page-started"
    with gunicorn(app, tmp_path, workers=1, app_module="tests.load.slow_wsgi:app",
                  SLOW_PAGE_STARTED=str(started), SLOW_PAGE_SECONDS="3") as (base, proc):
        answer = {}

        def ask():
            with urllib.request.urlopen(base + "/test-slow", timeout=60) as response:
                answer["status"], answer["body"] = response.status, response.read().decode()

        asking = threading.Thread(target=ask)
        asking.start()
        for _ in range(300):  # until the worker is inside the request
            if started.exists():
                break
            time.sleep(0.05)
        assert started.exists(), "the slow page never started"
        os.kill(proc.pid, signal.SIGTERM)
        asking.join(60)
        assert answer == {"status": 200, "body": "finished\n"}
        assert proc.wait(40) == 0  # and then the server stopped

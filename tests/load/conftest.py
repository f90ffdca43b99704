"""A real gunicorn on loopback, serving the test's own database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app, tmp_path, workers: int = 3, app_module: str = "wsgi:app", **settings):
    """gunicorn with `workers` processes on the app's database; yields (base URL, process)."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", WEB_CONCURRENCY=str(workers),
               GUNICORN_ACCESS_LOG="/dev/null", TRAINING_INSTANCE_PATH=app.instance_path,
               TRAINING_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               TRAINING_SECRET_KEY="load-test", TRAINING_LOGIN_RATE_LIMIT="100000 per minute",
               TRAINING_TRUSTED_HOSTS="127.0.0.1")
    env.update(settings)
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                 app_module], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=log_file, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("gunicorn did not start: " + log.read_text()[-2000:])
    try:
        yield base, proc
    finally:
        with suppress(ProcessLookupError):  # a test may have stopped it already
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(40)

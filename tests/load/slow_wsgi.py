"""The application with one slow page added, for the graceful-shutdown test: it writes a
file when it starts (so the test knows the request is in flight) and answers after a while."""

import os
import time
from pathlib import Path

from training_app.access import public
from wsgi import app


@public
def slow_page():
    Path(os.environ["SLOW_PAGE_STARTED"]).touch()
    time.sleep(float(os.environ.get("SLOW_PAGE_SECONDS", "3")))
    return "finished\n"


app.add_url_rule("/test-slow", "test_slow", slow_page)

"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import os

from training_app import (
    create_app,
    refuse_to_serve_an_outdated_schema,
    refuse_to_serve_unsafely,
    warm_up,
)

app = create_app()
# commands (flask --app wsgi ...) answer no requests, and `flask db upgrade` must run on an
# old schema; a server must know its host names and find the schema its code expects
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    refuse_to_serve_unsafely(app)
    refuse_to_serve_an_outdated_schema(app)
    warm_up(app)

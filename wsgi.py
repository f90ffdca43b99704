"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import os

from training_app import create_app, refuse_to_serve_unsafely

app = create_app()
# commands (flask --app wsgi ...) answer no requests; a server must know its host names
if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
    refuse_to_serve_unsafely(app)

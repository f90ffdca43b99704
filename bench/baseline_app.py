"""A bare Flask app serving a page of a given size: the baseline for the slide throughput."""

import os

from flask import Flask

app = Flask(__name__)
BODY = "x" * int(os.environ.get("BASELINE_BYTES", "12000"))


@app.route("/page")
def page():
    return BODY

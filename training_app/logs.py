"""Structured logs: one JSON object a line, with the request's id, method, path and account."""

from __future__ import annotations

import json
import logging
import time
import uuid

from flask import Flask, g, has_request_context, request


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry.update(request_id=g.get("request_id"), method=request.method,
                         path=request.path)
        for key, value in record.__dict__.items():
            if key.startswith("ctx_"):
                entry[key[4:]] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(app: Flask, fmt: str) -> None:
    """JSON (default) or plain text on stderr; one line per request at INFO."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("training_app")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    log = logging.getLogger("training_app.requests")
    app.extensions["request_log"] = log  # the quick slide answers log the same line

    @app.before_request
    def start_timer():
        g.request_id = (request.headers.get("X-Request-ID") or uuid.uuid4().hex)[:64]
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response):
        if request.endpoint == "static":
            return response
        from flask_login import current_user

        account = current_user.account_key if getattr(current_user, "is_authenticated",
                                                   False) else None
        log.info("request", extra={
            "ctx_status": response.status_code, "ctx_account": account,
            "ctx_ms": round((time.perf_counter() - g.get("started", time.perf_counter()))
                            * 1000, 1)})
        response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
        return response

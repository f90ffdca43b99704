"""The SGTM 1 module as data: load modules/ and quizzes/ into frozen objects, validate, cache."""

from .loader import Content, load_content
from .validate import ContentReport, check_content

__all__ = ["Content", "ContentReport", "check_content", "get_content", "load_content"]


def get_content() -> Content:
    """The content for the running app (loaded once per content root)."""
    from flask import current_app

    return load_content(current_app.config["CONTENT_ROOT"])

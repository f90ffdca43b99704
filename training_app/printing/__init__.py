"""Printed documents (certificates, pocket cards, paper quizzes, join sheets): one text path
that picks fonts, orders bidirectional text, shapes, breaks and draws lines, and one
document set-up, shared by every PDF of the app."""

from .document import Document, TextBox
from .text import PT, Style, Writer

__all__ = ["PT", "Document", "Style", "TextBox", "Writer"]

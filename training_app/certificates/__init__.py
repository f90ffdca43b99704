"""Completion certificates: verification codes, signed tokens, PDFs."""

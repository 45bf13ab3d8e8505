"""Kept so that `from trading.clock import local_text` still works; the formatter is trading.formats."""

from .formats import local_text

__all__ = ["local_text"]

"""Transitional: the book's figure helpers now live in :mod:`rnnlib.book.style` (issue 12).

This package is removed once every plot has moved into its topic module under rnnlib/book/.
"""

from __future__ import annotations

from ..book.style import describe, new_figure

__all__ = ["describe", "new_figure"]

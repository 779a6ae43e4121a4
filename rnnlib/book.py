"""Helpers for the book's notebooks: show rnnlib's real source instead of copying it."""

from __future__ import annotations

import inspect


def source_of(obj, member: str | None = None) -> str:
    """The source code of ``obj`` (a function, class or method), or of ``obj.member``."""
    target = getattr(obj, member) if member else obj
    return inspect.getsource(target)


def show_source(obj, member: str | None = None):
    """Display rnnlib's own source of ``obj`` (or ``obj.member``) as a highlighted code block.

    The chapter then shows exactly the code that runs; nothing can drift.
    """
    from IPython.display import Markdown

    code = inspect.cleandoc("\n" + source_of(obj, member)) if member else source_of(obj)
    return Markdown(f"```python\n{code.rstrip()}\n```")

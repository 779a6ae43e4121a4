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


def glue(name: str, value, display: bool = True):
    """Store ``value`` under ``name`` for the book's prose (myst-nb's ``glue``), or just show it.

    Inside the site build, myst-nb is installed and the value is glued as usual, so that
    ``{glue}`name``` in the text shows exactly what the code computed. In a plain kernel
    (``pip install rnnlib`` on Colab, Binder or a laptop) myst-nb is usually missing: the value
    is then displayed (when ``display`` is true) so the reader still sees the number.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(value)
        return None
    return myst_glue(name, value, display=display)

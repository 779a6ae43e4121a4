"""Transitional: the cell diagrams moved to :mod:`rnnlib.book.cell_diagrams` (issue 12).

Kept only so that :mod:`rnnlib.plots.part2` (which re-exports them) imports until the lead
removes the old modules; import from ``rnnlib.book.cell_diagrams``.
"""

from ..book.cell_diagrams import (  # noqa: F401
    CELL_DIAGRAMS,
    NODE_STYLE,
    diagram_geometry,
    diagram_layout,
    draw_cell_diagram,
)

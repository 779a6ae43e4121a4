"""Dataflow diagrams of the recurrent cells, drawn from a short description of each cell.

A cell is a list of nodes ``(id, kind, label, parents)``: what each node computes from (its
parents, in the cell's equations). The drawing is derived from that description alone:

* layout: a node's column is the length of the longest path from an input; rows are whole
  numbers, so the half-way lines between rows (the *lanes*) and the gaps between columns (the
  *channels*) are free of boxes in every column;
* routing: every edge is orthogonal. It leaves its source on the right, runs in the channel
  after the source, along a lane if it must pass other columns, down the channel before its
  destination, and enters the destination from the left with an arrowhead. Each source has its
  own track in a channel and in a lane, so edges from different sources never run on top of
  each other; edges from the same source share tracks (a bus) and a dot marks each branch.

No edge passes under a box, and every edge starts on its source and ends on its destination:
``tests/book/test_cell_diagrams.py`` checks both on the drawn artists, and checks that the drawn
edges are the dataflow of the cell's equations.

Chapters 4 to 6 draw every cell with :func:`draw_cell_diagram`; its figure is described for a
reader who cannot see it by :func:`diagram_description`, the cell's equations read off the same
description (``gates o, i, f = σ(sₜ₋₁, xₜ); ...``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .style import GATE_COLORS, cell_label, describe, new_figure

Node = tuple[str, str, str, list[str]]

NODE_STYLE = {
    "state": {"shape": "box", "face": "#dbe9f6", "edge": "#1f77b4", "half_width": 0.5},
    "input": {"shape": "box", "face": "#eeeeee", "edge": "#555555", "half_width": 0.5},
    "gate": {"shape": "box", "face": "white", "edge": None, "half_width": 0.36},
    "layer": {"shape": "box", "face": "#fff2c6", "edge": "#b8860b", "half_width": 0.62},
    "op": {"shape": "circle", "face": "white", "edge": "black", "half_width": 0.21},
    "opbox": {"shape": "box", "face": "white", "edge": "black", "half_width": 0.55},
    "output": {"shape": "box", "face": "#dbf0db", "edge": "#2ca02c", "half_width": 0.72},
}
LABEL_SIZE = 9.0  # pt, every label: the boxes are sized for it (the figure's text is 10 pt)
HALF_HEIGHT = 0.21  # of a box; a circle's radius is its half width
COLUMN_PITCH = 2.0  # distance between the centres of two columns
ROW_PITCH = 1.0

CELL_DIAGRAMS: dict[str, list[Node]] = {
    "vanilla": [
        ("s_prev", "state", "$s_{t-1}$", []),
        ("x", "input", "$x_t$", []),
        ("cand", "layer", r"$\phi$ layer", ["s_prev", "x"]),
        ("s", "output", "$s_t$ = output", ["cand"]),
    ],
    "prototype": [
        ("s_prev", "state", "$s_{t-1}$", []),
        ("x", "input", "$x_t$", []),
        ("o", "gate", r"$\sigma$ o", ["s_prev", "x"]),
        ("i", "gate", r"$\sigma$ i", ["s_prev", "x"]),
        ("f", "gate", r"$\sigma$ f", ["s_prev", "x"]),
        ("read", "op", r"$\odot$", ["o", "s_prev"]),
        ("cand", "layer", r"$\phi$ layer $\tilde s_t$", ["read", "x"]),
        ("keep", "op", r"$\odot$", ["f", "s_prev"]),
        ("write", "op", r"$\odot$", ["i", "cand"]),
        ("add", "op", "+", ["keep", "write"]),
        ("s", "output", "$s_t$ = output", ["add"]),
    ],
    "gru": [
        ("s_prev", "state", "$s_{t-1}$", []),
        ("x", "input", "$x_t$", []),
        ("r", "gate", r"$\sigma$ r", ["s_prev", "x"]),
        ("z", "gate", r"$\sigma$ z", ["s_prev", "x"]),
        ("read", "op", r"$\odot$", ["r", "s_prev"]),
        ("one_minus", "op", "1−", ["z"]),
        ("cand", "layer", r"$\phi$ layer $\tilde s_t$", ["read", "x"]),
        ("keep", "op", r"$\odot$", ["z", "s_prev"]),
        ("write", "op", r"$\odot$", ["one_minus", "cand"]),
        ("add", "op", "+", ["keep", "write"]),
        ("s", "output", "$s_t$ = output", ["add"]),
    ],
    "pseudo": [
        ("s_prev", "state", "$s_{t-1}$", []),
        ("x", "input", "$x_t$", []),
        ("squash", "op", r"$\phi$", ["s_prev"]),
        ("o", "gate", r"$\sigma$ o", ["squash", "x"]),
        ("i", "gate", r"$\sigma$ i", ["squash", "x"]),
        ("f", "gate", r"$\sigma$ f", ["squash", "x"]),
        ("read", "op", r"$\odot$", ["o", "squash"]),
        ("cand", "layer", r"$\phi$ layer $\tilde s_t$", ["read", "x"]),
        ("keep", "op", r"$\odot$", ["f", "s_prev"]),
        ("write", "op", r"$\odot$", ["i", "cand"]),
        ("add", "op", "+", ["keep", "write"]),
        ("s", "state", "$s_t$", ["add"]),
        ("out", "op", r"$\phi$", ["add"]),
        ("y", "output", r"output $\phi(s_t)$", ["out"]),
    ],
    "lstm": [
        ("c_prev", "state", "$c_{t-1}$", []),
        ("h_prev", "state", "$h_{t-1}$", []),
        ("x", "input", "$x_t$", []),
        ("i", "gate", r"$\sigma$ i", ["h_prev", "x"]),
        ("f", "gate", r"$\sigma$ f", ["h_prev", "x"]),
        ("cand", "layer", r"$\phi$ layer $\tilde c_t$", ["h_prev", "x"]),
        ("o", "gate", r"$\sigma$ o", ["h_prev", "x"]),
        ("keep", "op", r"$\odot$", ["f", "c_prev"]),
        ("write", "op", r"$\odot$", ["i", "cand"]),
        ("add", "op", "+", ["keep", "write"]),
        ("c", "state", "$c_t$", ["add"]),
        ("squash", "op", r"$\phi$", ["add"]),
        ("read", "op", r"$\odot$", ["o", "squash"]),
        ("h", "output", "$h_t$ = output", ["read"]),
    ],
}
CELL_DIAGRAMS["normalized"] = [
    *CELL_DIAGRAMS["prototype"][:-1],
    ("norm", "opbox", r"$\div\sqrt{\mathrm{Var}+1}$", ["add"]),
    ("s", "output", "$s_t$ = output", ["norm"]),
]
CELL_DIAGRAMS["peephole"] = [
    ("c_prev", "state", "$c_{t-1}$", []),
    ("h_prev", "state", "$h_{t-1}$", []),
    ("x", "input", "$x_t$", []),
    ("i", "gate", r"$\sigma$ i", ["h_prev", "x", "c_prev"]),
    ("f", "gate", r"$\sigma$ f", ["h_prev", "x", "c_prev"]),
    ("cand", "layer", r"$\phi$ layer $\tilde c_t$", ["h_prev", "x"]),
    ("keep", "op", r"$\odot$", ["f", "c_prev"]),
    ("write", "op", r"$\odot$", ["i", "cand"]),
    ("add", "op", "+", ["keep", "write"]),
    ("o", "gate", r"$\sigma$ o", ["h_prev", "x", "add"]),
    ("c", "state", "$c_t$", ["add"]),
    ("squash", "op", r"$\phi$", ["add"]),
    ("read", "op", r"$\odot$", ["o", "squash"]),
    ("h", "output", "$h_t$ = output", ["read"]),
]


def _spec_of(name_or_spec) -> Sequence[Node]:
    if isinstance(name_or_spec, str):
        if name_or_spec not in CELL_DIAGRAMS:
            raise ValueError(
                f"no diagram for {name_or_spec!r}; expected one of "
                f"{sorted(CELL_DIAGRAMS)} or a list of nodes"
            )
        return CELL_DIAGRAMS[name_or_spec]
    return name_or_spec


_SUB = str.maketrans("t-1", "ₜ₋₁")
_PLAIN = (
    (r"\div\sqrt{\mathrm{Var}+1}", "÷ √(Var + 1)"),
    (r"\tilde s", "s̃"),
    (r"\tilde c", "c̃"),
    (r"\phi", "φ"),
    (r"\sigma", "σ"),
    (r"\odot", "⊙"),
    ("$", ""),
)


def plain_label(label: str) -> str:
    """A node's label as plain text: ``$s_{t-1}$`` -> ``sₜ₋₁``, ``$\\phi$ layer`` -> ``φ layer``."""
    for tex, text in _PLAIN:
        label = label.replace(tex, text)
    label = label.replace("_{t-1}", "_t-1")
    out, k = [], 0
    while k < len(label):
        if label[k] == "_":
            sub = "t-1" if label.startswith("t-1", k + 1) else label[k + 1]
            out.append(sub.translate(_SUB))
            k += 1 + len(sub)
        else:
            out.append(label[k])
            k += 1
    return "".join(out)


def diagram_description(name_or_spec, name: str | None = None) -> str:
    """What a cell's diagram shows, in words, for a reader who cannot see it.

    Derived from the description alone, like the drawing: the inputs, then each gate, layer
    and state as an equation of what feeds it, e.g. for the prototype LSTM
    ``gates o, i, f = σ(sₜ₋₁, xₜ); s̃ₜ = φ layer(o ⊙ sₜ₋₁, xₜ); output sₜ = f ⊙ sₜ₋₁ + i ⊙ s̃ₜ``.
    """
    spec = _spec_of(name_or_spec)
    parents = _check_spec(spec)
    if name is None:
        name = cell_label(name_or_spec) if isinstance(name_or_spec, str) else "cell"
    nodes = {node[0]: node for node in spec}
    children: dict[str, list[str]] = {k: [] for k in nodes}
    for k, ps in parents.items():
        for p in ps:
            children[p].append(k)

    def holder(k):
        """The state or output box that shows node k's value, if there is one."""
        return next(
            (c for c in children[k] if nodes[c][1] in ("state", "output") and parents[c] == [k]),
            None,
        )

    def display(k):
        return plain_label(nodes[k][2]).replace(" = output", "").replace("output ", "")

    def expression(k) -> str:
        _, kind, label, ps = nodes[k]
        args = [named(p) for p in ps]
        if kind == "gate":
            return f"σ({', '.join(args)})"
        if kind == "layer":
            return f"φ layer({', '.join(args)})"
        if kind in ("state", "output"):
            return expression(ps[0]) if holder(ps[0]) == k else args[0]
        text = plain_label(label)
        if text == "⊙":
            return " ⊙ ".join(f"({a})" if " + " in a else a for a in args)
        if text == "+":
            return " + ".join(args)
        if text == "1−":
            return f"(1 − {args[0]})"
        if text == "φ":
            return f"φ({args[0]})"
        return f"({args[0]}) {text}"

    def named(k) -> str:
        _, kind, label, ps = nodes[k]
        if not ps or kind in ("state", "output"):
            return display(k)
        if kind == "gate":
            return plain_label(label).split()[-1]
        if holder(k) is not None:
            return display(holder(k))
        if kind == "layer" and "layer " in plain_label(label):
            return plain_label(label).split("layer ")[-1]
        return expression(k)

    inputs = [display(k) for k, ps in parents.items() if not ps]
    parts, done = [], set()
    for k, (_, kind, label, ps) in nodes.items():
        if not ps or k in done:
            continue
        if kind == "gate":
            group = [g for g, node in nodes.items() if node[1] == "gate" and parents[g] == ps]
            done.update(group)
            letters = ", ".join(named(g) for g in group)
            parts.append(f"{'gates' if len(group) > 1 else 'gate'} {letters} = {expression(k)}")
        elif kind == "layer":
            if holder(k) is None:
                parts.append(f"{named(k)} = {expression(k)}")
        elif kind in ("state", "output"):
            lead = "output " if kind == "output" else "new state "
            if "output" in plain_label(label) and "=" not in plain_label(label):
                parts.append(f"output {expression(k)}")
            else:
                parts.append(f"{lead}{display(k)} = {expression(k)}")
    listed = ", ".join(inputs[:-1]) + " and " + inputs[-1] if len(inputs) > 1 else inputs[0]
    return (
        f"Dataflow diagram of the {name}, left to right from the inputs {listed}: "
        + "; ".join(parts)
        + "."
    )


def _check_spec(spec: Sequence[Node]) -> dict[str, list[str]]:
    ids = [node[0] for node in spec]
    if len(set(ids)) != len(ids):
        raise ValueError(f"node ids must be unique; got {ids}")
    parents: dict[str, list[str]] = {}
    for node in spec:
        if len(node) != 4:
            raise ValueError(f"a node is (id, kind, label, parents); got {node!r}")
        nid, kind, _, ps = node
        if kind not in NODE_STYLE:
            raise ValueError(
                f"node {nid!r} has kind {kind!r}; expected one of {sorted(NODE_STYLE)}"
            )
        missing = [p for p in ps if p not in parents]
        if missing:
            known = [p for p in ps if p in ids]
            raise ValueError(
                f"node {nid!r} has unknown parents {missing}"
                if len(known) < len(ps)
                else f"node {nid!r} is listed before its parents {missing}; list parents first"
            )
        parents[nid] = list(ps)
    return parents


def diagram_layout(spec: Sequence[Node]) -> dict[str, tuple[float, float]]:
    """Positions ``id -> (column, row)``: column = longest path from an input, rows whole numbers.

    Within a column, nodes are ordered by the mean row of their parents (fewer crossings).
    """
    parents = _check_spec(spec)
    depth: dict[str, int] = {}
    for nid in parents:  # parents come before their children
        depth[nid] = 1 + max((depth[p] for p in parents[nid]), default=-1)
    columns: dict[int, list[str]] = {}
    for nid in parents:
        columns.setdefault(depth[nid], []).append(nid)
    pos: dict[str, tuple[float, float]] = {}
    for col in sorted(columns):
        members = columns[col]
        if col > 0:
            members = sorted(members, key=lambda m: -np.mean([pos[p][1] for p in parents[m]]))
        top = (len(members) - 1) // 2
        for row, nid in enumerate(members):
            pos[nid] = (float(col), float(top - row))
    return pos


def _tracks(count: int, half_span: float) -> list[float]:
    """``count`` offsets spread evenly over ``[-half_span, half_span]`` (0 for one)."""
    if count == 1:
        return [0.0]
    return list(np.linspace(-half_span, half_span, count))


def diagram_geometry(spec: Sequence[Node]) -> dict:
    """Where every box sits and where every edge runs, in data coordinates.

    Returns ``{"boxes": id -> (x0, y0, x1, y1), "shapes": id -> "box" | "circle",
    "edges": [(parent, child, [(x, y), ...]), ...]}``: each edge a polyline of horizontal and
    vertical segments from a point on the parent's right side to a point on the child's left
    side (the arrowhead's tip).
    """
    parents = _check_spec(spec)
    kinds = {node[0]: node[1] for node in spec}
    pos = diagram_layout(spec)
    centre = {k: (c * COLUMN_PITCH, r * ROW_PITCH) for k, (c, r) in pos.items()}
    boxes, shapes = {}, {}
    for nid, kind in kinds.items():
        x, y = centre[nid]
        style = NODE_STYLE[kind]
        w = style["half_width"]
        h = w if style["shape"] == "circle" else HALF_HEIGHT
        boxes[nid] = (x - w, y - h, x + w, y + h)
        shapes[nid] = style["shape"]
    col = {k: int(c) for k, (c, _) in pos.items()}
    n_cols = max(col.values()) + 1
    # channel c lies between columns c and c + 1
    channel = []
    for c in range(n_cols - 1):
        left = max(boxes[k][2] for k in boxes if col[k] == c)
        right = min(boxes[k][0] for k in boxes if col[k] == c + 1)
        channel.append((left, right))
    edges = [(p, k) for k in parents for p in parents[k]]

    def free(y: float, x0: float, x1: float, ignore=()) -> bool:
        """Is the horizontal segment at height y from x0 to x1 clear of every box?"""
        lo, hi = min(x0, x1), max(x0, x1)
        return not any(
            b[1] - 0.04 < y < b[3] + 0.04 and b[0] < hi and b[2] > lo
            for k, b in boxes.items()
            if k not in ignore
        )

    # entry points: spread the inputs of a node over its left side, in the order of their rows
    entry = {}
    for k, ps in parents.items():
        ordered = sorted(ps, key=lambda p: -centre[p][1])
        x0, y0, x1, y1 = boxes[k]
        h = 0.8 * (y1 - y0) / 2
        for p, dy in zip(ordered, _tracks(len(ordered), h)[::-1]):
            yc = centre[k][1] + dy
            if shapes[k] == "circle":
                r = (x1 - x0) / 2
                xe = centre[k][0] - np.sqrt(r * r - dy * dy)
            else:
                xe = x0
            entry[(p, k)] = (xe, yc)
    # plan each edge: a direct route (one vertical, in the channel before the child) if the
    # horizontal from the parent is clear, else via a lane
    plan = {}
    for p, k in edges:
        ye = entry[(p, k)][1]
        ys = centre[p][1]
        c_after, c_before = col[p], col[k] - 1
        if c_after == c_before or free(ys, boxes[p][2], channel[c_before][1], ignore=(p,)):
            plan[(p, k)] = ("direct", c_before)
        else:
            lanes = [r + 0.5 for r in range(-n_cols - 2, n_cols + 2)]
            lane = min(lanes, key=lambda ly: (abs(ys - ly) + abs(ly - ye), abs(ys - ly)))
            plan[(p, k)] = ("lane", c_after, lane, c_before)
    # tracks: one x per (channel, source), one y per (lane, source)
    users: dict[int, list[str]] = {}
    lane_users: dict[float, list[str]] = {}
    for (p, _), pl in plan.items():
        for c in (pl[1],) if pl[0] == "direct" else (pl[1], pl[3]):
            if p not in users.setdefault(c, []):
                users[c].append(p)
        if pl[0] == "lane" and p not in lane_users.setdefault(pl[2], []):
            lane_users[pl[2]].append(p)
    track_x = {}
    for c, ps in users.items():
        ps = sorted(ps, key=lambda q: -centre[q][1])  # higher sources on the left tracks
        left, right = channel[c]
        half = 0.5 * (right - left) - 0.12
        mid = 0.5 * (left + right)
        for q, dx in zip(ps, _tracks(len(ps), min(half, 0.1 * (len(ps) - 1)))):
            track_x[(c, q)] = mid + dx
    track_y = {}
    for ly, ps in lane_users.items():
        for q, dy in zip(sorted(ps), _tracks(len(ps), min(0.22, 0.08 * (len(ps) - 1)))):
            track_y[(ly, q)] = ly + dy
    routed = []
    for p, k in edges:
        pl = plan[(p, k)]
        start = (boxes[p][2], centre[p][1])
        xe, ye = entry[(p, k)]
        if pl[0] == "direct":
            xt = track_x[(pl[1], p)]
            pts = [start, (xt, start[1]), (xt, ye), (xe, ye)]
        else:
            xa, xb, yl = track_x[(pl[1], p)], track_x[(pl[3], p)], track_y[(pl[2], p)]
            pts = [start, (xa, start[1]), (xa, yl), (xb, yl), (xb, ye), (xe, ye)]
        routed.append((p, k, _simplify(pts)))
    return {"boxes": boxes, "shapes": shapes, "edges": routed}


def _simplify(pts):
    """Drop repeated points and the middle point of three collinear ones."""
    out = []
    for q in pts:
        q = (float(q[0]), float(q[1]))
        if out and np.allclose(out[-1], q):
            continue
        if len(out) >= 2:
            (ax, ay), (bx, by) = out[-2], out[-1]
            if (np.isclose(ax, bx) and np.isclose(bx, q[0])) or (
                np.isclose(ay, by) and np.isclose(by, q[1])
            ):
                out[-1] = q
                continue
        out.append(q)
    return out


def _branch_points(edges) -> list[tuple[float, float]]:
    """Points where edges of one source part ways (drawn as dots)."""
    by_source: dict[str, list[list[tuple[float, float]]]] = {}
    for p, _, pts in edges:
        by_source.setdefault(p, []).append(pts)
    dots = []
    for routes in by_source.values():
        if len(routes) < 2:
            continue
        for a in range(len(routes)):
            for b in range(a + 1, len(routes)):
                ra, rb = routes[a], routes[b]
                n = 0
                while n < min(len(ra), len(rb)) and np.allclose(ra[n], rb[n]):
                    n += 1
                if n == 0:
                    continue
                # they share ra[:n]; they part on the segment after ra[n-1]
                last = ra[n - 1]
                na, nb = ra[n], rb[n]
                if (np.isclose(na[0], nb[0]) and np.isclose(na[0], last[0])) or (
                    np.isclose(na[1], nb[1]) and np.isclose(na[1], last[1])
                ):
                    split = (
                        na
                        if np.hypot(*np.subtract(na, last)) < np.hypot(*np.subtract(nb, last))
                        else nb
                    )
                else:
                    split = last
                if n >= 2 or split != last:
                    dots.append(tuple(split))
    unique = []
    for d in dots:
        if not any(np.allclose(d, u) for u in unique):
            unique.append(d)
    return unique


def draw_cell_diagram(name_or_spec, ax=None, title: str | None = None):
    """Draw a cell's dataflow in the book's one visual language; returns the figure.

    Blue boxes carry state between steps, grey boxes are inputs, outlined boxes are gates (a
    sigmoid layer; green write i, orange keep f / z, purple read o / r), yellow boxes are tanh
    layers, circles are elementwise operations, green boxes the output. Every edge ends in an
    arrowhead at the node it feeds; a dot marks where one value branches to several nodes.
    Artists carry ids for tests: ``node:<id>`` for boxes, ``edge:<parent>-><child>`` for edges.
    The figure is described by :func:`diagram_description` (added to the figure's description
    when ``ax`` belongs to a figure that already has one).
    """
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    spec = _spec_of(name_or_spec)
    geo = diagram_geometry(spec)
    boxes = geo["boxes"]
    x_lo = min(b[0] for b in boxes.values()) - 0.15
    x_hi = max(b[2] for b in boxes.values()) + 0.15
    y_lo = min(b[1] for b in boxes.values()) - 0.35
    y_hi = max(b[3] for b in boxes.values()) + 0.35
    ax_given = ax is not None
    fig, ax = new_figure(ax, figsize=(0.62 * (x_hi - x_lo) + 0.3, 0.62 * (y_hi - y_lo) + 0.6))
    kinds = {node[0]: node[1] for node in spec}
    for p, k, pts in geo["edges"]:
        color = GATE_COLORS.get(p, "#555555") if kinds[p] == "gate" else "#555555"
        xs, ys = zip(*pts)
        ax.plot(
            xs, ys, color=color, lw=1.1, solid_joinstyle="miter", zorder=1, gid=f"edge:{p}->{k}"
        )
        ax.add_patch(
            FancyArrowPatch(
                pts[-2],
                pts[-1],
                arrowstyle="-|>",
                mutation_scale=9,
                color=color,
                lw=1.1,
                shrinkA=0,
                shrinkB=0,
                zorder=4,
                gid=f"arrow:{p}->{k}",
            )
        )
    for x, y in _branch_points(geo["edges"]):
        ax.plot([x], [y], "o", color="#555555", ms=3, zorder=1.5)
    for nid, kind, label, _ in spec:
        x0, y0, x1, y1 = boxes[nid]
        xc, yc = (x0 + x1) / 2, (y0 + y1) / 2
        style = NODE_STYLE[kind]
        edge = GATE_COLORS.get(nid, "black") if kind == "gate" else style["edge"]
        if style["shape"] == "circle":
            ax.add_patch(
                Circle(
                    (xc, yc),
                    (x1 - x0) / 2,
                    facecolor=style["face"],
                    edgecolor=edge,
                    lw=1.3,
                    zorder=2,
                    gid=f"node:{nid}",
                )
            )
        else:
            ax.add_patch(
                FancyBboxPatch(
                    (x0, y0),
                    x1 - x0,
                    y1 - y0,
                    boxstyle="round,pad=0,rounding_size=0.05",
                    facecolor=style["face"],
                    edgecolor=edge,
                    lw=1.5 if kind == "gate" else 1.1,
                    zorder=2,
                    gid=f"node:{nid}",
                )
            )
        ax.text(xc, yc, label, ha="center", va="center", fontsize=LABEL_SIZE, zorder=3)
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    ax.axis("off")
    if title is None and isinstance(name_or_spec, str):
        title = cell_label(name_or_spec)
    if title:
        ax.set_title(title)
    # Several diagrams drawn into one figure: each adds its description to the figure's.
    text = diagram_description(spec, name=title or "cell")
    previous = getattr(fig, "_wm_description", None) if ax_given else None
    return describe(fig, f"{previous} {text}" if previous else text)

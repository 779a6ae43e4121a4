"""The cell diagrams show the cells' equations: the drawn edges, and nothing drawn under a box.

The equations are written here a second time, as small expression trees, independently of the
diagram descriptions in :mod:`rnnlib.book.cell_diagrams`. They are checked twice: evaluated
with numbers they must give what each cell's ``step`` computes, and rebuilt from the arrows
actually drawn (the figure's artists) they must give the same trees.
"""

import itertools

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import rnnlib
from rnnlib.book import cell_diagrams, style

NAMES = ("vanilla", "prototype", "normalized", "gru", "pseudo", "lstm", "peephole")
S, X, C, H = ("leaf", "s_prev"), ("leaf", "x"), ("leaf", "c_prev"), ("leaf", "h_prev")


# -- the equations, as trees ------------------------------------------------------------------


def gate(name, *args):
    return ("gate", name, *args)


def layer(*args):
    return ("layer", *args)


def mul(a, b):
    return ("mul", a, b)


def add(a, b):
    return ("add", a, b)


def prototype_state(read_of):
    i, f, o = (gate(g, S, X) for g in "ifo")
    return add(mul(f, S), mul(i, layer(read_of(o), X)))


def lstm_outputs(peepholes):
    extra = (C,) if peepholes else ()
    i, f = gate("i", H, X, *extra), gate("f", H, X, *extra)
    c = add(mul(f, C), mul(i, layer(H, X)))
    o = gate("o", H, X, c) if peepholes else gate("o", H, X)
    return {"c_t": c, "h_t": mul(o, ("phi", c))}


def equations(name):
    """The cell's outputs as expression trees, from the book's equations."""
    if name == "vanilla":
        return {"s_t": layer(S, X)}
    if name == "prototype":
        return {"s_t": prototype_state(lambda o: mul(o, S))}
    if name == "normalized":
        return {"s_t": ("norm", prototype_state(lambda o: mul(o, S)))}
    if name == "gru":
        r, z = gate("r", S, X), gate("z", S, X)
        return {"s_t": add(mul(z, S), mul(("one_minus", z), layer(mul(r, S), X)))}
    if name == "pseudo":
        read = ("phi", S)
        i, f, o = (gate(g, read, X) for g in "ifo")
        s = add(mul(f, S), mul(i, layer(mul(o, read), X)))
        return {"s_t": s, "output": ("phi", s)}
    return lstm_outputs(peepholes=name == "peephole")


def canonical(tree) -> str:
    """A string for a tree, with the arguments of the symmetric operations sorted."""
    if tree[0] == "leaf":
        return tree[1]
    if tree[0] == "gate":
        return f"sigma_{tree[1]}(" + ", ".join(sorted(canonical(a) for a in tree[2:])) + ")"
    args = [canonical(a) for a in tree[1:]]
    if tree[0] in ("layer", "mul", "add"):
        args = sorted(args)
    return f"{tree[0]}(" + ", ".join(args) + ")"


# -- the equations against the code -----------------------------------------------------------


def evaluate(tree, p, env):
    """Evaluate a tree with the cell's parameters ``p`` (batched rows, as rnnlib computes)."""
    kind = tree[0]
    if kind == "leaf":
        return env[tree[1]]
    if kind in ("gate", "layer"):
        suffix = f"_{tree[1]}" if kind == "gate" else ""
        args = tree[2:] if kind == "gate" else tree[1:]
        total = p["b" + suffix]
        for arg in args:
            value = evaluate(arg, p, env)
            if arg == X:
                total = total + value @ p["U" + suffix].T
            elif arg == C or arg[0] == "add":  # a cell state seen through a peephole
                total = total + p["p" + suffix] * value
            else:
                total = total + value @ p["W" + suffix].T
        return rnnlib.sigmoid(total) if kind == "gate" else np.tanh(total)
    a = [evaluate(arg, p, env) for arg in tree[1:]]
    if kind == "mul":
        return a[0] * a[1]
    if kind == "add":
        return a[0] + a[1]
    if kind == "one_minus":
        return 1 - a[0]
    if kind == "phi":
        return np.tanh(a[0])
    assert kind == "norm", kind
    return a[0] / np.sqrt(a[0].var(axis=-1, keepdims=True) + 1)


@pytest.mark.parametrize("name", NAMES)
def test_the_equations_written_here_are_the_cells_step(name):
    rng = np.random.default_rng(0)
    cell = rnnlib.random_cell(name, 3, 5, rng)  # biases and peepholes random too
    x = rng.normal(size=(2, 3))
    if name in ("lstm", "peephole"):
        c, h = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
        c_new, h_new = cell.step(cell.params, (c, h), x)
        got = {"c_t": c_new, "h_t": h_new}
        env = {"c_prev": c, "h_prev": h, "x": x}
    else:
        s = rng.normal(size=(2, 5))
        s_new = cell.step(cell.params, s, x)
        got = {"s_t": s_new}
        if name == "pseudo":
            got["output"] = cell.output(s_new)
        env = {"s_prev": s, "x": x}
    want = {k: evaluate(t, cell.params, env) for k, t in equations(name).items()}
    assert set(want) == set(got)
    for k, value in want.items():
        np.testing.assert_allclose(got[k], value, rtol=1e-12, atol=1e-12)


# -- the drawing against the equations --------------------------------------------------------


LEAVES = {"$s_{t-1}$": "s_prev", "$x_t$": "x", "$c_{t-1}$": "c_prev", "$h_{t-1}$": "h_prev"}


def output_name(label: str) -> str:
    if "phi(s_t)" in label:
        return "output"
    for name in ("h_t", "c_t", "s_t"):
        if name in label:
            return name
    raise AssertionError(f"no output name for label {label!r}")


def drawn_edges(fig) -> set[tuple[str, str]]:
    ax = fig.axes[0]
    edges = {
        tuple(line.get_gid()[5:].split("->"))
        for line in ax.get_lines()
        if (line.get_gid() or "").startswith("edge:")
    }
    arrows = {
        tuple(a.get_gid()[6:].split("->"))
        for a in ax.patches
        if (a.get_gid() or "").startswith("arrow:")
    }
    assert edges == arrows, "every drawn edge has exactly one arrowhead"
    return edges


def rebuilt_from_drawing(name):
    """The outputs' trees, read from the arrows drawn and the labels of the boxes they join."""
    spec = {node[0]: node for node in cell_diagrams.CELL_DIAGRAMS[name]}
    fig = cell_diagrams.draw_cell_diagram(name)
    edges = drawn_edges(fig)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {node[2] for node in spec.values()} <= texts, "every node's label is drawn"
    parents = {k: [p for p, q in sorted(edges) if q == k] for k in spec}
    children = {k: [q for p, q in edges if p == k] for k in spec}

    def tree(k):
        _, kind, label, _ = spec[k]
        ps = [tree(p) for p in parents[k]]
        if not ps:
            return ("leaf", LEAVES[label])
        if kind == "gate":
            return gate(label.split()[-1], *ps)
        if kind == "layer":
            return layer(*ps)
        if kind in ("state", "output") and len(ps) == 1:
            return ps[0]  # a box that shows a value computed elsewhere
        op = {r"$\odot$": "mul", "+": "add", "1−": "one_minus", r"$\phi$": "phi"}.get(label)
        if op is None and "Var" in label:
            op = "norm"
        assert op is not None, f"unknown operation {label!r}"
        return (op, *ps)

    sinks = [k for k in spec if not children[k]]
    return {output_name(spec[k][2]): tree(k) for k in sinks}


@pytest.mark.parametrize("name", NAMES)
def test_drawn_edges_are_the_dataflow_of_the_equations(name):
    drawn = {k: canonical(t) for k, t in rebuilt_from_drawing(name).items()}
    want = {k: canonical(t) for k, t in equations(name).items()}
    assert drawn == want


@pytest.mark.parametrize("name", [n for n in NAMES if n != "vanilla"])
def test_gate_inputs_in_the_equations_are_what_the_gates_depend_on(name):
    rng = np.random.default_rng(1)
    cell = rnnlib.random_cell(name, 3, 5, rng)
    x = rng.normal(size=(1, 3))
    state = (
        (rng.normal(size=(1, 5)), rng.normal(size=(1, 5)))
        if name in ("lstm", "peephole")
        else rng.normal(size=(1, 5))
    )
    inputs = ["c_prev", "h_prev"] if name in ("lstm", "peephole") else ["s_prev"]

    def gates(state, x):
        probe = rnnlib.GateProbe()
        cell.step(cell.params, state, x, probe=probe)
        return {g: probe.values[g][0] for g in cell.gate_names}

    base = gates(state, x)
    depends = {g: set() for g in cell.gate_names}
    for which in [*inputs, "x"]:
        if which == "x":
            moved = gates(state, x + 0.3)
        elif name in ("lstm", "peephole"):
            c, h = state
            moved = gates((c + 0.3, h) if which == "c_prev" else (c, h + 0.3), x)
        else:
            moved = gates(state + 0.3, x)
        for g in cell.gate_names:
            if not np.allclose(moved[g], base[g], rtol=0, atol=1e-14):
                depends[g].add(which)

    def leaves(tree):
        return (
            {tree[1]}
            if tree[0] == "leaf"
            else set().union(*(leaves(a) for a in tree[(2 if tree[0] == "gate" else 1) :]))
        )

    def gate_trees(tree, out):
        if tree[0] == "gate":
            out[tree[1]] = tree
        if tree[0] != "leaf":
            for a in tree[(2 if tree[0] == "gate" else 1) :]:
                gate_trees(a, out)
        return out

    found = {}
    for t in equations(name).values():
        gate_trees(t, found)
    assert set(found) == set(cell.gate_names)
    assert {g: leaves(t) for g, t in found.items()} == depends


# -- geometry: what the reader sees ---------------------------------------------------------


def drawn_geometry(fig):
    ax = fig.axes[0]
    boxes = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if gid.startswith("node:"):
            if hasattr(patch, "get_radius"):
                (x, y), r = patch.get_center(), patch.get_radius()
                boxes[gid[5:]] = ("circle", x, y, r)
            else:
                x0, y0 = patch.get_x(), patch.get_y()
                boxes[gid[5:]] = ("box", x0, y0, x0 + patch.get_width(), y0 + patch.get_height())
    lines = {
        tuple(line.get_gid()[5:].split("->")): np.column_stack(line.get_data())
        for line in ax.get_lines()
        if (line.get_gid() or "").startswith("edge:")
    }
    tips = {
        tuple(a.get_gid()[6:].split("->")): a._posA_posB[1]
        for a in ax.patches
        if (a.get_gid() or "").startswith("arrow:")
    }
    return boxes, lines, tips


def hits_interior(shape, a, b, eps=1e-6) -> bool:
    """Does the segment a-b pass through the inside of the box or circle (not its rim)?"""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if shape[0] == "circle":
        _, x, y, r = shape
        c = np.array([x, y])
        d = b - a
        t = np.clip(np.dot(c - a, d) / max(np.dot(d, d), 1e-300), 0, 1)
        return np.linalg.norm(a + t * d - c) < r - eps
    _, x0, y0, x1, y1 = shape
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return lo[0] < x1 - eps and hi[0] > x0 + eps and lo[1] < y1 - eps and hi[1] > y0 + eps


def on_rim(shape, point, tol=1e-9) -> bool:
    x, y = point
    if shape[0] == "circle":
        return abs(np.hypot(x - shape[1], y - shape[2]) - shape[3]) < tol
    _, x0, y0, x1, y1 = shape
    inside = x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol
    return inside and min(abs(x - x0), abs(x - x1), abs(y - y0), abs(y - y1)) < tol


@pytest.mark.parametrize("name", NAMES)
def test_no_edge_passes_under_a_box_and_each_ends_where_it_belongs(name):
    boxes, lines, tips = drawn_geometry(cell_diagrams.draw_cell_diagram(name))
    assert set(boxes) == {node[0] for node in cell_diagrams.CELL_DIAGRAMS[name]}
    assert set(lines) == set(tips)
    for (p, k), pts in lines.items():
        assert on_rim(boxes[p], pts[0]), f"{p}->{k} does not start on {p}"
        assert on_rim(boxes[k], pts[-1]), f"{p}->{k} does not end on {k}"
        np.testing.assert_allclose(tips[(p, k)], pts[-1], err_msg=f"arrowhead of {p}->{k}")
        for a, b in itertools.pairwise(pts):
            assert a[0] == b[0] or a[1] == b[1], f"{p}->{k} has a slanted segment"
            for nid, shape in boxes.items():  # the endpoints' own boxes included
                assert not hits_interior(shape, a, b), f"{p}->{k} passes under {nid}"


def _overlap(s1, s2, tol=1e-9) -> bool:
    """Do two axis-parallel segments run on top of each other for a positive length?"""
    (a, b), (c, d) = s1, s2
    for axis in (0, 1):
        other = 1 - axis
        if (
            abs(a[other] - b[other]) < tol
            and abs(c[other] - d[other]) < tol
            and abs(a[other] - c[other]) < tol
        ):
            lo = max(min(a[axis], b[axis]), min(c[axis], d[axis]))
            hi = min(max(a[axis], b[axis]), max(c[axis], d[axis]))
            if hi - lo > tol:
                return True
    return False


@pytest.mark.parametrize("name", NAMES)
def test_edges_from_different_sources_never_share_a_line(name):
    _, lines, _ = drawn_geometry(cell_diagrams.draw_cell_diagram(name))
    items = list(lines.items())
    for n, ((p, k), pts) in enumerate(items):
        for (q, m), other in items[n + 1 :]:
            if p == q:
                continue  # one value sent to several nodes may share its first stretch
            for s1 in itertools.pairwise(pts):
                for s2 in itertools.pairwise(other):
                    assert not _overlap(s1, s2), f"{p}->{k} runs on top of {q}->{m}"


def test_the_geometry_checks_can_fail():
    # a segment straight through a box, and one ending short of its box, are caught
    assert hits_interior(("box", 0, 0, 1, 1), (-1, 0.5), (2, 0.5))
    assert not hits_interior(("box", 0, 0, 1, 1), (-1, 1.0), (2, 1.0))  # along the rim
    assert hits_interior(("circle", 0, 0, 1), (-2, 0.5), (2, 0.5))
    assert not on_rim(("box", 0, 0, 1, 1), (-0.1, 0.5))
    assert _overlap(((0, 0), (2, 0)), ((1, 0), (3, 0)))
    assert not _overlap(((0, 0), (2, 0)), ((2, 0), (3, 0)))


def test_bad_descriptions_and_names_are_refused():
    with pytest.raises(ValueError, match="unique"):
        cell_diagrams.diagram_layout([("a", "state", "a", []), ("a", "op", "+", [])])
    with pytest.raises(ValueError, match="unknown parents"):
        cell_diagrams.diagram_layout([("a", "op", "+", ["missing"])])
    with pytest.raises(ValueError, match="kind"):
        cell_diagrams.diagram_layout([("a", "blob", "a", [])])
    with pytest.raises(ValueError, match="no diagram"):
        cell_diagrams.draw_cell_diagram("nonsense")


def test_diagram_gates_are_the_cells_gates():
    for name, spec in cell_diagrams.CELL_DIAGRAMS.items():
        drawn = {node[0] for node in spec if node[1] == "gate"}
        assert drawn == set(rnnlib.CELLS[name].gate_names), name


# -- the description of each diagram (its alt text on the website) ----------------------------


@pytest.mark.parametrize("name", NAMES)
def test_each_diagram_is_described_from_its_dataflow(name):
    fig = cell_diagrams.draw_cell_diagram(name)
    text = fig._wm_description
    assert text == cell_diagrams.diagram_description(name)
    assert text.startswith(f"Dataflow diagram of the {style.cell_label(name)},")
    spec = cell_diagrams.CELL_DIAGRAMS[name]
    for nid, kind, label, parents in spec:
        if not parents:  # every input is named
            assert cell_diagrams.plain_label(label) in text
        if kind == "gate":  # every gate, with what it reads
            assert f" {nid}" in text
    assert "$" not in text and "\\" not in text  # plain text, no TeX


def test_descriptions_say_the_equations():
    assert cell_diagrams.diagram_description("prototype").endswith(
        "gates o, i, f = σ(sₜ₋₁, xₜ); s̃ₜ = φ layer(o ⊙ sₜ₋₁, xₜ); output sₜ = f ⊙ sₜ₋₁ + i ⊙ s̃ₜ."
    )
    assert cell_diagrams.diagram_description("gru").endswith("output sₜ = z ⊙ sₜ₋₁ + (1 − z) ⊙ s̃ₜ.")
    assert cell_diagrams.diagram_description("peephole").endswith(
        "gates i, f = σ(hₜ₋₁, xₜ, cₜ₋₁); c̃ₜ = φ layer(hₜ₋₁, xₜ); gate o = σ(hₜ₋₁, xₜ, cₜ); "
        "new state cₜ = f ⊙ cₜ₋₁ + i ⊙ c̃ₜ; output hₜ = o ⊙ φ(cₜ)."
    )


def test_diagrams_drawn_into_one_figure_describe_it_together():
    fig, axes = style.figure(1, 2, figsize=(12, 3))
    cell_diagrams.draw_cell_diagram("lstm", ax=axes[0])
    cell_diagrams.draw_cell_diagram("peephole", ax=axes[1])
    assert fig._wm_description == (
        cell_diagrams.diagram_description("lstm")
        + " "
        + cell_diagrams.diagram_description("peephole")
    )


def test_every_label_has_one_size():
    fig = cell_diagrams.draw_cell_diagram("gru")
    sizes = {t.get_fontsize() for t in fig.axes[0].texts}
    assert sizes == {cell_diagrams.LABEL_SIZE}

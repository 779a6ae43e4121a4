"""The coloured-text figure: each character of a passage on a background coloured by the value
one cell unit (or one gate) holds after reading it."""

from __future__ import annotations

import numpy as np

from ..widgets import View

#: Advance width of DejaVu Sans Mono (matplotlib's monospace font) in em: 1233 / 2048.
MONO_ADVANCE = 1233 / 2048
FIG_WIDTH_IN = 8.0


def passage_grid(text: str, values: np.ndarray, n_cols: int) -> tuple[list[str], np.ndarray]:
    """The lines of ``text`` (cut at ``n_cols``) and a (lines, n_cols) array of ``values``
    (one per character of ``text``) at each character's place; NaN where there is none."""
    values = np.asarray(values, dtype=float)
    if values.shape != (len(text),):
        raise ValueError(f"values must have one entry per character, shape ({len(text)},); "
                         f"got {values.shape}")
    lines = text.split("\n")
    grid = np.full((len(lines), n_cols), np.nan)
    t = 0
    for row, line in enumerate(lines):
        k = min(len(line), n_cols)
        grid[row, :k] = values[t: t + k]
        t += len(line) + 1  # the newline's own value is not shown
    return [line[:n_cols] for line in lines], grid


class ColouredText(View):
    """A passage of source code, each character under a translucent colour for one unit's value
    (red positive, blue negative, white zero), with the unit and its range in the title."""

    def __init__(self, n_rows: int, n_cols: int = 80):
        font_pt = FIG_WIDTH_IN * 72 * 0.98 / n_cols / MONO_ADVANCE
        row_pt = 1.3 * font_pt
        height_in = (n_rows * row_pt + 2.2 * font_pt) / 72
        super().__init__(figsize=(FIG_WIDTH_IN, height_in))
        self.n_rows, self.n_cols = n_rows, n_cols
        fig = self.figure
        fig.set_layout_engine("none")
        ax = self.axes[0, 0]
        top = 1 - 2.0 * font_pt / 72 / height_in
        ax.set_position([0.01, 0.01, 0.98, top - 0.01])
        ax.set_xlim(-0.5, n_cols - 0.5)
        ax.set_ylim(n_rows - 0.5, -0.5)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color("#bbbbbb")
        import matplotlib as mpl

        cmap = mpl.colormaps["RdBu_r"].with_extremes(bad=(1.0, 1.0, 1.0, 0.0))  # no char: clear
        # The text and the title belong to the frame (drawn by matplotlib, also on the
        # website); only the colours move, as a translucent layer over the text.
        self.image = self.dynamic(ax.imshow(np.full((n_rows, n_cols), np.nan), cmap=cmap,
                                            vmin=-1, vmax=1, aspect="auto", alpha=0.45,
                                            interpolation="nearest",
                                            extent=(-0.5, n_cols - 0.5, n_rows - 0.5, -0.5)))
        self.lines = [ax.text(-0.5, row, "", fontfamily="DejaVu Sans Mono", fontsize=font_pt,
                              va="center", ha="left", color="black")
                      for row in range(n_rows)]
        ax.set_title("", fontsize=1.05 * font_pt)  # the centre title: part of the frame key
        self.title_size = 1.05 * font_pt

    def update(self, data: dict) -> None:
        """``data``: ``lines`` (list of str), ``values`` (n_rows, n_cols) with NaN for no
        character, ``limit`` (colour scale +-limit), ``title``."""
        values = np.asarray(data["values"], dtype=float)
        if values.shape != (self.n_rows, self.n_cols):
            raise ValueError(f"values must have shape {(self.n_rows, self.n_cols)}, got "
                             f"{values.shape}")
        self.image.set_data(values)
        limit = float(data["limit"])
        self.image.set_clim(-1.2 * limit, 1.2 * limit)  # never the darkest colours
        for k, artist in enumerate(self.lines):
            artist.set_text(data["lines"][k] if k < len(data["lines"]) else "")
        self.axes[0, 0].set_title(data["title"], fontsize=self.title_size)


def plot_coloured_text(text: str, values, title: str, n_cols: int = 80, limit=None):
    """A still figure of ``text`` coloured by ``values`` (one per character)."""
    lines, grid = passage_grid(text, values, n_cols)
    view = ColouredText(len(lines), n_cols)
    lim = float(np.nanmax(np.abs(grid))) if limit is None else float(limit)
    view.update({"lines": lines, "values": grid, "limit": max(lim, 1e-12), "title": title})
    view.render()
    return view.still()


def plot_training(log: dict, title: str, ax=None):
    """Training loss (bits per character, every 10th step) of each model in a training log,
    with the validation bits at each checkpoint and the unigram and bigram baselines."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 3.6), layout="constrained")
    else:
        fig = ax.figure
    colours = {"lstm": "C0", "vanilla": "C3"}
    for kind, run in log["models"].items():
        bits = np.asarray(run["loss_every_10"]) / np.log(2)
        steps = np.arange(len(bits)) * 10 + 1
        ax.plot(steps, bits, color=colours.get(kind), lw=1, alpha=0.8,
                label=f"{kind}: training batches")
        checkpoints = sorted(int(s) for s in run["valid_bits"])
        ax.plot(checkpoints, [run["valid_bits"][str(s)] for s in checkpoints], "o--",
                color=colours.get(kind), label=f"{kind}: held-out files")
    for name, style in (("unigram", ":"), ("bigram", "-.")):
        ax.axhline(log["baselines_bits"][name], color="0.4", ls=style, lw=1,
                   label=f"{name} baseline (held out)")
    ax.set_xscale("log")
    ax.set_ylim(1, 7)
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (bits per character)")
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=2, loc="upper right")
    return fig

"""The course's one plot style, and helpers that label every figure the same way.

Rules every figure follows:

* colours come from the Okabe–Ito palette, which stays distinguishable with
  the common forms of colour-blindness;
* each series also gets its own marker and line style, so colour is never the
  only cue (print the page in grey and it still reads);
* axes say what they measure *and in what unit*;
* a "Source: …" line sits under the figure.

Typical use in a notebook::

    from minusma import plots
    fig, ax = plots.figure()
    ax.plot(years, troops, **plots.series(0), label="Troops")
    plots.label(ax, x="Year", y="Personnel", y_unit="persons")
    plots.source(fig, "RADPKO yearly means (data/deployed_personnel_radpko_yearly.csv)")
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

#: Okabe & Ito (2008), "Color Universal Design". Black is kept for text.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#000000",  # black
    "#F0E442",  # yellow: last, as thin yellow marks are hard to see on white
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)))
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")

#: Shading for the parts of a chart that mean "no data here".
MISSING_COLOUR = "#BBBBBB"

STYLE = {
    "figure.figsize": (8.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "axes.prop_cycle": mpl.cycler(color=PALETTE[:6]) + mpl.cycler(marker=MARKERS[:6]) + mpl.cycler(linestyle=LINESTYLES[:6]),
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "legend.frameon": False,
    "legend.fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
}


def use_style() -> None:
    """Apply the course style to every figure drawn after this call."""
    mpl.rcParams.update(STYLE)


@contextmanager
def style():
    """The course style for the figures drawn inside a ``with`` block only."""
    with mpl.rc_context(STYLE):
        yield


def series(index: int) -> dict:
    """Colour, marker and line style of the ``index``-th series (for ``ax.plot``)."""
    i = index % len(MARKERS)
    return {"color": PALETTE[i], "marker": MARKERS[i], "linestyle": LINESTYLES[i]}


def bar_style(index: int) -> dict:
    """Colour and hatch of the ``index``-th group of bars (for ``ax.bar``/``barh``)."""
    i = index % len(HATCHES)
    return {"color": PALETTE[i], "hatch": HATCHES[i], "edgecolor": "white" if not HATCHES[i] else "#333333"}


def figure(width: float = 8.0, height: float = 4.5, ncols: int = 1, nrows: int = 1, **kwargs) -> tuple[Figure, Axes]:
    """A new figure in the course style; returns ``(fig, ax)`` (or an array of axes)."""
    use_style()
    fig, ax = plt.subplots(nrows=nrows, ncols=ncols, figsize=(width, height), layout="constrained", **kwargs)
    return fig, ax


def axis_label(name: str, unit: str | None = None) -> str:
    """``"Personnel (persons)"``: a label with its unit in brackets."""
    if not name or not name.strip():
        raise ValueError("an axis label needs a name, e.g. 'Year' or 'Personnel'")
    return f"{name} ({unit})" if unit else name


def label(ax: Axes, x: str, y: str, x_unit: str | None = None, y_unit: str | None = None, title: str | None = None) -> Axes:
    """Label both axes, with units, and optionally give the chart a title.

    Quantities need a unit (``y_unit="USD million"``); categories and dates
    (``x="Year"``) do not.
    """
    ax.set_xlabel(axis_label(x, x_unit))
    ax.set_ylabel(axis_label(y, y_unit))
    if title:
        ax.set_title(title, loc="left")
    return ax


def source(fig: Figure, *sources: str, note: str | None = None) -> Figure:
    """Put a "Source: …" line (and an optional note) under the figure.

    Every course figure has one; :func:`has_source` lets tests check it.
    """
    cleaned = [s.strip() for s in sources if s and s.strip()]
    if not cleaned:
        raise ValueError("a figure needs at least one source, e.g. plots.source(fig, 'data/budget.csv')")
    text = ("Sources: " if len(cleaned) > 1 else "Source: ") + "; ".join(cleaned) + "."
    if note:
        text += f"\nNote: {note.strip()}"
    # supxlabel is the one figure-level text that constrained layout makes room for
    fig.supxlabel(text, x=0.01, ha="left", fontsize=8.5, color="#444444", gid="course-source-line")
    return fig


def has_source(fig: Figure) -> bool:
    """True if :func:`source` has put a source line under ``fig``."""
    return any(t.get_gid() == "course-source-line" and t.get_text().startswith("Source") for t in fig.texts)


def legend(ax: Axes, **kwargs) -> None:
    """A legend outside the plotting area, so it never hides data."""
    kwargs.setdefault("loc", "upper left")
    kwargs.setdefault("bbox_to_anchor", (1.01, 1.0))
    ax.legend(**kwargs)


def timeline(ax: Axes, dates: Sequence, labels: Sequence[str], groups: Sequence[str], group_order: Iterable[str] | None = None) -> Axes:
    """Dated events as markers on one lane per group, labels beside them.

    ``groups`` decides the lane and the marker style, so categories are told
    apart by position and shape as well as by colour.
    """
    dates, labels, groups = list(dates), list(labels), list(groups)
    if not (len(dates) == len(labels) == len(groups)):
        raise ValueError("dates, labels and groups must have the same length")
    order = list(group_order) if group_order is not None else list(dict.fromkeys(groups))
    lanes = {g: i for i, g in enumerate(order)}
    for g, lane in lanes.items():
        xs = [d for d, grp in zip(dates, groups) if grp == g]
        style = series(lane)
        ax.plot(xs, [lane] * len(xs), linestyle="none", marker=style["marker"], color=style["color"],
                markersize=9, markeredgecolor="white", label=g)
    if not dates:
        return ax
    numeric = list(mdates.date2num(dates)) if hasattr(dates[0], "year") else [float(d) for d in dates]
    low, high = min(numeric), max(numeric)
    seen_in_lane: dict[str, int] = {}
    for x, text, g in zip(numeric, labels, groups):
        # alternate above/below within a lane, and put late labels to the left of their
        # marker, so that neighbouring labels overlap less and none runs off the axes
        nth = seen_in_lane[g] = seen_in_lane.get(g, -1) + 1
        late = high > low and (x - low) / (high - low) > 0.7
        ax.text(x, lanes[g] + (0.22 if nth % 2 == 0 else -0.22), f" {text} ", fontsize=8,
                ha="right" if late else "left", va="center")
    ax.set_yticks(range(len(order)), order)
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.grid(axis="y", visible=False)
    return ax


def locator_map(ax: Axes, outlines: dict, focus: str = "Mali", lon_range=(-13.0, 5.5), lat_range=(9.5, 25.5)) -> Axes:
    """Draw country outlines with ``focus`` shaded: a locator map without map tiles.

    ``outlines`` comes from :func:`minusma.data.country_outlines`. Longitude and
    latitude are in degrees (WGS 84), drawn with equal scale near Mali's latitude.
    """
    for country, rings in outlines.items():
        is_focus = country.lower() == focus.lower()
        for lons, lats in rings:
            if is_focus:
                ax.fill(lons, lats, color="#F2F2F2", zorder=0)
            ax.plot(lons, lats, color="#333333" if is_focus else "#999999",
                    linewidth=1.4 if is_focus else 0.8, marker="none", linestyle="-", zorder=1)
    ax.set_xlim(*lon_range)
    ax.set_ylim(*lat_range)
    ax.set_aspect(1.0 / 0.97)  # 1° of longitude is ~0.97 of 1° of latitude at 15° N
    ax.set_xlabel(axis_label("Longitude", "degrees east"))
    ax.set_ylabel(axis_label("Latitude", "degrees north"))
    return ax


def show() -> None:
    """Display the figures drawn so far (ends a plot cell without a stray repr)."""
    plt.show()

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
    "axes.prop_cycle": mpl.cycler(color=PALETTE[:6])
    + mpl.cycler(marker=MARKERS[:6])
    + mpl.cycler(linestyle=LINESTYLES[:6]),
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


def label(
    ax: Axes, x: str, y: str, x_unit: str | None = None, y_unit: str | None = None, title: str | None = None
) -> Axes:
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


def timeline(
    ax: Axes, dates: Sequence, labels: Sequence[str], groups: Sequence[str], group_order: Iterable[str] | None = None
) -> Axes:
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
        ax.plot(
            xs,
            [lane] * len(xs),
            linestyle="none",
            marker=style["marker"],
            color=style["color"],
            markersize=9,
            markeredgecolor="white",
            label=g,
        )
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
        ax.text(
            x,
            lanes[g] + (0.22 if nth % 2 == 0 else -0.22),
            f" {text} ",
            fontsize=8,
            ha="right" if late else "left",
            va="center",
        )
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
                # the fill sits above neighbours' lines: coarse outlines of two countries never
                # quite match, and a neighbour's border drawn across Mali reads as a double line
                ax.fill(lons, lats, facecolor="#F2F2F2", edgecolor="none", zorder=1)
                ax.plot(lons, lats, color="#333333", linewidth=1.4, marker="none", linestyle="-", zorder=2)
            else:
                ax.plot(lons, lats, color="#AAAAAA", linewidth=0.7, marker="none", linestyle="-", zorder=0.5)
    ax.set_xlim(*lon_range)
    ax.set_ylim(*lat_range)
    ax.set_aspect(1.0 / 0.97)  # 1° of longitude is ~0.97 of 1° of latitude at 15° N
    ax.set_xlabel(axis_label("Longitude", "degrees east"))
    ax.set_ylabel(axis_label("Latitude", "degrees north"))
    return ax


def show() -> None:
    """Display the figures drawn so far (ends a plot cell without a stray repr)."""
    plt.show()


# --------------------------------------------------------------------------
# Helpers first used in notebooks 03 and 04: ceilings, qualified figures,
# gaps that stay gaps, ranked bars and labelled points on a map
# --------------------------------------------------------------------------

#: What each value qualifier of the datasets means, as shown in legends.
QUALIFIER_WORDS = {"~": "approximate", ">": "at least (arrow up)", "<": "at most (arrow down)"}


def _is_missing(value) -> bool:
    """True for None, NaN, NaT and pandas' NA (the empty cells of the datasets)."""
    import pandas as pd  # late: plots is imported by notebooks that may not need pandas yet

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or array is never "one missing value"
        return False


def _qualifier(value) -> str:
    if _is_missing(value):
        return ""
    text = str(value).strip()
    if text and text not in QUALIFIER_WORDS:
        raise ValueError(f"unknown qualifier {text!r}; the datasets use ~, > and <")
    return text


def steps(ax: Axes, starts: Sequence, values: Sequence, end, index: int = 0, label: str | None = None) -> list:
    """A level set by successive decisions: ``values[i]`` holds from ``starts[i]`` to the next start.

    The last value holds until ``end``. A missing value leaves its stretch
    empty (nothing is carried forward or filled in). A marker sits at each
    start, so every decision is visible. Returns the lines drawn.
    """
    starts, values = list(starts), list(values)
    if len(starts) != len(values):
        raise ValueError("starts and values must have the same length")
    style = series(index)
    stops = starts[1:] + [end]
    runs: list[tuple[list, list]] = []
    xs: list = []
    ys: list = []
    for start, stop, value in zip(starts, stops, values):
        if _is_missing(value):
            if xs:
                runs.append((xs, ys))
            xs, ys = [], []
            continue
        xs += [start, stop]
        ys += [value, value]
    if xs:
        runs.append((xs, ys))
    lines = []
    for number, (run_x, run_y) in enumerate(runs):
        (line,) = ax.plot(
            run_x,
            run_y,
            color=style["color"],
            linestyle=style["linestyle"],
            marker=style["marker"],
            markevery=slice(0, None, 2),
            label=label if number == 0 else None,
        )
        lines.append(line)
    return lines


def qualified_points(
    ax: Axes,
    xs: Sequence,
    ys: Sequence,
    qualifiers: Sequence | None = None,
    index: int = 0,
    label: str | None = None,
    arrow_length: float = 14,
) -> dict:
    """Points that show how sure each figure is: exact filled, ``~`` hollow, ``>`` / ``<`` with an arrow.

    ``qualifiers`` is the ``…_qualifier`` column of a dataset (empty = exact).
    Points without a value are skipped. Reported figures from different
    sources are points, never joined by a line. Returns ``{qualifier: line}``.
    """
    xs, ys = list(xs), list(ys)
    quals = [""] * len(xs) if qualifiers is None else [_qualifier(q) for q in qualifiers]
    if not (len(xs) == len(ys) == len(quals)):
        raise ValueError("xs, ys and qualifiers must have the same length")
    style = series(index)
    groups: dict[str, tuple[list, list]] = {}
    for x, y, q in zip(xs, ys, quals):
        if _is_missing(y):
            continue
        groups.setdefault(q, ([], []))
        groups[q][0].append(x)
        groups[q][1].append(y)
    drawn = {}
    for q in ("", "~", ">", "<"):
        if q not in groups:
            continue
        gx, gy = groups[q]
        words = QUALIFIER_WORDS.get(q)
        text = None if label is None else (f"{label}, {words}" if words else label)
        (line,) = ax.plot(
            gx,
            gy,
            linestyle="none",
            marker=style["marker"],
            color=style["color"],
            markerfacecolor="white" if q == "~" else style["color"],
            markeredgewidth=1.8,
            markersize=7,
            label=text,
            zorder=3,
        )
        drawn[q] = line
        if q in (">", "<"):
            offset = arrow_length if q == ">" else -arrow_length
            for x, y in zip(gx, gy):
                # the head sits at the text end (``<-``): an arrow leaving the point, up or down
                ax.annotate(
                    "",
                    xy=(x, y),
                    xytext=(0, offset),
                    textcoords="offset points",
                    arrowprops={"arrowstyle": "<-", "color": style["color"], "lw": 1.6, "shrinkA": 0, "shrinkB": 4},
                    annotation_clip=False,
                )
    return drawn


def shade_missing(
    ax: Axes,
    positions: Iterable[float],
    width: float = 0.8,
    label: str | None = "no figure found",
    text: str | None = "none found",
) -> list:
    """Grey, hatched bands at category ``positions``: there is no figure here, and none is made up.

    ``label`` goes in the legend (once); ``text`` is written upright inside
    each band. Returns the bands.
    """
    bands = []
    for number, x in enumerate(positions):
        band = ax.axvspan(
            x - width / 2,
            x + width / 2,
            facecolor=MISSING_COLOUR,
            alpha=0.35,
            hatch="//",
            edgecolor="#888888",
            linewidth=0,
            zorder=0,
            label=label if number == 0 else None,
        )
        bands.append(band)
        if text:
            ax.text(
                x,
                0.5,
                text,
                transform=ax.get_xaxis_transform(),
                rotation=90,
                ha="center",
                va="center",
                fontsize=8,
                color="#555555",
                zorder=1,
            )
    return bands


def category_points(
    ax: Axes,
    categories: Sequence[str],
    at: Sequence[str],
    values: Sequence,
    qualifiers: Sequence | None = None,
    index: int = 0,
    label: str | None = None,
    missing_label: str | None = "no figure found",
) -> list[str]:
    """Figures placed over a fixed list of categories (financial years, say); empty categories stay visible.

    ``at[i]`` names the category of ``values[i]``. Every category gets its
    place on the axis; those without any value are shaded with
    :func:`shade_missing`. Returns the categories that have no figure.
    """
    categories, at, values = list(categories), [str(a) for a in at], list(values)
    if len(at) != len(values):
        raise ValueError("at and values must have the same length")
    position = {c: i for i, c in enumerate(categories)}
    unknown = sorted(set(at) - set(position))
    if unknown:
        raise ValueError(f"not in categories: {', '.join(unknown)}")
    qualified_points(ax, [position[a] for a in at], values, qualifiers, index=index, label=label)
    have = {a for a, v in zip(at, values) if not _is_missing(v)}
    missing = [c for c in categories if c not in have]
    shade_missing(ax, [position[c] for c in missing], label=missing_label)
    ax.set_xticks(range(len(categories)), categories)
    if len(categories) > 7 or max((len(c) for c in categories), default=0) > 12:
        # long or many labels: slant them so that neighbours never run together
        ax.tick_params(axis="x", labelrotation=35)
        for tick in ax.get_xticklabels():
            tick.set_ha("right")
            tick.set_rotation_mode("anchor")
    ax.set_xlim(-0.6, len(categories) - 0.4)
    ax.grid(axis="x", visible=False)
    return missing


def hbars(
    ax: Axes,
    labels: Sequence[str],
    values: Sequence,
    index: int = 0,
    missing_text: str = "number not found",
    value_format: str = "{:,.0f}",
):
    """Horizontal bars in the order given, first at the top, each with its value written at its end.

    Sort the table before calling (largest first, for a ranking). A missing
    value gets no bar but the words ``missing_text``, so a gap stays a gap.
    """
    labels, values = [str(v) for v in labels], list(values)
    if len(labels) != len(values):
        raise ValueError("labels and values must have the same length")
    rows = list(range(len(labels)))[::-1]
    heights = [0 if _is_missing(v) else v for v in values]
    bars = ax.barh(rows, heights, height=0.7, **bar_style(index))
    top = max([h for h in heights if h] or [1])
    for row, value in zip(rows, values):
        if _is_missing(value):
            ax.text(top * 0.01, row, missing_text, va="center", ha="left", fontsize=9, style="italic", color="#555555")
        else:
            ax.text(value + top * 0.01, row, value_format.format(value), va="center", ha="left", fontsize=9)
    ax.set_yticks(rows, labels)
    ax.set_xlim(0, top * 1.12)
    ax.grid(axis="y", visible=False)
    return bars


_LABEL_SPOTS = (  # (dx, dy) in points, horizontal and vertical alignment
    ((7, 0), "left", "center"),
    ((-7, 0), "right", "center"),
    ((0, 7), "center", "bottom"),
    ((0, -7), "center", "top"),
    ((6, 6), "left", "bottom"),
    ((6, -6), "left", "top"),
    ((-6, 6), "right", "bottom"),
    ((-6, -6), "right", "top"),
)


def label_points(
    ax: Axes, xs: Sequence[float], ys: Sequence[float], labels: Sequence[str], fontsize: float = 9
) -> list:
    """Write a label beside each point, choosing for each the side where it overlaps nothing.

    Tries eight spots around a point (right first) and keeps the first that
    stays clear of the labels already placed and of every point; if none is
    clear, the one with the least overlap. Returns the text annotations.
    """
    xs, ys, labels = list(xs), list(ys), [str(t) for t in labels]
    if not (len(xs) == len(ys) == len(labels)):
        raise ValueError("xs, ys and labels must have the same length")
    fig = ax.figure
    fig.canvas.draw()  # settle the layout first, so that pixel positions are final
    renderer = fig.canvas.get_renderer()
    points = [ax.transData.transform((x, y)) for x, y in zip(xs, ys)]
    point_boxes = [(px - 4, py - 4, px + 4, py + 4) for px, py in points]
    placed: list[tuple[float, float, float, float]] = []
    texts = []

    def overlap(a, b) -> float:
        w = min(a[2], b[2]) - max(a[0], b[0])
        h = min(a[3], b[3]) - max(a[1], b[1])
        return w * h if w > 0 and h > 0 else 0.0

    for x, y, text in zip(xs, ys, labels):
        best = None
        for (dx, dy), ha, va in _LABEL_SPOTS:
            note = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=fontsize,
                annotation_clip=False,
            )
            extent = note.get_window_extent(renderer)
            box = (extent.x0, extent.y0, extent.x1, extent.y1)
            clash = sum(overlap(box, other) for other in placed + point_boxes)
            if best is None or clash < best[0]:
                if best is not None:
                    best[1].remove()
                best = (clash, note, box)
            else:
                note.remove()
            if clash == 0:
                break
        best[1].set_in_layout(False)
        placed.append(best[2])
        texts.append(best[1])
    return texts


# --------------------------------------------------------------------------
# Helpers for the row charts of notebooks 01 and 02: spans from a start to an
# end, dots and bars on labelled rows, notes beside points, stacked panels
# --------------------------------------------------------------------------


def _group_indices(groups: Sequence[str], group_order: Iterable[str] | None) -> dict[str, int]:
    """Each group's style index: its place in ``group_order`` (or of first appearance)."""
    order = list(group_order) if group_order is not None else list(dict.fromkeys(groups))
    unknown = [g for g in dict.fromkeys(groups) if g not in order]
    if unknown:
        raise ValueError(f"not in group_order: {', '.join(map(str, unknown))}")
    return {g: i for i, g in enumerate(order)}


def _looks_like_dates(values: Sequence) -> bool:
    first = next((v for v in values if not _is_missing(v)), None)
    return first is not None and hasattr(first, "year")


def spans(
    ax: Axes,
    starts: Sequence,
    ends: Sequence,
    labels: Sequence[str],
    groups: Sequence[str] | None = None,
    group_order: Iterable[str] | None = None,
    cutoff=None,
    cutoff_label: str | None = None,
) -> list:
    """One row per item, first at the top: a line from its start (circle) to its end (square).

    Made for "announced, then done" stories (a departure announced, then
    completed). ``labels`` name the rows. ``groups`` sets each row's colour
    (``series(i)`` of the group's place in ``group_order``); name the group in
    the row label too, so colour is never the only cue.

    ``cutoff`` (a date, say) splits what was known then from what came later:
    the part of a span after it is a thinner dotted line, and a dashed vertical
    line marks it, captioned ``cutoff_label`` above the axes. A missing end
    means "not over yet": the line runs to ``cutoff`` and has no square (without
    a cutoff, only the circle is drawn). Returns every line drawn.
    """
    starts, ends, labels = list(starts), list(ends), [str(t) for t in labels]
    groups = [""] * len(starts) if groups is None else [str(g) for g in groups]
    if not (len(starts) == len(ends) == len(labels) == len(groups)):
        raise ValueError("starts, ends, labels and groups must have the same length")
    if cutoff_label and cutoff is None:
        raise ValueError("cutoff_label needs a cutoff")
    index = _group_indices(groups, group_order)
    labelled: set[str] = set()
    drawn = []
    for row, (start, end, group) in enumerate(zip(starts, ends, groups)):
        colour = series(index[group])["color"]
        legend = group if group and group not in labelled else None
        labelled.add(group)
        done = not _is_missing(end)
        stop = end if done else cutoff
        if stop is not None:
            solid_end = stop if cutoff is None else min(stop, cutoff)
            if start < solid_end:
                drawn += ax.plot(
                    [start, solid_end],
                    [row, row],
                    color=colour,
                    marker="none",
                    linestyle="-",
                    linewidth=3,
                    label=legend,
                )
                legend = None
            if cutoff is not None and stop > cutoff:
                drawn += ax.plot(
                    [max(start, cutoff), stop], [row, row], color=colour, marker="none", linestyle=":", linewidth=2
                )
        drawn += ax.plot([start], [row], marker="o", color=colour, linestyle="none", markersize=8, label=legend)
        if done:
            drawn += ax.plot([end], [row], marker="s", color=colour, linestyle="none", markersize=8)
    if cutoff is not None:
        drawn.append(ax.axvline(cutoff, color="#444444", linestyle="--", linewidth=1.2, marker="none"))
        if cutoff_label:
            ax.text(
                cutoff, 1.0, f"{cutoff_label} ", transform=ax.get_xaxis_transform(), ha="right", va="bottom", fontsize=9
            )
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first row at the top
    return drawn


def dot_rows(
    ax: Axes,
    values: Sequence,
    rows: Sequence[str],
    groups: Sequence[str],
    group_order: Iterable[str] | None = None,
    labels: Sequence[str] | None = None,
    markersize: float = 9,
) -> dict:
    """Dots on labelled rows, first row at the top; marker and colour by group.

    ``rows[i]`` names the row of ``values[i]``: items that share a row name
    share the row (rival figures for one thing counted), rows come in the order
    they first appear. Each group gets ``series(i)``'s colour *and* marker, i
    being its place in ``group_order``, so a group keeps its look across
    figures even when some groups have no dot here (they get no legend entry).
    ``labels``, if given, are written beside the dots, alternately above and
    below along each row (in order of value) so that neighbours do not collide.
    Dates on the value axis are shown as month and year. Returns ``{group: line}``.
    """
    values, rows, groups = list(values), [str(r) for r in rows], [str(g) for g in groups]
    texts = None if labels is None else [str(t) for t in labels]
    if not (len(values) == len(rows) == len(groups)) or (texts is not None and len(texts) != len(values)):
        raise ValueError("values, rows, groups and labels must have the same length")
    index = _group_indices(groups, group_order)
    order = list(dict.fromkeys(rows))
    y = [order.index(r) for r in rows]
    drawn = {}
    for group, i in sorted(index.items(), key=lambda item: item[1]):
        picked = [k for k, g in enumerate(groups) if g == group and not _is_missing(values[k])]
        if not picked:
            continue
        style = series(i)
        (drawn[group],) = ax.plot(
            [values[k] for k in picked],
            [y[k] for k in picked],
            linestyle="none",
            marker=style["marker"],
            color=style["color"],
            markersize=markersize,
            label=group,
        )
    if texts is not None:
        placed = {}
        ranked = sorted((k for k in range(len(values)) if not _is_missing(values[k])), key=lambda k: values[k])
        for k in ranked:
            nth = placed[y[k]] = placed.get(y[k], -1) + 1
            ax.annotate(
                texts[k],
                (values[k], y[k]),
                xytext=(4, 8 if nth % 2 == 0 else -15),
                textcoords="offset points",
                fontsize=8.5,
            )
    ax.set_yticks(range(len(order)), order)
    ax.set_ylim(len(order) - 0.5, -0.5)  # first row at the top
    if _looks_like_dates(values):
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    return drawn


def bar_rows(
    ax: Axes,
    values: Sequence,
    rows: Sequence[str],
    groups: Sequence[str],
    group_order: Iterable[str] | None = None,
    missing_text: str = "no figure",
) -> dict:
    """One horizontal bar per item, in the order given, first at the top; colour and hatch by group.

    ``rows`` label the bars (sort the table first: by year, then by size, say).
    Each group gets ``bar_style(i)``, i being its place in ``group_order``,
    and one legend entry. A missing value gets no bar but the words
    ``missing_text``. Returns ``{group: bars}``.
    """
    values, rows, groups = list(values), [str(r) for r in rows], [str(g) for g in groups]
    if not (len(values) == len(rows) == len(groups)):
        raise ValueError("values, rows and groups must have the same length")
    index = _group_indices(groups, group_order)
    drawn = {}
    for group, i in sorted(index.items(), key=lambda item: item[1]):
        picked = [k for k, g in enumerate(groups) if g == group and not _is_missing(values[k])]
        if picked:
            drawn[group] = ax.barh(picked, [values[k] for k in picked], label=group, **bar_style(i))
    for k, value in enumerate(values):
        if _is_missing(value):
            ax.text(0, k, f" {missing_text}", va="center", ha="left", fontsize=9, style="italic", color="#555555")
    ax.set_yticks(range(len(rows)), rows)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row at the top
    ax.grid(axis="y", visible=False)
    return drawn


def qualified_columns(ax: Axes, table, x: str, columns: dict[str, str], start_index: int = 0) -> dict:
    """Several columns of one table as :func:`qualified_points`, one style each.

    ``columns`` maps a column to its legend label, e.g. ``{"total": "all
    causes"}``; the column ``f"{column}_qualifier"`` is used where the table
    has it. Returns ``{column: {qualifier: line}}``.
    """
    drawn = {}
    for i, (column, text) in enumerate(columns.items()):
        qualifiers = table.get(f"{column}_qualifier")
        drawn[column] = qualified_points(ax, table[x], table[column], qualifiers, index=start_index + i, label=text)
    return drawn


def callout(ax: Axes, x, y, text: str, dy: float = 10, dx: float = -5, ha: str = "right", fontsize: float = 8.5):
    """A short note beside the point ``(x, y)``, ``dx`` and ``dy`` points away (up and to the left by default).

    For the few points a caption talks about. Returns the annotation.
    """
    return ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, fontsize=fontsize)


def category_panels(
    axes: Sequence[Axes],
    categories: Sequence[str],
    panels: Sequence[str],
    at: Sequence[str],
    values: Sequence,
    qualifiers: Sequence | None = None,
    panel_order: Iterable[str] | None = None,
    title: str = "{}",
    y_label: str | None = None,
    label: str | None = None,
    missing_label: str | None = "no figure found",
) -> dict:
    """:func:`category_points` split into stacked panels, one per value of ``panels``, with one legend.

    ``axes`` come from ``plots.figure(nrows=…, sharex=True, sharey=True)``,
    one per panel in ``panel_order``. Each panel is titled ``title`` with the
    panel's name filled in, and its y axis ``y_label``. One legend for all
    panels sits beside the first, each entry once (points first, the shading
    for "no figure" last). Returns ``{panel: categories without a figure}``.
    """
    panels, at, values = [str(p) for p in panels], list(at), list(values)
    quals = [None] * len(values) if qualifiers is None else list(qualifiers)
    if not (len(panels) == len(at) == len(values) == len(quals)):
        raise ValueError("panels, at, values and qualifiers must have the same length")
    order = list(panel_order) if panel_order is not None else list(dict.fromkeys(panels))
    axes = list(getattr(axes, "flat", axes))
    if len(axes) != len(order):
        raise ValueError(f"{len(order)} panels need {len(order)} axes, not {len(axes)}")
    missing = {}
    for ax, panel in zip(axes, order):
        picked = [k for k, p in enumerate(panels) if p == panel]
        missing[panel] = category_points(
            ax,
            categories,
            [at[k] for k in picked],
            [values[k] for k in picked],
            [quals[k] for k in picked],
            label=label,
            missing_label=missing_label,
        )
        ax.set_title(title.format(panel), loc="left", fontsize=11)
        if y_label:
            ax.set_ylabel(y_label)
    entries: dict[str, object] = {}
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(text, handle)
    ranks = {label: 0} | {f"{label}, {words}": 1 + i for i, words in enumerate(QUALIFIER_WORDS.values())}
    ordered = sorted(entries, key=lambda text: len(ranks) + 1 if text == missing_label else ranks.get(text, len(ranks)))
    if ordered:
        legend(axes[0], handles=[entries[t] for t in ordered], labels=ordered)
    return missing


# --------------------------------------------------------------------------
# Whole figures of notebook 02 (claims and evidence): one call draws, labels,
# cites its source and shows
# --------------------------------------------------------------------------

#: :func:`source` under another name, for the helpers below whose ``source`` argument hides it.
_put_source = source


def _short_name(claimant: str) -> str:
    """The claimant without its parenthesis or trailing detail: "Malian armed forces (FAMa)" → "Malian armed forces"."""
    return str(claimant).split(" (")[0].split(",")[0].split(";")[0].strip()


def claim_rows(
    table,
    *,
    source: str,
    note: str | None = "hollow = approximate; arrow up = a lower bound ('at least').",
    title: str | None = None,
    x: str = "Number of people, as each source counts them",
    x_unit: str = "persons",
    group_order: Iterable[str] | None = None,
    width: float = 10.0,
) -> None:
    """One figure of statements from a claims table: one row per statement, first at the top.

    ``table`` has the ledger's columns ``claimant``, ``claimant_type``,
    ``date``, ``figure``, ``figure_qualifier`` and ``figure_counts``. Each row is
    labelled with who spoke and when; what its figure counts is written under
    the row, so rivals and different things are told apart by reading. The dot
    is styled by ``claimant_type`` (colour *and* marker), hollow when the figure
    is approximate, with an arrow when it is a lower bound, and its value is
    written beside it. A statement without a figure keeps its row, marked "no
    figure given", so a denial or an account without a number stays in view.
    Draws, labels, puts ``source`` under the figure and shows it; returns
    nothing, so the call can end a notebook cell without a second copy.
    """
    import pandas as pd  # late, as in _is_missing

    rows = table.reset_index(drop=True)
    if rows.empty:
        raise ValueError("claim_rows needs at least one statement")
    names = [
        f"{_short_name(c)}\n{pd.Timestamp(d):%d %b %Y}".replace("\n0", "\n")
        if not _is_missing(d)
        else f"{_short_name(c)}\nundated"
        for c, d in zip(rows["claimant"], rows["date"])
    ]
    qualifiers = rows["figure_qualifier"] if "figure_qualifier" in rows else [None] * len(rows)
    fig, ax = figure(width=width, height=1.4 + 0.75 * len(rows))
    index = _group_indices([str(g) for g in rows["claimant_type"]], group_order)
    for group, i in sorted(index.items(), key=lambda item: item[1]):
        picked = rows[(rows["claimant_type"].astype(str) == group) & rows["figure"].notna()]
        if len(picked):  # a kind of claimant with no figure here gets no dot and no legend entry
            qualified_points(
                ax, picked["figure"], picked.index, [qualifiers[k] for k in picked.index], index=i, label=group
            )
    top = max([v for v in rows["figure"] if not _is_missing(v)], default=1)
    for k, (value, qualifier, counts) in enumerate(zip(rows["figure"], qualifiers, rows["figure_counts"])):
        if _is_missing(value):
            ax.text(0, k, " no figure given", va="center", ha="left", fontsize=9, style="italic", color="#555555")
            continue
        sign = {"~": "about ", ">": "at least ", "<": "at most "}.get(_qualifier(qualifier), "")
        ax.annotate(
            f"{sign}{value:,.0f}",
            (value, k),
            xytext=(9, 0),
            textcoords="offset points",
            va="center",
            fontsize=9.5,
            fontweight="bold",
        )
        if not _is_missing(counts):
            ax.text(0, k + 0.36, f" counts: {counts}", va="center", ha="left", fontsize=8, color="#444444")
    ax.set_xlim(0, top * 1.35)
    ax.set_yticks(range(len(names)), names, fontsize=9)
    ax.set_ylim(len(names) - 0.4, -0.6)  # first row at the top, room under the last one
    label(ax, x=x, y="Who said it, and when", x_unit=x_unit, title=title)
    # above the rows, so the long "counts:" lines never run under it
    ax.legend(
        title="Kind of claimant",
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncols=2,
        fontsize=9,
        title_fontsize=9,
        alignment="left",
    )
    _put_source(fig, source, note=note)
    show()


def cumulative_counts(
    table,
    *,
    x: str,
    columns: dict[str, str],
    y: str,
    y_unit: str,
    source: str,
    note: str | None = "filled = exact; hollow = approximate; arrow up = a lower bound; a ring marks a fall.",
    title: str | None = None,
    x_label: str = "Date",
    width: float = 10.0,
    height: float = 4.8,
) -> None:
    """Running totals reported by different sources, as points, with every fall marked.

    ``columns`` maps each count column of ``table`` to its legend label
    (qualifiers from ``f"{column}_qualifier"``, as :func:`qualified_columns`).
    A running total cannot fall, so each value lower than an earlier one of the
    same column is ringed and labelled with both values, the earlier first
    ("177 → 174"): the figure shows where sources disagree, it does not pick
    one. Draws, labels, cites ``source`` and shows; returns nothing.
    """
    fig, ax = figure(width=width, height=height)
    qualified_columns(ax, table, x=x, columns=columns)
    for i, column in enumerate(columns):
        points = table[[x, column]].dropna().sort_values(x)
        highest = None
        for when, value in zip(points[x], points[column]):
            if highest is not None and value < highest:
                ax.plot(
                    [when],
                    [value],
                    marker="o",
                    markersize=16,
                    markerfacecolor="none",
                    markeredgewidth=1.2,
                    color=series(i)["color"],
                    linestyle="none",
                )
                ax.annotate(
                    f"{highest:g} → {value:g}",
                    (when, value),
                    xytext=(-12, -18 if i else 14),
                    textcoords="offset points",
                    ha="right",
                    fontsize=8.5,
                )
            highest = value if highest is None else max(highest, value)
    label(ax, x=x_label, y=y, y_unit=y_unit, title=title)
    legend(ax)
    _put_source(fig, source, note=note)
    show()


# Helper first used in notebook 05: how the Council voted, text by text
# --------------------------------------------------------------------------

#: Votes in favour a Council decision needs (UN Charter, Article 27(3)).
VOTES_NEEDED = 9
#: The parts of a tally, in the order they are stacked: column, legend word, style (:func:`bar_style`).
#: "Against" takes vermillion with crosses, so it never looks like an abstention.
TALLY_PARTS = (("yes", "in favour", 0), ("abstain", "abstained", 1), ("no", "against", 5))


def _tally_row_label(row) -> str:
    """ "29 Jun 2022 · 2640" (or the text's id when it has no resolution number)."""
    number = row.get("resolution_number")
    name = row.get("text_id", "") if _is_missing(number) else str(int(number))
    return f"{row['date']:%d %b %Y} · {name}" if not _is_missing(row.get("date")) else str(name)


def council_tallies(
    table, title: str = "How the Security Council voted", needed: int = VOTES_NEEDED, width: float = 10.0
) -> Figure:
    """One row per vote, first at the top: the tally as stacked bars (in favour, abstained, against).

    ``table`` has the columns of ``data/council_votes.csv``: ``date``,
    ``resolution_number`` (or ``text_id``), ``yes``, ``no``, ``abstain`` and,
    if present, ``abstaining`` (who abstained). Each row is labelled with its
    date and number; its tally (``13–0–2``) and who abstained are written at
    its end, so the figure reads without colour. A dashed line marks the
    ``needed`` votes in favour. A row without a recorded count gets no bar but
    the words "count not found". Returns the figure (add the source line).
    """
    rows = [row for _, row in table.iterrows()]
    if not rows:
        raise ValueError("the table has no votes to draw")
    missing_columns = [c for c in ("date", "yes", "no", "abstain") if c not in table.columns]
    if missing_columns:
        raise KeyError(f"council_tallies needs the columns {', '.join(missing_columns)}")
    fig, ax = figure(width=width, height=1.9 + 0.42 * len(rows))
    positions = list(range(len(rows)))
    for part, (column, word, style) in enumerate(TALLY_PARTS):
        lefts = [sum(0 if _is_missing(r[c]) else r[c] for c, _, _ in TALLY_PARTS[:part]) for r in rows]
        widths = [0 if _is_missing(r[column]) else r[column] for r in rows]
        ax.barh(positions, widths, left=lefts, height=0.66, label=word, **bar_style(style))
    for y, row in zip(positions, rows):
        if any(_is_missing(row[c]) for c, _, _ in TALLY_PARTS):
            ax.text(0.2, y, "count not found", va="center", ha="left", fontsize=9, style="italic", color="#555555")
            continue
        text = f" {int(row['yes'])}–{int(row['no'])}–{int(row['abstain'])}"
        who = row.get("abstaining")
        if not _is_missing(who) and str(who).strip():
            text += f"   abstained: {str(who).replace(';', ',')}"
        ax.text(15.15, y, text, va="center", ha="left", fontsize=9, clip_on=False)
    ax.axvline(needed, color="#444444", linestyle="--", linewidth=1.3, marker="none")
    ax.text(needed, -0.6, f" {needed} in favour needed", ha="left", va="bottom", fontsize=9, color="#444444")
    ax.set_yticks(positions, [_tally_row_label(r) for r in rows])
    ax.set_ylim(len(rows) - 0.4, -0.9)  # first vote at the top, room for the caption of the line
    ax.set_xlim(0, 15)
    ax.set_xticks(range(0, 16, 3))
    ax.grid(axis="y", visible=False)
    label(ax, x="Council members voting each way", x_unit="votes, of 15", y="Vote (date · resolution)", title=title)
    fig.legend(loc="outside upper right", ncols=3, frameon=False)
    return fig


# --------------------------------------------------------------------------
# Helpers for notebook 06 (designing the drawdown): the pace an exit asks
# for, the weeks each part of a withdrawal needs, and a stakeholder map.
# Each draws a whole figure from numbers the notebook computed; the notebook
# adds the source line and shows it. (Imports used only here are kept with
# this block, so that it can be merged on its own.)
# --------------------------------------------------------------------------

import math  # noqa: E402
import textwrap  # noqa: E402


def _check_numbers(name: str, values: Sequence, allow_missing: bool = False) -> list:
    """The values as a list, refusing negatives (and missing values unless allowed)."""
    values = list(values)
    for value in values:
        if _is_missing(value):
            if not allow_missing:
                raise ValueError(f"{name}: every value is needed (one is missing)")
        elif value < 0:
            raise ValueError(f"{name}: values cannot be negative ({value})")
    return values


def exit_pace(
    labels: Sequence[str],
    per_month: Sequence,
    kinds: Sequence[str],
    kind_order: Iterable[str] | None = None,
    title: str = "The pace each exit asks for",
) -> Figure:
    """Horizontal bars of personnel to withdraw per month, one per exit, first at the top.

    ``per_month`` is computed in the notebook (personnel divided by months);
    ``kinds`` groups the bars (a past exit, an option on the table...), each
    kind with its own colour *and* hatch. Every bar is labelled with its
    value. Returns the figure, ready for :func:`source`.
    """
    labels, kinds = [str(t) for t in labels], [str(k) for k in kinds]
    per_month = _check_numbers("per_month", per_month)
    if not (len(labels) == len(per_month) == len(kinds)):
        raise ValueError("labels, per_month and kinds must have the same length")
    fig, ax = figure(width=9, height=1.2 + 0.6 * len(labels))
    bar_rows(ax, per_month, labels, kinds, group_order=kind_order)
    for row, value in enumerate(per_month):
        ax.text(value, row, f" {value:,.0f}", va="center", ha="left", fontsize=10)
    ax.set_xlim(0, max(per_month) * 1.18 if per_month and max(per_month) > 0 else 1)
    ax.xaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    label(ax, x="Personnel to withdraw per month", x_unit="persons per month", y="Exit", title=title)
    legend(ax)
    return fig


def drawdown_streams(
    streams: Sequence[str],
    weeks: Sequence,
    weeks_available: float,
    available_label: str,
    title: str = "Weeks each part of the withdrawal needs",
) -> Figure:
    """One bar per part of a withdrawal (a "stream"): the weeks it needs, against the weeks available.

    ``weeks`` and ``weeks_available`` are computed in the notebook; the figure
    only draws them. The weeks available are a dashed vertical line, named
    ``available_label`` in the legend. Each bar has its own colour and hatch, and its value
    written beside it. Returns the figure, ready for :func:`source`.
    """
    streams = [str(s) for s in streams]
    weeks = _check_numbers("weeks", weeks)
    if len(streams) != len(weeks):
        raise ValueError("streams and weeks must have the same length")
    if _is_missing(weeks_available) or weeks_available <= 0:
        raise ValueError("weeks_available must be a positive number of weeks")
    fig, ax = figure(width=9, height=1.6 + 0.7 * len(streams))
    for row, value in enumerate(weeks):
        ax.barh(row, value, **bar_style(row))
        ax.text(value, row, f" {value:,.1f} weeks", va="center", ha="left", fontsize=10)
    ax.axvline(
        weeks_available,
        color="#333333",
        linestyle="--",
        linewidth=1.5,
        marker="none",
        gid="weeks-available",
        label=available_label,
    )
    ax.set_yticks(range(len(streams)), streams)
    ax.set_ylim(len(streams) - 0.5, -0.5)  # first stream at the top
    ax.set_xlim(0, max([*weeks, weeks_available]) * 1.22)
    ax.grid(axis="y", visible=False)
    label(ax, x="Time needed from the start of the withdrawal", x_unit="weeks", y="Part of the withdrawal", title=title)
    ax.legend(loc="lower right", frameon=True, framealpha=0.95, edgecolor="none")
    return fig


#: Captions of the four corners of a power-interest grid (Mendelow's matrix).
QUADRANTS = {
    ("high", "high"): "manage closely",
    ("high", "low"): "keep satisfied",
    ("low", "high"): "keep informed",
    ("low", "low"): "monitor",
}


def _spread_ties(xs: list[float], ys: list[float], radius: float) -> tuple[list[float], list[float]]:
    """Move points that share a position onto a small circle around it, so none hides another."""
    at: dict[tuple[float, float], list[int]] = {}
    for i, point in enumerate(zip(xs, ys)):
        at.setdefault(point, []).append(i)
    new_x, new_y = list(xs), list(ys)
    for (x, y), members in at.items():
        if len(members) < 2:
            continue
        for k, i in enumerate(members):
            angle = math.pi / 2 + 2 * math.pi * k / len(members)
            new_x[i], new_y[i] = x + radius * math.cos(angle), y + radius * math.sin(angle)
    return new_x, new_y


def stakeholder_map(
    actors: Sequence[str],
    interest: Sequence,
    power: Sequence,
    groups: Sequence[str],
    veto: Sequence[bool],
    group_order: Iterable[str] | None = None,
    scale: tuple[int, int] = (1, 5),
    title: str = "Who has a say, who has a stake",
) -> Figure:
    """A power-interest map: each actor placed by its interest (right) and power (up).

    The scores are coded on ``scale`` (1 to 5 by default). The grid is cut in
    four at its middle, each quarter captioned (``QUADRANTS``). Each group of
    actors gets its own marker *and* colour; actors with a veto get a black
    square ring as well. Actors with the same scores are spread on a small
    circle so that none hides another, and every actor is labelled. Returns
    the figure, ready for :func:`source`.
    """
    actors, groups = [str(a) for a in actors], [str(g) for g in groups]
    interest, power, veto = (
        _check_numbers("interest", interest),
        _check_numbers("power", power),
        [bool(v) for v in veto],
    )
    if not (len(actors) == len(interest) == len(power) == len(groups) == len(veto)):
        raise ValueError("actors, interest, power, groups and veto must have the same length")
    low, high = scale
    outside = [a for a, x, y in zip(actors, interest, power) if not (low <= x <= high and low <= y <= high)]
    if outside:
        raise ValueError(f"scores outside the scale {low}-{high}: {', '.join(outside)}")
    index = _group_indices(groups, group_order)
    xs, ys = _spread_ties([float(v) for v in interest], [float(v) for v in power], radius=0.2)
    fig, ax = figure(width=10, height=8.5)
    middle = (low + high) / 2
    ax.axvline(middle, color="#999999", linestyle="--", linewidth=1, marker="none")
    ax.axhline(middle, color="#999999", linestyle="--", linewidth=1, marker="none")
    pad, room = 0.6, 1.3  # room: space right of the grid for the labels of the actors at the top score
    left, right, bottom, top = low - pad, high + pad, low - pad, high + pad
    corners = {
        ("high", "high"): (right - 0.05, top - 0.05, "right", "top"),
        ("high", "low"): (left + 0.05, top - 0.05, "left", "top"),
        ("low", "high"): (right - 0.05, bottom + 0.05, "right", "bottom"),
        ("low", "low"): (left + 0.05, bottom + 0.05, "left", "bottom"),
    }
    for key, (x, y, ha, va) in corners.items():
        ax.text(x, y, QUADRANTS[key], ha=ha, va=va, fontsize=10, style="italic", color="#555555", gid="quadrant")
    ax.axvline(right, color="#DDDDDD", linewidth=0.8, marker="none")
    for group, i in sorted(index.items(), key=lambda item: item[1]):
        picked = [k for k, g in enumerate(groups) if g == group]
        style = series(i)
        ax.plot(
            [xs[k] for k in picked],
            [ys[k] for k in picked],
            linestyle="none",
            marker=style["marker"],
            color=style["color"],
            markersize=11,
            markeredgecolor="#333333",
            label=group,
        )
    vetoes = [k for k, v in enumerate(veto) if v]
    if vetoes:
        ax.plot(
            [xs[k] for k in vetoes],
            [ys[k] for k in vetoes],
            linestyle="none",
            marker="s",
            markersize=19,
            markerfacecolor="none",
            markeredgecolor="black",
            markeredgewidth=1.6,
            label="veto in the Council",
        )
    ax.set_xlim(left, right + room)
    ax.set_ylim(bottom, top)
    ticks = list(range(int(low), int(high) + 1))
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    label(
        ax,
        x="Interest in how the withdrawal is done",
        x_unit="score, this course's coding",
        y="Power over how it is done",
        y_unit="score, this course's coding",
        title=title,
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
    label_points(ax, xs, ys, [textwrap.fill(a, 20) for a in actors], fontsize=9)  # wrapped: long names stay narrow
    return fig


# Whole figures in one call, for the lessons and exercises of notebooks 00
# and 01: each makes the figure, draws, labels the axes, puts the source line
# under it and shows it, so a figure cell is one line a student can read
# --------------------------------------------------------------------------


def _finish(fig: Figure, source_text: str | Sequence[str], note: str | None, show: bool) -> Figure | None:
    """Source line, then show (returning nothing, so the figure is not drawn twice) or return the figure."""
    sources = [source_text] if isinstance(source_text, str) else list(source_text)
    source(fig, *sources, note=note)  # the module function: this parameter is called source_text
    if show:
        plt.show()
        return None
    return fig


def timeline_chart(
    dates: Sequence,
    groups: Sequence[str],
    *,
    source: str | Sequence[str],
    labels: Sequence[str] | None = None,
    group_order: Iterable[str] | None = None,
    marks: dict | None = None,
    y: str = "Kind of event",
    title: str | None = None,
    note: str | None = None,
    size: tuple[float, float] = (10, 5),
    show: bool = True,
) -> Figure | None:
    """Dated events on one lane per group (:func:`timeline`), as a finished figure.

    ``labels`` (optional) are written beside the markers. ``marks`` maps a
    date to a caption, drawn as a dotted vertical line (the day of a coup, of
    a request) with its caption at the top. The x axis is "Date", the y axis
    ``y``. With ``show=False`` the figure is returned instead of shown (tests).
    """
    dates, groups = list(dates), [str(g) for g in groups]
    fig, ax = figure(width=size[0], height=size[1])
    timeline(ax, dates, [""] * len(dates) if labels is None else [str(t) for t in labels], groups, group_order)
    for day, caption in (marks or {}).items():
        ax.axvline(day, color="#444444", linestyle=":", linewidth=1.2, marker="none")
        ax.text(day, 1.0, f"{caption} ", transform=ax.get_xaxis_transform(), ha="right", va="bottom", fontsize=9)
    label(ax, x="Date", y=y, title=title)
    return _finish(fig, source, note, show)


def stacked_bars_chart(
    table,
    *,
    source: str | Sequence[str],
    x: str,
    y: str,
    y_unit: str | None = None,
    title: str | None = None,
    note: str | None = None,
    size: tuple[float, float] = (9, 4.5),
    show: bool = True,
) -> Figure | None:
    """A count table as stacked bars: one bar per row of ``table``, one colour and hatch per column.

    ``table`` is what a ``groupby(...).size().unstack()`` gives: its index
    (years, say) runs along the x axis, every index value gets a tick (a row
    of zeros shows as an empty place, not a gap), and its columns stack in
    their order, each with :func:`bar_style` and a legend entry.
    """
    fig, ax = figure(width=size[0], height=size[1])
    positions = list(table.index)
    bottom = [0.0] * len(positions)
    for i, column in enumerate(table.columns):
        heights = [float(v) for v in table[column]]
        ax.bar(positions, heights, bottom=bottom, label=str(column), **bar_style(i))
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_xticks(positions)
    label(ax, x=x, y=y, y_unit=y_unit, title=title)
    legend(ax)
    return _finish(fig, source, note, show)


def dot_rows_chart(
    values: Sequence,
    rows: Sequence[str],
    groups: Sequence[str],
    *,
    source: str | Sequence[str],
    x: str,
    y: str,
    group_order: Iterable[str] | None = None,
    title: str | None = None,
    note: str | None = None,
    size: tuple[float, float] = (11, 6.5),
    show: bool = True,
) -> Figure | None:
    """Dots on labelled rows (:func:`dot_rows`), first row at the top, as a finished figure with a legend."""
    fig, ax = figure(width=size[0], height=size[1])
    dot_rows(ax, values, rows, groups, group_order=group_order)
    label(ax, x=x, y=y, title=title)
    legend(ax, loc="lower left", bbox_to_anchor=(0, 0))
    return _finish(fig, source, note, show)


def spans_chart(
    starts: Sequence,
    ends: Sequence,
    rows: Sequence[str],
    *,
    source: str | Sequence[str],
    x: str,
    y: str,
    groups: Sequence[str] | None = None,
    group_order: Iterable[str] | None = None,
    cutoff=None,
    cutoff_label: str | None = None,
    title: str | None = None,
    note: str | None = None,
    size: tuple[float, float] = (9.5, 4.2),
    show: bool = True,
) -> Figure | None:
    """Spans from a start (circle) to an end (square), one row each (:func:`spans`), as a finished figure."""
    fig, ax = figure(width=size[0], height=size[1])
    spans(ax, starts, ends, rows, groups=groups, group_order=group_order, cutoff=cutoff, cutoff_label=cutoff_label)
    label(ax, x=x, y=y, title=title)
    if groups is not None:
        legend(ax)
    return _finish(fig, source, note, show)


# --------------------------------------------------------------------------
# One-call charts of notebooks 03 and 04: each draws, labels, cites its
# source and shows, so that a figure cell is a single line of intent
# --------------------------------------------------------------------------


def _sources(source) -> list[str]:
    """``source`` as a list of strings (one source, or several)."""
    return [source] if isinstance(source, str) else list(source)


def _blank_arguments(**arguments) -> list[str]:
    """The names of the arguments still left as ``...`` (a blank a student has not filled in yet)."""
    return [name for name, value in arguments.items() if value is Ellipsis]


#: :func:`source` under another name, for the helpers below whose ``source`` argument hides it.
_source_line = source


def _done(fig: Figure, source, note: str | None, show: bool) -> Figure | None:
    """Put the source line under ``fig``; show it and return None, or return it unshown."""
    _source_line(fig, *_sources(source), note=note)
    if show:
        plt.show()
        return None
    return fig


def _legend_with_arrows(ax: Axes, **kwargs) -> None:
    """:func:`legend`, with an upward arrow as the key of every "at least" entry, as drawn on the chart.

    :func:`qualified_points` draws a lower bound as a point with an arrow; in a
    plain legend it would look like an exact figure.
    """
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    keyed = []
    for handle, text in zip(handles, labels):
        if text.endswith(QUALIFIER_WORDS[">"]):
            handle = Line2D(
                [],
                [],
                linestyle="none",
                marker=r"$\uparrow$",
                markersize=13,
                color=handle.get_color(),
                markeredgewidth=0,
            )
        keyed.append(handle)
    legend(ax, handles=keyed, labels=labels, **kwargs)


def ceiling_chart(
    ceilings, yearly, snapshots, *, end, source, note: str | None = None, show: bool = True
) -> Figure | None:
    """What the Council allowed against who was there: ceilings as steps, yearly means as a line, snapshots as points.

    ``ceilings`` needs ``adoption_date`` and ``uniformed_ceiling`` (one row
    per resolution; a missing ceiling leaves its stretch empty up to
    ``end``); ``yearly`` needs ``year`` and ``mean_total_uniformed`` (drawn
    at mid-year); ``snapshots`` needs ``date``, ``uniformed_total`` and
    ``uniformed_total_qualifier``. Snapshots from different sources are never
    joined. Shows the figure (``show=False`` returns it instead).
    """
    import pandas as pd  # late: plots is imported by notebooks that may not need pandas yet

    fig, ax = figure(width=9, height=5)
    steps(
        ax,
        ceilings["adoption_date"],
        ceilings["uniformed_ceiling"],
        end=pd.Timestamp(end),
        index=0,
        label="Authorised ceiling (resolutions)",
    )
    mid_year = pd.to_datetime(yearly["year"].astype(str) + "-07-01")
    ax.plot(mid_year, yearly["mean_total_uniformed"], **series(2), label="Deployed: RADPKO yearly mean")
    qualified_points(
        ax,
        snapshots["date"],
        snapshots["uniformed_total"],
        snapshots["uniformed_total_qualifier"],
        index=1,
        label="Deployed: snapshot on one day",
    )
    ax.set_ylim(0, max(17000, float(pd.to_numeric(ceilings["uniformed_ceiling"]).max()) * 1.1))
    first, last = pd.Timestamp(ceilings["adoption_date"].min()).year, pd.Timestamp(end).year
    label(
        ax,
        x="Date",
        y="Uniformed personnel",
        y_unit="persons",
        title=f"Uniformed personnel (military and police): allowed and present, {first}–{last}",
    )
    _legend_with_arrows(ax, loc="lower right", bbox_to_anchor=(1, 0))
    return _done(fig, source, note, show)


def ranked_bar_chart(
    labels,
    values,
    *,
    x: str,
    x_unit: str,
    y: str,
    title: str,
    source,
    note: str | None = None,
    value_format: str = "{:,.0f}",
    missing_text: str = "number not found",
    width: float = 8,
    show: bool = True,
) -> Figure | None:
    """Horizontal bars in the order given (first at the top), each with its value; a missing value stays a gap.

    Sort the table before calling. The height grows with the number of
    bars. Shows the figure (``show=False`` returns it instead).
    """
    labels, values = list(labels), list(values)
    fig, ax = figure(width=width, height=max(3.0, 0.45 * len(labels) + 1.6))
    hbars(ax, labels, values, value_format=value_format, missing_text=missing_text)
    label(ax, x=x, x_unit=x_unit, y=y, title=title)
    return _done(fig, source, note, show)


def budget_chart(
    table, *, source, note: str | None = None, panel_order: Iterable[str] | None = None, show: bool = True
) -> Figure | None:
    """Budget figures by financial year, one panel per ``scope``; a year with no figure of a scope is shaded.

    ``table`` needs ``period``, ``scope``, ``amount_usd`` and
    ``amount_usd_qualifier``; the financial years appear in the order of the
    table's rows, and every year in the table gets its place in every panel.
    Points are never joined: a line would invent the missing years. Shows the
    figure (``show=False`` returns it instead).
    """
    periods = list(dict.fromkeys(str(p) for p in table["period"]))
    order = list(panel_order) if panel_order is not None else list(dict.fromkeys(str(s) for s in table["scope"]))
    fig, axes = figure(width=9, height=2.7 * len(order) + 0.6, nrows=len(order), sharex=True, sharey=True)
    axes = list(getattr(axes, "flat", [axes]))
    category_panels(
        axes,
        periods,
        table["scope"],
        table["period"],
        table["amount_usd"] / 1e6,
        table["amount_usd_qualifier"],
        panel_order=order,
        title="Scope: {}",
        y_label="Budget (USD million)",
        label="figure for the year",
        missing_label="no figure of this scope found",
    )
    axes[0].set_ylim(0, max(1400, float((table["amount_usd"] / 1e6).max()) * 1.1))
    axes[-1].set_xlabel("Financial year (1 July to 30 June)")
    return _done(fig, source, note, show)


def reported_totals_chart(
    table,
    *,
    columns: dict[str, str],
    y: str,
    y_unit: str,
    title: str,
    source,
    x: str = "date",
    note: str | None = None,
    show: bool = True,
) -> Figure | None:
    """Running totals as each source reported them: one point per source and date, never joined.

    ``columns`` maps a column of ``table`` to its legend label; a column
    ``f"{column}_qualifier"``, if present, marks approximate figures (hollow)
    and lower bounds (arrow up). Shows the figure (``show=False`` returns it).
    """
    fig, ax = figure(width=9, height=5)
    qualified_columns(ax, table, x, columns)
    highest = max(float(table[c].max()) for c in columns)
    ax.set_ylim(0, highest * 1.15)
    label(ax, x="Date reported", y=y, y_unit=y_unit, title=title)
    _legend_with_arrows(ax, loc="lower right", bbox_to_anchor=(1, 0))
    return _done(fig, source, note, show)


def bases_map_chart(
    sites,
    outlines: dict,
    *,
    group: str,
    name: str,
    title: str,
    source,
    headquarters=None,
    note: str | None = None,
    show: bool = True,
) -> Figure | None:
    """A locator map of sites: Mali shaded, neighbours outlined, one marker shape and colour per ``group``.

    ``sites`` needs ``longitude``, ``latitude``, and the columns named by
    ``group`` (the legend says how many sites each group has) and ``name``
    (written beside each point). ``headquarters``, if given (rows of the same
    kind), is drawn as a black star. Shows the figure (``show=False`` returns it).
    """
    import pandas as pd  # late: plots is imported by notebooks that may not need pandas yet

    fig, ax = figure(width=8, height=7)
    locator_map(ax, outlines)
    for index, (value, rows) in enumerate(sites.groupby(group, observed=True, sort=False)):
        qualified_points(ax, rows["longitude"], rows["latitude"], index=index, label=f"{value}: {len(rows)} sites")
    shown = sites
    if headquarters is not None and len(headquarters):
        ax.plot(
            headquarters["longitude"],
            headquarters["latitude"],
            linestyle="none",
            marker="*",
            color="black",
            markersize=14,
            label="headquarters",
        )
        shown = pd.concat([sites, headquarters])
    label_points(ax, shown["longitude"], shown["latitude"], shown[name])
    ax.set_title(title, loc="left")
    legend(ax, loc="upper left", bbox_to_anchor=(0, 1), frameon=True, framealpha=0.95, edgecolor="none")
    return _done(fig, source, note, show)


def yearly_lines_chart(
    table, *, x, y, group, y_label, y_unit, title, source, note: str | None = None, show: bool = True
) -> Figure | None:
    """One line per value of ``group`` over ``x`` (years): for one consistent series, such as RADPKO's yearly means.

    Made for "finish this chart" tasks: an argument still left as ``...``
    draws nothing and prints which ones to fill in. Each group gets its own
    colour, marker and line style. Shows the figure (``show=False`` returns it).
    """
    blanks = _blank_arguments(x=x, y=y, group=group, y_label=y_label, y_unit=y_unit, title=title, source=source)
    if blanks:
        print("To draw the chart, replace the ... after: " + ", ".join(blanks) + ".")
        return None
    for column in (x, y, group):
        if column not in table.columns:
            raise KeyError(f"no column '{column}'; the columns are: {', '.join(map(str, table.columns))}")
    fig, ax = figure(width=8, height=4.5)
    for index, (value, rows) in enumerate(table.groupby(group, observed=True, sort=False)):
        rows = rows.sort_values(x)
        ax.plot(rows[x], rows[y], **series(index), label=str(value))
    ax.set_ylim(bottom=0)
    ax.xaxis.get_major_locator().set_params(integer=True)
    label(ax, x=str(x).capitalize(), y=y_label, y_unit=y_unit, title=title)
    legend(ax)
    return _done(fig, source, note, show)


# Helper first used in notebook 07: where each delegation's words point on the zero draft's brackets
# --------------------------------------------------------------------------

#: Marker of each option letter: colour index, marker shape. A is always the penholder's proposal.
OPTION_MARKS = {"A": (0, "o"), "B": (1, "s"), "C": (2, "^")}


def bracket_positions(
    draft,
    actors: Sequence[str],
    *,
    source: str,
    permanent: Iterable[str] = (),
    title: str | None = "Where each delegation's words of 16–30 June 2023 point on the brackets",
    note: str | None = "a letter marks the option a delegation's statements are closest to; "
    "an empty row: its words point to no option.",
) -> None:
    """One row per actor, one column per bracket: a lettered marker for each option the actor's words are closest to.

    ``draft`` has the columns of ``data/zero_draft_clauses.csv`` (only rows with
    ``bracketed`` true are drawn; ``closest_to`` lists actors separated by
    ``;``). Each option letter has its own colour *and* shape, with the letter
    written beside it, so the chart reads in grey; two options in one cell sit
    side by side. ``actors`` are the rows, first at the top; names in
    ``permanent`` get "(P5)". Draws, labels, cites ``source`` and shows; returns nothing.
    """
    rows = [row for _, row in draft.iterrows() if bool(row["bracketed"])]
    if not rows:
        raise ValueError("the draft has no bracketed clauses to draw")
    clauses = list(dict.fromkeys((row["clause_order"], row["clause_id"], row["clause_title"]) for row in rows))
    clauses.sort()
    column = {clause_id: i for i, (_order, clause_id, _title) in enumerate(clauses)}
    actors = list(actors)
    where = {actor: k for k, actor in enumerate(actors)}
    cells: dict[tuple[int, int], list[str]] = {}
    for row in rows:
        names = row["closest_to"] if isinstance(row["closest_to"], str) else ""
        for name in (n.strip() for n in names.split(";") if n.strip()):
            if name in where:
                cells.setdefault((where[name], column[row["clause_id"]]), []).append(str(row["option_id"]))
    fig, ax = figure(width=10.5, height=1.9 + 0.36 * len(actors))
    shown: set[str] = set()
    for (y, x), letters in sorted(cells.items()):
        letters = sorted(letters)
        for j, letter in enumerate(letters):
            dx = (j - (len(letters) - 1) / 2) * 0.22
            colour_index, marker = OPTION_MARKS.get(letter, (6, "D"))
            word = "A (the penholder's proposal)" if letter == "A" else f"{letter} (an alternative)"
            ax.plot(
                [x + dx],
                [y],
                linestyle="none",
                marker=marker,
                markersize=11,
                color=PALETTE[colour_index],
                markeredgecolor="#222222",
                label=None if letter in shown else word,
            )
            ax.text(x + dx + 0.09, y, letter, va="center", ha="left", fontsize=8.5, fontweight="bold")
            shown.add(letter)
    permanent = set(permanent)
    ax.set_yticks(range(len(actors)), [a + (" (P5)" if a in permanent else "") for a in actors], fontsize=9)
    ax.set_ylim(len(actors) - 0.5, -0.7)
    ax.set_xticks(range(len(clauses)), ["\n".join(_wrap(title_, 16)) for _o, _c, title_ in clauses], fontsize=8.5)
    ax.set_xlim(-0.6, len(clauses) - 0.4)
    ax.grid(axis="x", visible=False)
    label(ax, x="Bracket of the zero draft", y="Delegation", title=title)
    if shown:
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.06), ncols=3, fontsize=9)
    _put_source(fig, source, note=note)
    show()


def _wrap(text: str, width: int) -> list[str]:
    """Words of ``text`` in lines of about ``width`` characters (for tick labels)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


# --------------------------------------------------------------------------
# One-call charts of notebook 08: the withdrawal on a map, forecasts against
# what happened (calibration), and the class's Brier ranking
# --------------------------------------------------------------------------


def _short_day(value) -> str:
    """A date as "13 Aug" (the year is in the title); empty for a missing date."""
    import pandas as pd  # late: plots is imported by notebooks that may not need pandas yet

    if _is_missing(value):
        return ""
    day = pd.Timestamp(value)
    return f"{day.day} {day:%b}"


def withdrawal_map_chart(
    sites,
    outlines: dict,
    *,
    phase: str,
    name: str,
    date: str,
    title: str,
    source,
    open_label: str = "still open",
    note: str | None = None,
    show: bool = True,
) -> Figure | None:
    """The sites of a withdrawal on a locator map: one marker per phase, each site labelled with its closing day.

    ``sites`` needs ``longitude``, ``latitude`` and the columns named by
    ``phase`` (the legend says "phase N: k sites"), ``name`` and ``date`` (a
    site without a date is labelled ``open_label``). Sites without coordinates
    cannot be drawn: the note under the figure names them. Shows the figure
    (``show=False`` returns it instead).
    """
    placed = sites[sites["longitude"].notna() & sites["latitude"].notna()]
    unplaced = [str(n) for n in sites.loc[~sites.index.isin(placed.index), name]]
    fig, ax = figure(width=8, height=7)
    locator_map(ax, outlines)
    for index, (value, rows) in enumerate(placed.groupby(phase, observed=True, sort=True)):
        in_phase = int((sites[phase] == value).sum())
        qualified_points(ax, rows["longitude"], rows["latitude"], index=index, label=f"phase {value}: {in_phase} sites")
    texts = [f"{n} ({_short_day(d) or open_label})" for n, d in zip(placed[name], placed[date])]
    label_points(ax, placed["longitude"], placed["latitude"], texts, fontsize=8.5)
    ax.set_title(title, loc="left")
    legend(ax, loc="upper left", bbox_to_anchor=(0, 1), frameon=True, framealpha=0.95, edgecolor="none")
    if unplaced:
        missing = f"not on the map (no coordinates): {', '.join(unplaced)}"
        note = f"{note}; {missing}" if note else missing
    return _done(fig, source, note, show)


def calibration_chart(
    probabilities,
    outcomes,
    *,
    source,
    title: str = "Forecasts against what happened",
    labels=None,
    bins: int = 5,
    note: str | None = None,
    show: bool = True,
) -> Figure | None:
    """Forecast probabilities (per cent) against how often the forecast event happened: a calibration chart.

    Each forecast is a tick at the top (it happened) or at the bottom (it did
    not), at its probability, labelled if ``labels`` are given. The forecasts
    are then grouped in ``bins`` equal bands of probability (0–20 %, 20–40 %
    ...): for each band a large marker at the band's mean forecast and the
    share of its events that happened, with how many forecasts it holds. On
    the dashed diagonal, forecasts of 30 % come true 30 % of the time: a
    perfectly calibrated forecaster. With few forecasts the bands say little;
    the ticks still show each forecast. Shows the figure (``show=False``
    returns it instead).
    """
    probabilities = [float(p) for p in probabilities]
    happened = [bool(o) for o in outcomes]
    if len(probabilities) != len(happened):
        raise ValueError("probabilities and outcomes must have the same length")
    if any(not 0 <= p <= 100 for p in probabilities):
        raise ValueError("probabilities are in per cent, from 0 to 100")
    names = None if labels is None else [str(t) for t in labels]
    fig, ax = figure(width=10, height=6)
    ax.plot(
        [0, 100], [0, 100], color="#555555", linestyle="--", marker="none", linewidth=1.2, label="perfectly calibrated"
    )
    yes = [p for p, o in zip(probabilities, happened) if o]
    no = [p for p, o in zip(probabilities, happened) if not o]
    ax.plot(
        yes,
        [100] * len(yes),
        linestyle="none",
        marker="|",
        markersize=16,
        markeredgewidth=2,
        color=PALETTE[2],
        label=f"a forecast of an event that happened ({len(yes)})",
    )
    ax.plot(
        no,
        [0] * len(no),
        linestyle="none",
        marker="|",
        markersize=16,
        markeredgewidth=2,
        color=PALETTE[5],
        label=f"a forecast of an event that did not ({len(no)})",
    )
    if names is not None:
        for p, o, text in zip(probabilities, happened, names):
            ax.annotate(
                text,
                (p, 100 if o else 0),
                xytext=(0, -12 if o else 10),
                textcoords="offset points",
                rotation=90,
                ha="center",
                va="top" if o else "bottom",
                fontsize=7.5,
            )
    width = 100 / bins
    centres, shares, counts = [], [], []
    for band in range(bins):
        low, high = band * width, (band + 1) * width
        inside = [(p, o) for p, o in zip(probabilities, happened) if low <= p < high or (band == bins - 1 and p == 100)]
        if inside:
            centres.append(sum(p for p, _ in inside) / len(inside))
            shares.append(100 * sum(o for _, o in inside) / len(inside))
            counts.append(len(inside))
    ax.plot(
        centres,
        shares,
        linestyle="none",
        marker="o",
        markersize=11,
        color=PALETTE[0],
        markeredgecolor="white",
        label=f"share that happened, per band of {width:g} points",
    )
    for x, y, n in zip(centres, shares, counts):
        ax.annotate(f"n={n}", (x, y), xytext=(0, 9), textcoords="offset points", ha="center", va="bottom", fontsize=9)
    if not probabilities:
        ax.text(
            50, 50, "no locked forecast to show", ha="center", va="center", fontsize=11, style="italic", color="#555555"
        )
    ax.set_xlim(-3, 103)
    ax.set_ylim(-8, 108)
    ax.set_aspect("equal")
    label(ax, x="Forecast probability", x_unit="%", y="Share that happened", y_unit="%", title=title)
    legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _done(fig, source, note, show)


def brier_ranking_chart(
    labels,
    scores,
    *,
    source,
    references: dict | None = None,
    title: str = "Mean Brier score per forecaster (lower is better)",
    note: str | None = None,
    show: bool = True,
) -> Figure | None:
    """Forecasters' mean Brier scores as horizontal bars (give them best first), with reference lines.

    ``references`` maps a caption to a score drawn as a vertical line, e.g.
    ``{"no skill: always 50 %": 0.25}``; each line gets its own style. The x
    axis runs from 0 (perfect) to at least 0.5. Shows the figure
    (``show=False`` returns it instead).
    """
    labels, scores = [str(t) for t in labels], list(scores)
    fig, ax = figure(width=8, height=max(3.0, 0.36 * len(labels) + 1.8))
    hbars(ax, labels, scores, value_format="{:.3f}", missing_text="no forecast scored")
    highest = max([s for s in scores if not _is_missing(s)] + [0.5] + list((references or {}).values()))
    for index, (caption, value) in enumerate((references or {}).items()):
        ax.axvline(
            value,
            color=PALETTE[(index + 5) % len(PALETTE)],
            linestyle=LINESTYLES[(index + 1) % len(LINESTYLES)],
            linewidth=1.8,
            marker="none",
            label=f"{caption}: {value:.3f}",
        )
    ax.set_xlim(0, highest * 1.15)
    label(ax, x="Mean Brier score", x_unit="0 = perfect, 1 = worst", y="Forecaster", title=title)
    if references:
        legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _done(fig, source, note, show)


def forecast_strip_chart(
    probabilities,
    *,
    source,
    outcome: bool | None = None,
    title: str = "The class's forecasts",
    note: str | None = None,
    show: bool = True,
) -> Figure | None:
    """One question's forecasts (per cent) as a strip of dots on a 0–100 % line, their mean as a large diamond.

    Dots never carry a name: the strip is made to be projected. Equal or close
    forecasts are stacked upwards, so each one stays visible. With
    ``outcome`` given (True: it happened), a bold mark at 100 % (or 0 %) shows
    what happened, with a dotted line from the mean to it: the distance the
    Brier score squares. Shows the figure (``show=False`` returns it instead).
    """
    values = [float(p) for p in probabilities]
    if any(not 0 <= p <= 100 for p in values):
        raise ValueError("probabilities are in per cent, from 0 to 100")
    fig, ax = figure(width=10, height=3.6)
    heights: dict[int, int] = {}
    ys = []
    for p in values:
        column = int(round(p / 2.5))  # forecasts within 2.5 points share a column and stack
        heights[column] = heights.get(column, 0) + 1
        ys.append(heights[column])
    ax.plot(
        values,
        ys,
        linestyle="none",
        marker="o",
        markersize=11,
        color=PALETTE[0],
        markeredgecolor="white",
        label=f"one forecast ({len(values)})",
    )
    top = max(ys, default=1)
    if values:
        mean = sum(values) / len(values)
        ax.plot(
            [mean],
            [0],
            linestyle="none",
            marker="D",
            markersize=16,
            color=PALETTE[1],
            markeredgecolor="#333333",
            label=f"the class's average: {mean:.0f} %",
            clip_on=False,
        )
    else:
        mean = None
        ax.text(50, 1, "no forecast to show", ha="center", va="center", fontsize=12, style="italic", color="#555555")
    if outcome is not None:
        where_it_ended = 100.0 if outcome else 0.0
        ax.plot(
            [where_it_ended],
            [0],
            linestyle="none",
            marker="*",
            markersize=24,
            color=PALETTE[2] if outcome else PALETTE[5],
            markeredgecolor="#333333",
            label="what happened: " + ("yes (100 %)" if outcome else "no (0 %)"),
            clip_on=False,
        )
        if mean is not None:
            ax.plot([mean, where_it_ended], [0, 0], color="#333333", linestyle=":", marker="none", linewidth=2)
    ax.set_xlim(-4, 104)
    ax.set_ylim(-0.8, top + 0.8)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(axis_label("Forecast probability that it happens", "%"))
    ax.set_title(title, loc="left")
    legend(ax, loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=3)
    return _done(fig, source, note, show)

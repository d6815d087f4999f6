"""The digest's idea map as a picture: one dot per idea, each named group in its colour.

Drawn with matplotlib's object API on the Agg canvas - no pyplot state, so digests can be
drawn from several threads. The coordinates are the digest's (``matching.map_layout``).

On the map each named group has a colour of its own (a repeating palette made two groups look
like one spread over the map) and its label sits beside it, where it covers no point and no
other label: a few dozen places around the group are tried, the nearest free one wins.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from bot.digest import Digest, MapPoint
from bot.events import Attachment
from bot.i18n import Translator

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.figure import Figure

MAP_FILENAME = "ideenlandkarte.png"
MAP_SIZE = (10.0, 7.0)  # inches, at MAP_DPI
MAP_DPI = 100
LABEL_TERMS = 2
# Groups named on the map, each in a colour of its own; the others are grey like ideas in
# no group (a colour without a name would say nothing).
MAP_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#bcbd22", "#17becf", "#393b79", "#637939", "#7b4173",
)  # fmt: skip
MAP_LABELS = len(MAP_COLOURS)
MAP_GREY = "#c8c8c8"
MAP_MARGIN = 0.08  # of the points' extent on each side: room for labels at the edges
LABEL_FONT = 9  # points
LABEL_PAD = 0.2  # the label box's padding, in font sizes (matplotlib's boxstyle pad)
LABEL_GAP = 4.0  # pixels kept free around a label
# Tried label distances from a group's points, in label heights, and directions around it.
LABEL_DISTANCES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.5, 8.0, 10.0, 12.5, 15.0)
LABEL_DIRECTIONS = 24
LEADER_FROM = 1.0  # label heights: a label farther from its group gets a line to it
# Up to this many ideas, each dot carries its number, so the CDO can find it in the digest's
# lists (trial 25: 21 of 27 dots were grey and nameless); beyond, numbers would cover them.
MAX_NUMBERED = 60
NUMBER_FONT = 7


def cluster_name(t: Translator, terms: tuple[str, ...]) -> str:
    """A group's typical terms; a group whose terms are all too common to name it says so."""
    return ", ".join(terms) if terms else t("digest.unnamed_group")


def map_counts(digest: Digest) -> dict[str, int]:
    """The ideas on the map, and how many of them are the period's new ones: a weekly map
    of 309 open ideas looks like the week's news unless it says only 37 are new."""
    new_ids = {idea.id for idea in digest.new_ideas}
    points = digest.map_points
    return {"count": len(points), "new": sum(1 for p in points if p.idea_id in new_ids)}


def draw_map(digest: Digest, t: Translator) -> bytes:
    """The idea map as PNG: one dot per idea, coloured by cluster, clusters labelled."""
    buffer = io.BytesIO()
    map_figure(digest, t).savefig(buffer, format="png")
    return buffer.getvalue()


def map_figure(digest: Digest, t: Translator) -> Figure:
    """The idea map as a matplotlib figure (``MAP_SIZE`` at ``MAP_DPI``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=MAP_SIZE, dpi=MAP_DPI)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    points = digest.map_points
    named = min(len(digest.clusters), MAP_LABELS)
    small = 8 if len(points) > 1000 else 24
    grey = [p for p in points if not 0 <= p.cluster < named]
    coloured = [p for p in points if 0 <= p.cluster < named]
    axes.scatter(
        [p.x for p in grey], [p.y for p in grey], s=small, c=MAP_GREY, linewidths=0,
        label=t("digest.map_unclustered"),
    )  # fmt: skip
    if coloured:  # one scatter call for all clusters: hundreds of calls take seconds
        axes.scatter(
            [p.x for p in coloured],
            [p.y for p in coloured],
            s=small * 2,
            c=[MAP_COLOURS[p.cluster] for p in coloured],
            linewidths=0,
        )
    _frame(axes, points)
    axes.set_title(t("digest.map_title", **map_counts(digest)))
    axes.set_xticks([])
    axes.set_yticks([])
    figure.tight_layout()  # before placing labels: it moves the axes
    points_px = axes.transData.transform([(p.x, p.y) for p in grey + coloured]).reshape(-1, 2)
    radius = np.array(
        [_radius(small, figure.dpi)] * len(grey) + [_radius(small * 2, figure.dpi)] * len(coloured)
    )
    taken = _Taken(points_px, radius)
    if len(points) <= MAX_NUMBERED:  # first: the groups' labels have more places to go
        _number_dots(axes, canvas.get_renderer(), grey + coloured, named, taken)
    _label_clusters(axes, canvas.get_renderer(), digest, t, named, taken)
    return figure


def _radius(size: float, dpi: float) -> float:
    """The pixel radius of a scatter dot of ``size`` (its area in points squared)."""
    return math.sqrt(size) / 2 * dpi / 72


def _frame(axes: Axes, points: tuple[MapPoint, ...]) -> None:
    """Fixed limits with a margin, so labels placed later fit and nothing rescales."""
    if not points:
        return
    for values, setter in (
        ([p.x for p in points], axes.set_xlim),
        ([p.y for p in points], axes.set_ylim),
    ):
        low, high = min(values), max(values)
        margin = (high - low) * MAP_MARGIN or 1.0
        setter(low - margin, high + margin)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels
Line = tuple[np.ndarray, np.ndarray]


@dataclass
class _Taken:
    """What a new label must not cover: the dots, and the labels and leader lines so far."""

    dots: np.ndarray  # pixel centres
    radius: np.ndarray  # pixel radii
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def cost(self, box: Box, line: Line | None) -> float:
        """Labels covered count most, then dots, then leader lines crossing labels."""
        crossings = sum(_crosses(a, b, box) for a, b in self.lines)
        if line is not None:
            crossings += sum(_crosses(*line, other) for other in self.boxes)
        return 1e6 * _boxes_hit(box, self.boxes) + 1e4 * _dots_hit(box, self) + 1e3 * crossings


def _label_clusters(
    axes: Axes,
    renderer: RendererAgg,
    digest: Digest,
    t: Translator,
    named: int,
    taken: _Taken,
) -> None:
    """Each named cluster's label beside it, covering no dot and no label, inside the axes.

    Candidates lie around the group's bounding box at growing distances in every direction;
    the nearest that covers nothing wins (else the one covering least). A label away from its
    group gets a thin line to it. Groups are labelled in digest order: synergies choose first.
    """
    frame = axes.get_window_extent(renderer).extents
    to_data = axes.transData.inverted()
    pad = LABEL_PAD * LABEL_FONT * renderer.dpi / 72  # the box's padding in pixels
    for number in range(named):
        mine = np.array([(p.x, p.y) for p in digest.map_points if p.cluster == number])
        if not len(mine):
            continue
        text = cluster_name(t, digest.clusters[number].terms[:LABEL_TERMS])
        probe = axes.text(0, 0, text, fontsize=LABEL_FONT)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        size = (extent.width + 2 * pad, extent.height + 2 * pad)
        own = axes.transData.transform(mine)
        centre, line = _best_place(own, size, taken, frame)
        taken.boxes.append(_box(centre, size))
        if line is not None:
            taken.lines.append(line)
        colour = MAP_COLOURS[number]
        axes.annotate(
            text,
            xy=tuple(to_data.transform(centre if line is None else line[1])),
            xytext=tuple(to_data.transform(centre)),
            fontsize=LABEL_FONT,
            ha="center",
            va="center",
            bbox={"boxstyle": f"round,pad={LABEL_PAD}", "fc": "white", "ec": colour},
            arrowprops=(
                None
                if line is None
                else {"arrowstyle": "-", "color": colour, "lw": 0.8, "shrinkA": 0, "shrinkB": 4}
            ),
        )


def _number_dots(
    axes: Axes, renderer: RendererAgg, points: list[MapPoint], named: int, taken: _Taken
) -> None:
    """Each dot's idea number next to it, in one of eight places: where it covers least."""
    frame = axes.get_window_extent(renderer).extents
    to_data = axes.transData.inverted()
    for n, point in enumerate(points):
        text = f"#{point.idea_id}"
        probe = axes.text(0, 0, text, fontsize=NUMBER_FONT)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        size = (extent.width, extent.height)
        dot, gap = taken.dots[n], taken.radius[n] + 1.0
        centres = [
            dot + np.array((dx * (gap * far + size[0] / 2), dy * (gap * far + size[1] / 2)))
            for far in (1, 4)  # a dense group: a little farther out, where it is free
            for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
        ]
        inside = [c for c in centres if _within(_box(c, size), frame)] or centres
        centre = min(
            inside, key=lambda c: taken.cost(_box(c, size), None) + float(np.linalg.norm(c - dot))
        )
        taken.boxes.append(_box(centre, size))
        colour = MAP_COLOURS[point.cluster] if 0 <= point.cluster < named else "#707070"
        x, y = to_data.transform(centre)
        axes.text(x, y, text, fontsize=NUMBER_FONT, color=colour, ha="center", va="center")


def _within(box: Box, frame: Box) -> bool:
    return box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]


def _best_place(
    own: np.ndarray, size: tuple[float, float], taken: _Taken, frame: Box
) -> tuple[np.ndarray, Line | None]:
    """The centre (pixels) for a label of ``size`` beside the group at ``own``, and its leader
    line (label centre to the nearest dot of the group) if it is that far away."""
    height = size[1]
    low, high = own.min(axis=0) - LABEL_GAP, own.max(axis=0) + LABEL_GAP
    middle = (low + high) / 2
    angles = np.arange(LABEL_DIRECTIONS) * (2 * math.pi / LABEL_DIRECTIONS)
    directions = np.column_stack([np.cos(angles), np.sin(angles)])
    best: tuple[float, np.ndarray, Line | None] | None = None
    for steps in LABEL_DISTANCES:
        half = (high - low) / 2 + np.array(size) / 2 + LABEL_GAP + steps * height
        with np.errstate(divide="ignore"):
            reach = np.min(half / np.abs(directions), axis=1)  # to the edge of `half`
        for centre in middle + directions * reach[:, None]:
            box = _box(centre, size)
            if not _within(box, frame):
                continue
            line = None
            if steps > LEADER_FROM:
                line = (centre, own[int(np.argmin(np.linalg.norm(own - centre, axis=1)))])
            cost = taken.cost(box, line) + float(np.linalg.norm(centre - middle))
            if best is None or cost < best[0]:
                best = (cost, centre, line)
        if best is not None and best[0] < 1e3:
            break  # covers nothing, and nearer than any place farther out
    if best is None:  # a label wider than the map: in the middle of its group
        return middle, None
    return best[1], best[2]


def _box(centre: np.ndarray, size: tuple[float, float]) -> Box:
    x, y = float(centre[0]), float(centre[1])
    return (x - size[0] / 2, y - size[1] / 2, x + size[0] / 2, y + size[1] / 2)


def _boxes_hit(box: Box, others: list[Box]) -> int:
    gap = LABEL_GAP
    return sum(
        1
        for x0, y0, x1, y1 in others
        if x0 < box[2] + gap and x1 > box[0] - gap and y0 < box[3] + gap and y1 > box[1] - gap
    )


def _dots_hit(box: Box, taken: _Taken) -> int:
    """Dots whose circle comes within half a ``LABEL_GAP`` of the box."""
    dots = taken.dots
    nearest_x = np.clip(dots[:, 0], box[0], box[2])
    nearest_y = np.clip(dots[:, 1], box[1], box[3])
    gaps = np.hypot(dots[:, 0] - nearest_x, dots[:, 1] - nearest_y)
    return int(np.sum(gaps < taken.radius + LABEL_GAP / 2))


def _crosses(start: np.ndarray, end: np.ndarray, box: Box) -> bool:
    """Whether the segment from ``start`` to ``end`` passes through ``box`` (Liang-Barsky)."""
    low, high = 0.0, 1.0
    delta = end - start
    for d, s, lo, hi in (
        (delta[0], start[0], box[0], box[2]),
        (delta[1], start[1], box[1], box[3]),
    ):
        if abs(d) < 1e-12:
            if s < lo or s > hi:
                return False
            continue
        t0, t1 = sorted(((lo - s) / d, (hi - s) / d))
        low, high = max(low, t0), min(high, t1)
        if low > high:
            return False
    return True


def map_attachment(digest: Digest, t: Translator) -> tuple[Attachment, ...]:
    """The map as a chat attachment; none for a digest without ideas to draw."""
    if not digest.map_points:
        return ()
    return (Attachment(MAP_FILENAME, draw_map(digest, t), "image/png"),)

"""The Themenkarte: the idea landscape of the digest, kept ready for the cockpit's pages.

The themes are the weekly digest's clusters (``bot.digest``: the same clustering, names,
privacy rules and map layout), over a longer period, so the map shows what the digest would
show. Clustering 10,000 ideas takes tens of seconds, far too long for a page, so it runs in a
background thread and the pages show the last map made; a new one is made when ideas changed
and the last one is older than ``min_interval`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property

from bot.clock import Clock, iso
from bot.config import Settings
from bot.digest import Digest, IdeaItem
from bot.digest_build import digest_for
from bot.digest_map import MAP_COLOURS, MAP_GREY, cluster_name
from bot.i18n import Translator
from knowledge.store import Store

log = logging.getLogger(__name__)

LANDSCAPE_DAYS = 365  # ideas of the last year, and all open ones (as the digest takes them)
RECENT_DAYS = 7  # "growing": ideas of the last week in a theme
MAP_POINTS = 600  # dots drawn at most
THEMES_LISTED = 40  # themes in the table and the filters, synergies first (as the digest page)
MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 1000, 640, 40


@dataclass(frozen=True)
class Theme:
    index: int
    name: str
    ideas: tuple[IdeaItem, ...]
    recent: int  # ideas of the last RECENT_DAYS days
    departments: tuple[str, ...]
    colour: str
    x: float  # where its name stands on the map
    y: float


@dataclass(frozen=True)
class Dot:
    idea_id: int
    x: float
    y: float
    theme: int  # -1: in no theme
    summary: str
    colour: str


@dataclass(frozen=True)
class Landscape:
    version: tuple[int, str | None]  # of the ideas it was made from (``ideas_version``)
    made_at: str
    analysed: bool  # False: no model, so no themes
    themes: tuple[Theme, ...]
    dots: tuple[Dot, ...]
    points: int  # ideas on the whole map (dots may be fewer)

    def theme(self, index: int) -> Theme | None:
        return self.themes[index] if 0 <= index < len(self.themes) else None

    @property
    def listed(self) -> tuple[Theme, ...]:
        """The themes a table or a filter lists; the others are reached by their number."""
        return self.themes[:THEMES_LISTED]

    @cached_property
    def idea_ids(self) -> frozenset[int]:
        """The ideas on the map, as dots or in a theme's table."""
        return frozenset(
            {d.idea_id for d in self.dots} | {i.id for t in self.themes for i in t.ideas}
        )

    def without(self, gone: set[int]) -> Landscape:
        """This map without ideas deleted since it was made: an erasure shows at once, not
        when the next map is ready (trial 23 read an erased idea on it for 75 s)."""
        shown = self.idea_ids
        if not gone & shown:
            return self
        themes = tuple(
            replace(t, ideas=tuple(i for i in t.ideas if i.id not in gone)) for t in self.themes
        )
        dots = tuple(d for d in self.dots if d.idea_id not in gone)
        return replace(self, themes=themes, dots=dots, points=self.points - len(gone & shown))

    @cached_property
    def theme_names(self) -> dict[int, str]:
        """Idea id -> the name of its theme (made once per landscape, read by many pages)."""
        return {item.id: theme.name for theme in self.themes for item in theme.ideas}


def landscape_of(
    digest: Digest, version: tuple[int, str | None], t: Translator, now: datetime
) -> Landscape:
    recent = iso(now - timedelta(days=RECENT_DAYS))
    by_id = {point.idea_id: point for point in digest.map_points}
    scale = _scaler(digest)
    themes = []
    for index, cluster in enumerate(digest.clusters):
        colour = MAP_COLOURS[index] if index < len(MAP_COLOURS) else MAP_GREY
        placed = [scale(by_id[item.id].x, by_id[item.id].y) for item in cluster.ideas
                  if item.id in by_id]  # fmt: skip
        x = sum(p[0] for p in placed) / len(placed) if placed else MAP_WIDTH / 2
        y = min((p[1] for p in placed), default=MAP_HEIGHT / 2)
        themes.append(
            Theme(
                index,
                cluster_name(t, cluster.terms),
                cluster.ideas,
                sum(1 for item in cluster.ideas if item.created_at >= recent),
                cluster.departments,
                colour,
                x,
                max(MAP_MARGIN / 2, y - 12),
            )
        )
    summaries = {item.id: item.summary for c in digest.clusters for item in c.ideas}
    summaries |= {item.id: item.summary for item in digest.new_ideas}
    chosen = sorted(digest.map_points, key=lambda p: (p.cluster < 0, -p.idea_id))[:MAP_POINTS]
    dots = []
    for point in sorted(chosen, key=lambda p: p.idea_id):
        x, y = scale(point.x, point.y)
        colour = themes[point.cluster].colour if point.cluster >= 0 else MAP_GREY
        summary = summaries.get(point.idea_id, "")
        dots.append(Dot(point.idea_id, x, y, point.cluster, summary, colour))
    return Landscape(
        version, iso(now), digest.analysed, tuple(themes), tuple(dots), len(digest.map_points)
    )


def _scaler(digest: Digest) -> Callable[[float, float], tuple[float, float]]:
    """Map coordinates -> SVG user units inside the margin, y pointing down."""
    xs = [p.x for p in digest.map_points] or [0.0]
    ys = [p.y for p in digest.map_points] or [0.0]
    left, right, low, high = min(xs), max(xs), min(ys), max(ys)
    width, height = (right - left) or 1.0, (high - low) or 1.0

    def scale(x: float, y: float) -> tuple[float, float]:
        sx = MAP_MARGIN + (x - left) / width * (MAP_WIDTH - 2 * MAP_MARGIN)
        sy = MAP_HEIGHT - MAP_MARGIN - (y - low) / height * (MAP_HEIGHT - 2 * MAP_MARGIN)
        return round(sx, 1), round(sy, 1)

    return scale


class Landscapes:
    """The current landscape, made again in the background when ideas changed."""

    def __init__(
        self,
        store: Store,
        settings: Callable[[], Settings],
        matcher: object,
        clock: Clock,
        *,
        min_interval: float = 60.0,
    ):
        self.store = store
        self.settings = settings
        self.matcher = matcher
        self.clock = clock
        self.min_interval = min_interval
        self._current: Landscape | None = None
        self._made = 0.0  # monotonic time of the last start
        self._running: threading.Thread | None = None
        self._lock = threading.Lock()
        self._ready = threading.Event()

    def current(self, *, wait: float = 0.0) -> Landscape | None:
        """The last landscape made (None: none yet), starting a new one when it is out of
        date; ``wait``: seconds to wait for a first one."""
        with self.store.transaction():
            version = self.store.ideas_version()
        with self._lock:
            current = self._current
            stale = current is None or current.version != version
            due = time.monotonic() - self._made >= self.min_interval or current is None
            if stale and due and self._running is None:
                self._made = time.monotonic()
                self._running = threading.Thread(
                    target=self._make, args=(version,), name="lagebild-map", daemon=True
                )
                self._running.start()
        if current is None and wait > 0:
            self._ready.wait(wait)
            with self._lock:
                return self._current
        if current is not None and stale:
            with self.store.transaction():
                kept = self.store.get_ideas(list(current.idea_ids)).keys()
            current = current.without(set(current.idea_ids - kept))
        return current

    def _make(self, version: tuple[int, str | None]) -> None:
        try:
            settings = self.settings()
            now = self.clock()
            digest = digest_for(self.store, settings, now, self.matcher, days=LANDSCAPE_DAYS)
            made = landscape_of(digest, version, settings.translator(), now)
            with self._lock:
                self._current = made
            self._ready.set()
        except Exception:
            log.exception("lagebild: the theme map could not be made")
        finally:
            with self._lock:
                self._running = None

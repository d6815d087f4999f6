"""The digest as Markdown (chat and file), HTML (with the map embedded) and JSON.

Texts come from the message catalogue; layout from jinja2 templates in ``bot/templates``
(HTML autoescaped). The map picture is ``bot.digest_map``'s.
"""

from __future__ import annotations

import base64
import json
from dataclasses import fields, is_dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.digest import ClusterItem, Digest, IdeaItem
from bot.digest_map import cluster_name, draw_map, map_counts
from bot.digest_plans import plans_html, plans_json, plans_markdown
from bot.i18n import Translator
from bot.private_files import is_file, write_private

CHAT_CLUSTERS = 8  # per kind (synergies, others); the JSON has them all
CHAT_IDEAS = 6  # per group in chat
PAGE_CLUSTERS = 40
PAGE_IDEAS = 200  # per group: a file and a page list them all, in practice


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _context(
    digest: Digest, t: Translator, max_clusters: int, max_ideas: int = CHAT_IDEAS
) -> dict[str, Any]:
    def day(moment: str) -> str:
        return datetime.fromisoformat(moment).strftime("%d.%m.%Y")

    def department(name: str | None) -> str:
        return name or t("digest.no_department")

    def status(name: str) -> str:
        return t(f"status.names.{name}")

    def delta(now: int, before: int) -> str:
        return f"{now - before:+d}" if before or now else "±0"

    def someone(name: str, department: str | None) -> str:
        return t("digest.someone", name=name, department=department) if department else name

    def group_line(cluster: ClusterItem) -> str:
        """A group's name, size and departments; "aus ohne Fachbereich" where no author said
        theirs (trial 29: nobody on Matrix had)."""
        name, count = cluster_name(t, cluster.terms), len(cluster.ideas)
        if not cluster.departments:
            return t("digest.cluster_line_unknown", name=name, count=count)
        return t("digest.cluster_line", name=name, count=count,
                 departments=", ".join(cluster.departments))  # fmt: skip

    def more(cluster: ClusterItem, shown: int) -> str:
        """The ideas of a group not listed; the new ones among them said as a number."""
        hidden = cluster.ideas[shown:]
        new = sum(1 for idea in hidden if idea.new)
        if new:
            return t("digest.more_new", count=len(hidden), new=new)
        return t("digest.more", count=len(hidden))

    return {
        "d": digest,
        "t": t,
        "day": day,
        "department": department,
        "status": status,
        "delta": delta,
        "more": more,
        "group_line": group_line,
        "someone": someone,
        "map_counts": map_counts(digest),
        "cluster_name": lambda terms: cluster_name(t, terms),
        "max_ideas": max_ideas,
        "max_clusters": max_clusters,
    }


def render_markdown(
    digest: Digest, t: Translator, *, image: str | None = None, complete: bool = False
) -> str:
    """The digest as Markdown: the chat message, short, or (``complete``) a file with every
    group and idea listed (trial 25 read "und 3 weitere" in the file and could not see them)."""
    template = environment().get_template("digest.md.j2")
    limits = (PAGE_CLUSTERS, PAGE_IDEAS) if complete else (CHAT_CLUSTERS, CHAT_IDEAS)
    text = template.render(**_context(digest, t, *limits), image=image).strip()
    plans = plans_markdown(digest.plans, t, complete=complete)
    return "\n".join(filter(None, [text, plans])) + "\n"


def render_html(digest: Digest, t: Translator) -> str:
    """One self-contained HTML page; the map is a PNG inside it as a data URL."""
    template = environment().get_template("digest.html.j2")
    png = draw_map(digest, t) if digest.map_points else None
    data_url = "data:image/png;base64," + base64.b64encode(png).decode() if png else None
    context = _context(digest, t, PAGE_CLUSTERS, PAGE_IDEAS)
    page = template.render(**context, map_url=data_url, lang=t.language)
    return page.replace("</body>", plans_html(digest.plans, t) + "\n</body>", 1)


def render_json(digest: Digest) -> dict[str, Any]:
    """The digest's findings as JSON-ready data (ids, not prose), for other tools."""

    def idea(item: IdeaItem) -> dict[str, Any]:
        return {
            "id": item.id,
            "summary": item.summary,
            "department": item.department,
            "author": item.author,
            "status": item.status,
            "supporters": item.supporters,
            "created_at": item.created_at,
            "new": item.new,
        }

    return {
        "period": {"start": digest.start, "end": digest.end, "days": digest.days},
        "staff_council": digest.staff_council,
        "analysed": digest.analysed,
        "empty": digest.empty,
        "new_ideas": [idea(i) for i in digest.new_ideas],
        "plans": plans_json(digest.plans),
        "clusters": [
            {
                "terms": list(c.terms),
                "ideas": [i.id for i in c.ideas],
                "departments": list(c.departments),
                "cross_department": c.cross_department,
                "unconnected_authors": c.unconnected_authors,
                "synergy": c.synergy,
                "new": c.new,
            }
            for c in digest.clusters
        ],
        "duplicates": [
            {"ideas": [d.a.id, d.b.id], "score": round(d.score, 4), "margin": round(d.margin, 4)}
            for d in digest.duplicates
        ],
        "duplicate_count": digest.duplicate_count,  # all likely pairs, beyond those listed
        "introductions": (
            {"count": digest.introduction_count}
            if digest.staff_council
            else [
                {
                    "people": [i.name_a, i.name_b],
                    "departments": [i.department_a, i.department_b],
                    "shared": list(i.reason),
                    "score": round(i.score, 4),
                }
                for i in digest.introductions
            ]
        ),
        "open_questions": [
            {
                "id": q.id,
                "summary": q.summary,
                "target": q.target,
                "since": q.routed_at,
                "overdue": q.overdue,
            }
            for q in digest.open_questions
        ],
        "status_changes": [
            {"idea": s.idea.id, "from": s.old, "to": s.new, "into": s.into, "at": s.at}
            for s in digest.status_changes
        ],
        "most_supported": [
            {"idea": item.id, "supporters": item.supporters, "new_supporters": recent}
            for item, recent in digest.most_supported
        ],
        "trend": {
            "ideas": [digest.trend.ideas_now, digest.trend.ideas_before],
            "questions": [digest.trend.questions_now, digest.trend.questions_before],
            "supports": [digest.trend.supports_now, digest.trend.supports_before],
            "departments": [
                {"department": d.department, "now": d.now, "before": d.before}
                for d in digest.trend.departments
            ],
        },
        "map": {
            "projection": digest.projection,
            "points": [
                {"idea": p.idea_id, "x": round(p.x, 3), "y": round(p.y, 3), "cluster": p.cluster}
                for p in digest.map_points
            ],
        },
    }


_NOT_IN_MARKDOWN = str.maketrans({"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"})


def markdown_safe(value: Any) -> Any:
    """``value`` with every text in it unable to become HTML, a link or an image in a Markdown
    file (trial 23: `<script>` and `[klick](javascript:…)` in ideas came through to the file;
    a wiki or viewer would have run or shown them). Chat platforms render with their own
    escaping (``adapters.matrix_render``, ``adapters.slack_text``); texts without these
    characters stay as they are."""
    if isinstance(value, str):
        return value.translate(_NOT_IN_MARKDOWN)
    if isinstance(value, tuple | list):
        return type(value)(markdown_safe(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: markdown_safe(getattr(value, f.name)) for f in fields(value) if f.init}
        return replace(value, **changed)
    return value


def write_digest(
    digest: Digest, t: Translator, fmt: str, out: Path | None
) -> tuple[str, list[Path]]:
    """The digest in ``fmt``, and the files written (with ``out``: it, and the map for MD).

    A Markdown file gets the map as ``<name>-karte.png`` beside it, linked from the text.
    """
    written: list[Path] = []
    if fmt == "json":
        text = json.dumps(render_json(digest), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        text = render_html(digest, t)
    else:
        image = None
        if out is not None and digest.map_points and is_file(out):  # not /dev/null-karte.png
            picture = out.with_name(f"{out.stem}-karte.png")
            write_private(picture, draw_map(digest, t))
            written.append(picture)
            image = picture.name
        text = render_markdown(markdown_safe(digest), t, image=image, complete=True)
    if out is not None:
        write_private(out, text)
        written.insert(0, out)
    return text, written

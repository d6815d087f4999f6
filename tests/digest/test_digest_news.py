"""What a CDO found in a weekly digest of 310 ideas: the week's news hidden among open ideas,
a map title without them, the likely duplicates cut off silently, and ``--out`` into a folder
that did not exist failing after the work.

Built with the hashing encoder on a store on disk, so no model is needed.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot import cli_digest
from bot.config import Settings
from bot.digest import ClusterItem, Digest, IdeaItem
from bot.digest_analysis import MAX_DUPLICATES
from bot.digest_build import build_digest
from bot.digest_render import render_html, render_json, render_markdown, write_digest
from bot.i18n import Translator
from knowledge.open import open_store
from knowledge.records import NewIdea
from knowledge.store import Store
from tests.fakes import SAMPLE, HashingEncoder

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
OLD, NEW = "2026-06-01T10:00:00+00:00", "2026-11-29T10:00:00+00:00"
ROOMS = ["Sitzungsräumen", "Besprechungsräumen", "Sitzungssälen", "Büros", "Fluren"]
ROOMS += ["Foyers", "Kantinen", "Werkstätten", "Lagern", "Archiven"]
NEW_ROOMS = ["Sitzungsräumen", "Besprechungsräumen", "Fluren"]


def fill(tmp_path: Path, ideas: list[tuple[str, str]]) -> Store:
    store = open_store(tmp_path / "data")
    with store.transaction():
        for n, (text, created) in enumerate(ideas):
            store.add_idea(NewIdea(text, None, department=f"FD {10 + n}"), created)
    return store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Ten old open WLAN ideas (#1-#10), then this week's three (#11-#13) and one other."""
    ideas = [(f"WLAN in allen {room} des Rathauses", OLD) for room in ROOMS]
    ideas += [(f"Schnelles WLAN in allen {room} des Rathauses", NEW) for room in NEW_ROOMS]
    ideas += [("Parkausweise online beantragen", NEW)]
    opened = fill(tmp_path, ideas)
    yield opened
    opened.close()


def week(store: Store) -> Digest:
    return build_digest(store, Settings(), NOW, encoder=HashingEncoder())


def test_a_groups_new_ideas_come_first_and_are_marked(store: Store) -> None:
    digest = week(store)
    group = next(c for c in digest.clusters if 11 in {i.id for i in c.ideas})
    assert len(group.ideas) == 13 and [i.id for i in group.ideas[:3]] == [11, 12, 13]
    chat = render_markdown(digest, Translator())  # `!digest`: a group's first six
    for number in (11, 12, 13):
        assert f"#{number} **neu** Schnelles WLAN" in chat
    assert "#1 WLAN in allen" in chat and "#1 **neu**" not in chat
    assert "– und 7 weitere\n" in chat and "#10 " not in chat
    html = render_html(digest, Translator("en"))
    assert '#11 <strong class="new">new</strong> Schnelles WLAN' in html
    assert "#1 <strong" not in html
    cluster = next(c for c in render_json(digest)["clusters"] if 11 in c["ideas"])
    assert cluster["ideas"][:3] == [11, 12, 13] and cluster["new"] == 3


def idea(number: int, new: bool) -> IdeaItem:
    return IdeaItem(number, f"Idee {number}", "FD 20", None, "neu", 0, NEW, new)


def test_the_more_line_counts_the_new_ideas_it_hides(store: Store) -> None:
    """A group with more new ideas than the chat lists: the rest are counted, news too."""
    ideas = tuple(idea(n, n > 2) for n in range(1, 12))  # nine new, two old
    news_first = tuple(sorted(ideas, key=lambda i: not i.new))
    others = ClusterItem(("WLAN",), news_first, ("FD 20",), False, 0)
    digest = replace(week(store), clusters=(others,))
    chat = render_markdown(digest, Translator())
    assert "#7 **neu**, #8 **neu** und 5 weitere, davon 3 neu" in chat
    assert "#9 **neu**" not in chat
    english = render_markdown(digest, Translator("en"))
    assert "and 5 more, 3 of them new" in english


def test_the_map_says_how_many_of_its_ideas_are_new(
    store: Store, tmp_path: Path, saved_figures: list[Any]
) -> None:
    digest = week(store)
    assert len(digest.map_points) == 14 and len(digest.new_ideas) == 4
    text, _ = write_digest(digest, Translator(), "markdown", tmp_path / "woche.md")
    title = saved_figures[0].axes[0].get_title()
    assert title == "Ideenlandkarte: 14 Ideen, davon 4 neu – ähnliche liegen nah beieinander"
    assert "![Ideenlandkarte mit 14 Ideen, davon 4 neu: jede Idee ein Punkt" in text
    assert 'alt="Idea map of 14 ideas, 4 of them new:' in render_html(digest, Translator("en"))


def test_likely_duplicates_beyond_the_cap_are_counted(tmp_path: Path) -> None:
    """Eight ideas sent again this week: eight likely pairs, the most certain five listed and
    the other three said as a number (the cap stays: more are not precise enough)."""
    texts = SAMPLE[:8]
    store = fill(tmp_path, [(t, OLD) for t in texts] + [(t, NEW) for t in texts])
    digest = week(store)
    store.close()
    assert MAX_DUPLICATES == 5 and len(digest.duplicates) == 5
    assert digest.duplicate_count == 8 and digest.more_duplicates == 3
    assert "… und 3 weitere mögliche Dubletten" in render_markdown(digest, Translator())
    html = render_html(digest, Translator("en"))
    assert '<p class="muted" id="more-duplicates">… and 3 more likely duplicates' in html
    data = render_json(digest)
    assert len(data["duplicates"]) == 5 and data["duplicate_count"] == 8


@dataclass
class FakeApp:
    """``App.digest`` and ``close`` only; counts whether the work was started at all."""

    digest_value: Digest
    opened: list[bool]

    def digest(self, now: datetime, days: int | None) -> Digest:
        return self.digest_value

    def close(self) -> None:
        pass


def run_digest(
    monkeypatch: pytest.MonkeyPatch, store: Store, tmp_path: Path, out: Path
) -> tuple[Any, list[bool]]:
    opened: list[bool] = []
    app = FakeApp(week(store), opened)

    def open_app(config: Settings, **_: Any) -> FakeApp:
        opened.append(True)
        return app

    monkeypatch.setattr(cli_digest, "open_app", open_app)
    settings = Settings(data_dir=tmp_path / "data")
    result = CliRunner().invoke(cli_digest.digest, ["--out", str(out)], obj=settings)
    return result, opened


def test_out_into_a_missing_folder_makes_it_private(
    monkeypatch: pytest.MonkeyPatch, store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "digests" / "woche" / "d.md"
    result, _ = run_digest(monkeypatch, store, tmp_path, out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("**Synergie-Digest")
    assert (out.parent / "d-karte.png").read_bytes().startswith(b"\x89PNG")
    for folder in (out.parent, out.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_out_where_no_folder_can_be_made_fails_at_once_in_one_line(
    monkeypatch: pytest.MonkeyPatch, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "datei").write_text("x", encoding="utf-8")
    result, opened = run_digest(monkeypatch, store, tmp_path, tmp_path / "datei" / "d.md")
    assert result.exit_code == 1 and not opened  # before the work, not after it
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot create the folder for the digest" in lines[0]


def test_json_stays_compatible(store: Store) -> None:
    data = json.loads(json.dumps(render_json(week(store))))
    assert {"clusters", "duplicates", "introductions", "map", "new_ideas"} <= set(data)
    assert all({"ideas", "score"} <= set(p) for p in data["duplicates"])  # fields only added

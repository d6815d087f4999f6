"""Deleting ideas and questions with every row that depends on them, for the erasure and the
retention clean-up alike (not relying on foreign-key cascades, which the two backends and
older databases do not all have)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlite_utils


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def delete_ideas(db: sqlite_utils.Database, ids: list[int]) -> None:
    """Delete ideas and every row that depends on them (not relying on FK cascades)."""
    if not ids:
        return
    marks, both = _marks(ids), [*ids, *ids]
    # ideas merged into a deleted one stand on their own again, so they are not lost
    db.execute(
        f"UPDATE ideas SET merged_into = NULL, status = 'neu' WHERE merged_into IN ({marks})"
        f" AND id NOT IN ({marks})",
        both,
    )
    db.execute(f"UPDATE introductions SET idea_id = NULL WHERE idea_id IN ({marks})", ids)
    db.execute(
        f"UPDATE questions SET offered_idea_id = NULL WHERE offered_idea_id IN ({marks})", ids
    )
    db.execute(f"DELETE FROM idea_links WHERE idea_a IN ({marks}) OR idea_b IN ({marks})", both)
    db.execute(f"DELETE FROM supports WHERE idea_id IN ({marks})", ids)
    db.execute(f"DELETE FROM plan_idea_links WHERE idea_id IN ({marks})", ids)
    db.execute(f"DELETE FROM ideas_fts WHERE rowid IN ({marks})", ids)
    db.execute(f"DELETE FROM ideas WHERE id IN ({marks})", ids)


def delete_questions(db: sqlite_utils.Database, ids: list[int]) -> None:
    if not ids:
        return
    marks = _marks(ids)
    db.execute(
        "UPDATE questions SET offered_answer_id = NULL WHERE offered_answer_id IN"
        f" (SELECT id FROM answers WHERE question_id IN ({marks}))",
        ids,
    )
    db.execute(f"DELETE FROM answers WHERE question_id IN ({marks})", ids)
    db.execute(f"DELETE FROM reroutes WHERE question_id IN ({marks})", ids)
    db.execute(f"DELETE FROM plan_question_links WHERE question_id IN ({marks})", ids)
    db.execute(f"DELETE FROM questions WHERE id IN ({marks})", ids)

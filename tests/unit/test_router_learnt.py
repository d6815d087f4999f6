"""The refit on re-routings kept in the data dir holds re-routed questions' n-grams: it goes
when those questions are erased (matching.routing_learnt)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.domain_events import ReroutingsForgotten
from bot.questions import QuestionDesk
from matching.routing import Router
from matching.routing_learnt import drop_stale, kept_refit
from tests.fakes import HashingEncoder


def test_an_erasure_removes_the_kept_refit_of_the_running_bot(tmp_path: Path) -> None:
    kept = tmp_path / "router-learnt.npz"
    np.savez(kept, digest=np.array("of the re-routings before the erasure"))
    desk = QuestionDesk(router=Router(HashingEncoder(), learnt_at=kept))
    desk.committed(ReroutingsForgotten((("Wer pflegt das Intranet?", "cdo"),)))
    assert not kept.exists()
    assert desk.router is not None and desk.router.learnt_at == kept


def test_a_refit_is_read_back_only_for_its_own_digest(tmp_path: Path) -> None:
    kept = tmp_path / "router-learnt.npz"
    calls: list[int] = []

    def train() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        calls.append(1)
        return {"coef": np.ones(2)}, {"idf": np.zeros(3)}

    first = kept_refit(kept, "one", train)
    again = kept_refit(kept, "one", train)
    assert len(calls) == 1 and np.array_equal(again[0]["coef"], first[0]["coef"])
    kept_refit(kept, "two", train)
    assert len(calls) == 2
    drop_stale(kept, "two")
    assert kept.exists()
    drop_stale(kept, "three")
    assert not kept.exists()

"""Why a plan item is shown with an idea: a name, shared words that matter, or the meaning."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.plans import hit_reason
from knowledge.plans import PlanItem
from matching.plans import PlanHit

GIS = PlanItem(
    "S-11", "system", "Geoinformationssystem", "Geoportal mit Bebauungsplänen und Leitungsdaten. "
    "Genutzt von Stadtplanung, Bauordnung und Bauhof.", None, None, None, None, (), ("GIS",),
    None, None, None, None, "2026-01-01", "2026-01-01",
)  # fmt: skip


def test_an_office_both_name_is_no_reason(tmp_path: Path) -> None:
    """Trial 19: "gemeinsame Begriffe: Bauhof" for a damage-report app and the GIS."""
    t = Settings(data_dir=tmp_path).translator()
    hit = PlanHit("S-11", "system", 0.7, 0.6)
    app = "Eine App, mit der Bürger Schäden melden, die der Bauhof dann abarbeitet"
    assert "Bauhof" not in hit_reason(t, hit, app, GIS)
    plans = "Die Bebauungspläne sollten für den Bauhof im Netz stehen"
    assert "Bebauungsplan" in hit_reason(t, hit, plans, GIS)

"""What two people's texts share, for the digest's introductions: not the words of every idea."""

from __future__ import annotations

from matching.cluster_terms import common_keys, shared_terms
from matching.engine import reference_ideas


def test_the_common_words_of_administrative_ideas_are_few_and_generic() -> None:
    common = common_keys(reference_ideas())
    assert {"digital", "online"} <= common and len(common) <= 5, common


def test_sharing_only_common_words_is_no_reason() -> None:
    mehmet = ["Digitale Zähler würden beim Energiesparen helfen."]
    sven = ["Bauanträge sollten digital eingereicht werden können."]
    common = common_keys(reference_ideas())
    assert shared_terms(mehmet, sven) == ("Digitale",)  # what a trial's digest showed
    assert shared_terms(mehmet, sven, ignore=common) == ()
    carla = ["Wenn in der Schule etwas kaputt ist, sollte man das dem Hausmeister melden."]
    mehmet_two = ["Hausmeister sollten Aufträge aus der Schule digital bekommen."]
    assert set(shared_terms(carla, mehmet_two, ignore=common)) == {"Hausmeister", "Schule"}

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


def test_a_compound_shares_the_part_the_other_side_writes_alone() -> None:
    # trial 5's digest gave these two "gemeinsame Themen: beantragen"
    heike = [
        "Urlaubsanträge wandern auf Papier vom Mitarbeiter zur Führungskraft. Das könnte man "
        "direkt in der Zeiterfassung digital beantragen und genehmigen lassen."
    ]
    gregor = ["Urlaub beantragen und freigeben sollte digital gehen."]
    common = common_keys(reference_ideas())
    assert shared_terms(heike, gregor, ignore=common) == ("Urlaub",)  # a noun, not "beantragen"
    # a part nobody writes alone is no shared topic: "Ehrenfeld" says nothing about "Feld"
    assert shared_terms(["Im Ehrenfeld fehlt WLAN"], ["Das Spielfeld braucht Licht"]) == ()


def test_a_short_generic_modifier_is_no_shared_term() -> None:
    caretaker = ["Die Hausmeister sollen Schäden online gemeldet bekommen."]
    home = ["Anrufe sollen auch zu Hause am Laptop ankommen."]
    assert shared_terms(caretaker, home) == ()


def test_people_brought_together_by_lower_case_posts_read_proper_terms() -> None:
    """Trial 9: "gemeinsame Themen: laternen, bürger, Foto"."""
    found = shared_terms(
        ["kaputte laternen meldet der bürger mit foto"], ["Bürger melden kaputte laternen"]
    )
    assert "kaputte Laternen" in found and "Bürger" in found


def test_shared_words_written_side_by_side_are_one_term() -> None:
    """The digest introduced two colleagues with "gemeinsame Themen: Arbeiten, Mobiles"."""
    found = shared_terms(
        ["Für den Außendienst: mobiles Arbeiten mit Tablets"],
        ["Mobiles Arbeiten braucht sichere Laptops", "Das mobile Arbeiten im Homeoffice"],
    )
    assert found[0].lower() == "mobiles arbeiten"
    assert "Arbeiten" not in found


def test_a_shared_theme_is_named_by_nouns_and_a_hyphenated_compound_shares_its_first_part():
    """Trial 11: "gemeinsame Themen: Anrufe, verlorene" for two ideas about a lost-property
    portal, one writing "Fundbüro-Portal", the other "Fundbüro"."""
    portal = [
        "Fundsachen sollten wir online in einem Fundbüro-Portal veröffentlichen, damit Bürger "
        "nachschauen können, ob ihr verlorener Schlüssel abgegeben wurde. Das spart viele Anrufe."
    ]
    sloppy = [
        "wäre gut wenn man verlorene Sachen im Internet suchen könnte, dann müssten die Leute "
        "nicht dauernd beim Fundbüro anrufen"
    ]
    shown = shared_terms(portal, sloppy)
    assert "Fundbüro" in shown and "verlorene" not in shown


def test_a_compound_typed_in_lower_case_shares_its_head() -> None:
    """Trial 21: chat typed in lower case was not split ("eingangsrechnungen")."""
    small = ["die eingangsrechnungen sollten digital geprüft werden"]
    assert shared_terms(small, ["Rechnungen per E-Mail annehmen"]) == ("Rechnungen",)
    assert shared_terms(["urlaubsanträge digital"], ["Urlaub beantragen"]) == ("Urlaub",)


def test_a_word_may_begin_with_digits_but_a_number_is_no_word() -> None:
    """Trial 28's digest named a group "D-Stadtmodell" after "3D-Stadtmodell"."""
    from matching.cluster_terms import words

    assert words("Ein 3D-Stadtmodell für 2026") == ["3D-Stadtmodell"]

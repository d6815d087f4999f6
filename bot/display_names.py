"""Display names that people can tell apart.

On Matrix and Slack anybody chooses their own display name, so a colleague (or a remote
account in a federated room) can call themselves "Stefan Richter" with a Cyrillic "е" and
be listed exactly like the real Stefan among similar ideas, `!wer` and introductions (trial
23). Matrix clients solve this by showing the user id beside a name that another member
already uses; the bot does the same, once, when a person first writes or renames: a name
that looks like someone else's name or user id is kept with the sender's user id added.
Whoever had the name first keeps it as it is.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables

from knowledge.store import Store

_UNSEEN = {"Mn", "Cf"}  # combining accents, zero-width and other format characters


@lru_cache(maxsize=4096)
def _latin(char: str) -> str:
    """The Latin letter a character of another script is drawn like ("е" -> "e")."""
    found = confusables.is_confusable(char, preferred_aliases=["latin"])
    for homoglyph in found[0]["homoglyphs"] if found else ():
        drawn = str(homoglyph["c"])  # may be two letters: "rn" for "m"
        if all(unicodedata.name(c, "").startswith("LATIN") for c in drawn):
            return drawn
    return char


def looks_of(name: str) -> str:
    """What a name looks like on screen: look-alike letters of other scripts, width variants,
    accents, case, invisible characters and spacing folded away."""
    folded = "".join(map(_latin, unicodedata.normalize("NFKC", name)))
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if unicodedata.category(c) not in _UNSEEN
    )
    return " ".join(plain.casefold().split())


def tagged(name: str, user_id: str) -> str:
    return f"{name} ({user_id})"


def name_to_store(store: Store, platform: str, user_id: str, name: str) -> str:
    """The display name to keep for a sender: ``name``, or ``name (user id)`` when it looks
    like the name or user id of somebody else. Only a new person or a new name is compared
    with everybody, so an ordinary message costs one lookup."""
    known = store.find_person(platform, user_id)
    if known is not None and known.display_name in (name, tagged(name, user_id)):
        return known.display_name
    looks = looks_of(name)
    for other in store.people_names():
        if (other.platform, other.platform_user_id) == (platform, user_id):
            continue
        if looks in (looks_of(other.display_name), looks_of(other.platform_user_id)):
            return tagged(name, user_id)
    return name

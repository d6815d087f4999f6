"""Is a question about a project's plan, or about a system in use today?

"Wann kommt die E-Akte zu uns ins Standesamt?" and "Die E-Akte startet nicht" name the same
thing, and cosines cannot tell them apart (on the DEV questions no score separated a
project's organisational question from a technical one about its systems). The words can:
the first asks about time, turn, money, training or taking part, the second about a fault or
an access. The project's owner answers the first, the system's owner the second.

Chosen on the DEV questions of bench/plans.py (``plans_questions_dev.jsonl``, written blind
by a helper, and the two idea-and-question DEV sets); reported on a question set written
blind by another helper, never tuned on. German only, like the example plan.
"""

from __future__ import annotations

import re

# Time and turn, rollout, taking part, money, decisions, training: what a project's owner
# knows and a system's owner does not.
_PLAN = (
    r"wann|ab wann|bis wann|zeitplan|stand|wie weit|geplant|planen|plant|demnächst|irgendwann"
    r"|endlich|als nächstes|nächsten? schritte?|einführung|eingeführt|einführen|rollout"
    r"|ausgerollt|ausrollen|umstellung|umgestellt|umsetzung|dran|an die reihe|pilot\w*"
    r"|testlauf|testphase|mitmachen|teilnehmen|beteilig\w*|einbringen|eingebunden|einbinden"
    r"|kosten|kostet|wer bezahlt|finanziert|budget|fördermittel|mittel|geld|entscheidet"
    r"|entschieden|projekt\w*|vorhaben|schulung\w*|kurse?|schult|abgeschaltet|abschalten"
    r"|erweitert|ausgeweitet|angebunden|anbindung|zuarbeiten|pausiert|gestoppt"
)
# A fault, an outage or an access: then it is the system's, whatever else the question says
# ("Wann geht die E-Akte wieder?").
_FAULT = (
    r"fehler\w*|geht nicht|funktioniert nicht|hängt|abgestürzt|stürzt|langsam|passwort"
    r"|kennwort|gesperrt|kaputt|startet nicht|bricht\w* ab|abgelehnt|störung|ausgefallen"
    r"|zugriff|nicht mehr|wieder|ausfall\w*|nicht erreichbar|offline"
)
PLAN_WORDS = re.compile(rf"(?<!\w)(?:{_PLAN})(?!\w)")
FAULT_WORDS = re.compile(rf"(?<!\w)(?:{_FAULT})(?!\w)")


def about_plans(text: str) -> bool:
    """Does the question ask about a project's time, turn, money or training, and not about
    a fault or an access?"""
    folded = text.casefold()
    return bool(PLAN_WORDS.search(folded)) and not reports_fault(text)


# Whether something is allowed is a question of rules (data protection, service agreements),
# not of how a system runs: "Dürfen wir Meldedaten per E-Mail schicken?" is not for the
# e-mail system's owner (trial 19). In every question set of bench/plans.py, no question with
# these words that reports no fault has a system's owner as its right recipient.
_PERMISSION = r"darf|dürfen|erlaubt|zulässig|datenschutz\w*|regelung|vorschrift\w*"
PERMISSION_WORDS = re.compile(rf"(?<!\w)(?:{_PERMISSION})(?!\w)")


def asks_permission(text: str) -> bool:
    """Does the question ask whether something is allowed (and report no fault)?"""
    return bool(PERMISSION_WORDS.search(text.casefold())) and not reports_fault(text)


def reports_fault(text: str) -> bool:
    """Does the question report a fault, an outage or an access problem?"""
    return bool(FAULT_WORDS.search(text.casefold()))

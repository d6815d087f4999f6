"""What a plain chat message is: a question, a question that proposes something, or one
that asks for help. Words only, no model: the core reads every plain message through it.
"""

from __future__ import annotations

import re

from knowledge.folding import fold

_GERMAN_WORDS = """wer wen wem wessen was wie wo woher wohin wann warum wieso weshalb welche
welcher welches welchen welchem womit wozu wobei worum worueber wofuer woran worauf wodurch"""
QUESTION_WORDS = frozenset(_GERMAN_WORDS.split()) | {
    "who", "whom", "whose", "what", "how", "where", "when", "why", "which"
}  # fmt: skip
# Openers of proposals phrased as questions ("Wie wäre es, wenn ...") stay ideas unless "?".
PROPOSAL_OPENERS = ("wie waere es", "wie waers", "warum nicht", "was waere wenn", "how about")
# Questions that propose something: asked with `!frage`, they are offered to be kept as an
# idea (trial 7: "Wäre es nicht sinnvoll, dass alle Fachdienste ...?" went to both roles).
PROPOSALS = (
    *PROPOSAL_OPENERS,
    *("waere es nicht", "waere es sinnvoll", "waere es gut", "waere es besser", "koennten wir"),
    *("koennte man", "sollten wir nicht", "sollte man nicht", "was haltet ihr von"),
    *("was halten sie von", "could we", "shouldn't we", "wouldn't it be", "what about"),
)
# Plain messages that ask for help, not for a change: no "Ist das eher eine Idee?" offer
# (trial 11 read it under "Kann mir jemand sagen, wie ich mein Passwort ändere?").
HELP_OPENERS = (
    *("kann mir jemand", "kann mir wer", "weiss jemand", "wer kann mir", "an wen", "wo finde"),
    *("wie kann ich", "wie bekomme ich", "wie mache ich", "wie aendere ich", "wo kann ich"),
    *("was muss ich", "darf ich", "ich habe", "mein ", "meine ", "can someone", "how do i"),
)


def looks_like_question(text: str) -> bool:
    """A message ending in "?" or starting with a question word (a plain-text question).

    A sentence closed by "." or "!" is a statement whatever its first word: "Wer einen
    Container aufstellen will, sollte ihn online beantragen können." is an idea."""
    stripped = text.strip()
    if stripped.endswith(("?", "？")):
        return True
    if stripped.endswith((".", "!")):
        return False
    words = fold(stripped).replace(",", " ").split()
    if not words or words[0] not in QUESTION_WORDS:
        return False
    return not " ".join(words).startswith(PROPOSAL_OPENERS)


def proposes(text: str) -> bool:
    """A question that suggests something rather than asks for an answer."""
    return _opening(text).startswith(PROPOSALS)


# ... and those that ask for help or report a fault further in (trial 25: "drucker im
# bürgerbüro druckt keine passanträge mehr, wer kann helfen?" was offered to become an idea).
_HELP_WITHIN = re.compile(
    r"\b(?:wer kann (?:mir |uns )?helfen|kann (?:mir|uns) (?:jemand|wer)|weiss (?:jemand|wer)"
    r"|(?:geht|funktioniert|druckt|startet|laeuft) (?:\S+ )*?(?:nicht|kein\w*)"
    r"|nicht mehr|fehlermeldung|so lahm|zu langsam)\b"
)


def asks_for_help(text: str) -> bool:
    """A question about one's own problem or how to do something: surely no idea."""
    opening = _opening(text)
    return opening.startswith(HELP_OPENERS) or _HELP_WITHIN.search(opening) is not None


# Questions that ask for a fact, a person or a permission: "Wer entscheidet ...?", "Dürfen wir
# Meldedaten per E-Mail schicken?" were offered to be kept as ideas (trial 29). "Warum ..."
# stays open to the offer: it is how people complain ("Warum haben wir kein WLAN?").
_FACT_OPENERS = (QUESTION_WORDS - {"warum", "wieso", "weshalb", "why"}) | {
    "darf", "duerfen", "muss", "muessen", "gilt", "gibt", "is", "are", "may", "must"
}  # fmt: skip


def asks_for_facts(text: str) -> bool:
    """A question for a fact, a person or a permission: surely no idea."""
    words = _opening(text).split()
    return bool(words) and words[0] in _FACT_OPENERS


def _opening(text: str) -> str:
    return " ".join(fold(text).replace(",", " ").split())


_SECRET_GIVEN = re.compile(
    r"\b(?:neues?\s+|initial)?(?:passwort|kennwort|pin|zugangscode|password)\w*\s*(?:lautet|:)",
    re.IGNORECASE,
)


def gives_a_secret(answer: str) -> bool:
    """An answer that hands over a password or PIN ("Ihr neues Passwort lautet ...") was for
    the asker alone: never offered to somebody else (trial 23 was offered one)."""
    return _SECRET_GIVEN.search(answer) is not None


# Data of the special categories of Art. 9 DSGVO, health above all: a question or answer
# with such words is never shown to anybody else (trial 27 was offered "Solange Frau Weber
# wegen der Krebsbehandlung ausfällt, ..." for a colleague's question), and the asker is told.
# Word beginnings, folded; the procedure ("Krankmeldung") is not among them.
_SPECIAL = re.compile(
    r"\b(?:erkrank|krankheit|krankgeschrieb|krankenhaus|arbeitsunfaehig|krebs|tumor"
    r"|chemo|therapi|therapeut|psychisch|psychiat|psychotherap|depressi|burn-?out|sucht(?:krank|erkrank|berat)"
    r"|alkoholkrank|schwanger|mutterschutz|behinderung|schwerbehindert|pflegegrad|demenz"
    r"|reha\b|attest|sexuell|ethnisch|hiv\b|illness|sick leave|pregnan|disabilit)"
)


def special_data(text: str) -> bool:
    """Health or other data the law protects most (Art. 9 DSGVO) in ``text``."""
    return _SPECIAL.search(fold(text)) is not None


# A conflict at work: trial 29's "Ich habe ein Problem mit meinem Vorgesetzten wegen der
# Überstunden" was told "Es geht um Veränderungsmanagement". Such a question gets no reason
# (a wrong one is worse than none), the staff council is named, and its answer is nobody
# else's business.
_CONFLICT = re.compile(
    r"\b(?:konflikt|mobbing|gemobbt|belaestig|diskriminier|abmahnung|ungerecht behandelt"
    r"|(?:problem\w*|streit|aerger|stress) mit (?:meine[mnr]? |unsere[mnr]? |der |dem |den )?"
    r"(?:vorgesetzt|chef|kolleg|teamleit|abteilungsleit|fachbereichsleit|amtsleit))"
)


def conflict_at_work(text: str) -> bool:
    return _CONFLICT.search(fold(text)) is not None


def kept_private(text: str) -> bool:
    """A question or answer never offered to anybody else."""
    return special_data(text) or conflict_at_work(text)


def privacy_note(text: str) -> str | None:
    """What the asker of such a question is told (a text key), if anything."""
    if conflict_at_work(text):
        return "question.conflict"
    return "question.special_data" if special_data(text) else None


def offers_as_idea(text: str, *, guessed: bool) -> bool:
    """May the asker keep the question as an idea instead? One that proposes something, and
    a plain message read as a question unless it asks for help, a fact or a permission."""
    return proposes(text) or (guessed and not (asks_for_help(text) or asks_for_facts(text)))


# A question for a person who knows something ("Kennt sich hier jemand mit XRechnung aus?"):
# the roles get it, and `!wer` names colleagues at once (trial 26 was pointed nowhere).
_FOR_A_PERSON = re.compile(
    r"\b(?:kennt sich|auskennt|ahnung (?:von|vom|mit|bei|im)|wer kennt|suche (?:jemand\w*|wen)"
    r"|erfahrung mit|knows? about)\b"
)
MAX_TOPIC_WORDS = 3


def person_sought(text: str) -> str | None:
    """For a question that looks for a person who knows a topic: the topic where it can be
    read off in a few words ("XRechnung"), else ""; None for any other question."""
    if not _FOR_A_PERSON.search(_opening(text)):
        return None
    from matching.people import asked_topic  # the same reading as `!wer`

    first = re.split(r"[?!.]", text.strip(), maxsplit=1)[0]
    words = asked_topic(first).split()
    while words and fold(words[-1]) in {"aus", "aus?", "weiter", "helfen"}:
        words.pop()
    return " ".join(words) if 0 < len(words) <= MAX_TOPIC_WORDS else ""


# A greeting alone, or a question about the bot itself ("hallo, wie funktioniert das hier?"):
# a new user's first message, answered with how to use the bot, not stored as an idea or
# routed as a question (trial 32 sent that one to the CIO).
_GREETING = re.compile(
    r"^(?:hallo|hallihallo|hi|hey|moin|servus|huhu|gruess gott|gruezi|guten (?:morgen|tag|abend)"
    r"|hello|good (?:morning|afternoon|evening))\b"
)
_TO_WHOM = frozenset(
    ["zusammen", "leute", "alle", "allerseits", "ihr", "du", "lotse", "ideenlotse", "bot", "team"]
)
_ABOUT_THE_BOT = re.compile(
    r"(?:wie (?:funktioniert|geht|nutze|benutze|bediene) (?:das|man|ich|dich|der bot|du)"
    r"|was (?:kannst du|koennen sie|kann (?:ich|man|der bot)(?: hier)?(?: machen| tun)?"
    r"|machst du|macht (?:der bot|das))"
    r"|was ist das(?: fuer ein bot)?|wer bist du|wie kann ich (?:dich|den bot|das) nutzen"
    r"|how does (?:this|it) work|what (?:can you do|is this))"
    r"(?: (?:hier|eigentlich|genau|denn|so|ueberhaupt|mit dir|mit dem bot|here))*"
)
ABOUT_THE_BOT_WORDS = 10  # longer messages say something of their own


def about_the_bot(text: str) -> bool:
    """A greeting (to everybody, or to the bot) and nothing else, or a question about the bot."""
    words = fold(text).replace(",", " ").strip(" ?!.:;").split()
    if not words or len(words) > ABOUT_THE_BOT_WORDS:
        return False
    rest = " ".join(words)
    if greeting := _GREETING.match(rest):
        rest = rest[greeting.end() :].strip(" ?!.:;,")
        while rest.split() and rest.split()[0] in _TO_WHOM:
            rest = " ".join(rest.split()[1:]).strip(" ?!.:;,")
        if not rest:
            return True
    return _ABOUT_THE_BOT.fullmatch(rest) is not None

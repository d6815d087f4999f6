"""Build ``matching/synonyms_de.txt`` from OpenThesaurus, as Debian's package mythes-de has it.

    apt-get install mythes-de
    python -m matching.synonyms_build /usr/share/mythes/th_de_DE_v2.dat

Kept: groups of single nouns of one meaning, 2 to 12 words, without the entries
OpenThesaurus marks as broader or narrower terms, figurative, vulgar or outdated; their
remarks ("(ugs.)", "(Amtsdeutsch)") are dropped. The result is small enough to ship and
read at the first `!wer`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).with_name("synonyms_de.txt")
SKIP = ("Oberbegriff", "Unterbegriff", "veraltet", "fig.", "derb", "vulg")
HEADER = """\
# German synonyms: groups of nouns of one meaning, one group per line, words separated by ";".
# From OpenThesaurus (www.openthesaurus.de), Daniel Naber and the OpenThesaurus contributors,
# as packaged by Debian (mythes-de {version}); licence: GNU LGPL 2.1. Made by
# matching/synonyms_build.py, which says what was kept.
"""


def groups(lines: list[str]) -> list[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for line in lines:
        if not line.startswith("-|"):
            continue
        words = []
        for entry in line[2:].split("|"):
            if any(mark in entry for mark in SKIP):
                continue
            word = re.sub(r"\s*\([^)]*\)", "", entry).strip()
            if len(word) >= 3 and word[0].isupper() and word.replace("-", "").isalpha():
                words.append(word)
        unique = tuple(sorted(set(words)))
        if 2 <= len(unique) <= 12:
            found.add(unique)
    return sorted(found)


def main() -> int:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/mythes/th_de_DE_v2.dat")
    version = sys.argv[2] if len(sys.argv) > 2 else "20160424-4"
    lines = source.read_text(encoding="utf-8").splitlines()[1:]
    found = groups(lines)
    body = "\n".join(";".join(group) for group in found)
    OUT.write_text(HEADER.format(version=version) + body + "\n", encoding="utf-8")
    print(f"{len(found)} groups written to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

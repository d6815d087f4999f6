"""The evaluation sets of bench/relevance.py, each split into a dev and a test half.

Kept apart from the harness so the split is defined once: thresholds are calibrated on dev
(``bench/relevance.py --calibrate``) and figures are reported on test, from the same halves.

- STS-B de: the published dev and test files (../shared/data/stsb-de).
- Cycling dialogues: the stratified, seeded halves of bench/quality.py.
- Duplicates A and B (bench/eval_sets/duplicates_*.jsonl): German municipal ideas in paraphrase
  groups among near misses and distractors, written blind by two authors who saw neither the
  scorer nor its training data. Split by group (a group's members are all dev or all test);
  distractors stay in the searched corpus of both halves. Duplicates C (duplicates_c.jsonl):
  the 40 ideas of colleague trial 31, written blind by a helper for a busy store: five themes,
  8 duplicate pairs and 6 near-miss pairs ("near"), no themes given; test only, never tuned on.
- Related D (bench/eval_sets/related_d.jsonl): 72 ideas of an invented town, written blind by
  a helper who saw no code: 8 themes, 3 problems ("topics") each, and 3 different ideas per
  problem (different solutions or angles, not paraphrases), in 12 authors' styles, with
  misleading word overlaps across topics; test only, never tuned on.
- People A (bench/eval_sets/people.json): 26 profiles, 60 queries with the right people
  marked, written blind; split by query. People B, C and D (people_b.json, people_c.json,
  people_d.json): other towns' 24, 25 and 26 profiles with 60 queries each, written blind
  later by other authors; test only.
- Routing (bench/eval_sets/routing_eval.csv): 160 questions written separately from the training
  questions, with the acceptable remit areas; split by row. Routing B (routing_eval_b.csv):
  100 questions written blind later by another author, from the roles' remits alone; test
  only. Routing C (routing_eval_c.csv): 117 more by a third author in many styles (short,
  colloquial, typos, English; hard cases between the roles), 3 of 120 dropped that came
  near a seed question by chance; test only.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "eval_sets"


def half_of(key: str) -> str:
    """'dev' or 'test' for a key, stable across runs and machines (a hash, not a shuffle)."""
    return "dev" if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else "test"


@dataclass(frozen=True)
class Item:
    id: str
    group: str | None
    theme: str | None
    text: str


def duplicate_set(name: str) -> list[Item]:
    path = DATA / f"duplicates_{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [Item(r["id"], r["group"], r["theme"], r["text"]) for r in rows]


@dataclass(frozen=True)
class RelatedItem:
    id: str
    theme: str
    topic: str
    text: str


def related_set() -> list[RelatedItem]:
    path = DATA / "related_d.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [RelatedItem(r["id"], r["theme"], r["topic"], r["text"]) for r in rows]


@dataclass(frozen=True)
class Person:
    name: str
    department: str
    interests: list[str]
    ideas: list[str]


@dataclass(frozen=True)
class PeopleQuery:
    id: str
    kind: str  # "topic" (what `!wer` gets) or "idea" (colleagues on intake)
    text: str
    relevant: list[str]
    acceptable: list[str]


def people_set(name: str = "people") -> tuple[list[Person], list[PeopleQuery]]:
    raw = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    people = [Person(p["name"], p["department"], p["interests"], p["ideas"]) for p in raw["people"]]
    queries = [
        PeopleQuery(q["id"], q["kind"], q["text"], q["relevant"], q["acceptable"])
        for q in raw["queries"]
    ]
    return people, queries


@dataclass(frozen=True)
class RoutingCase:
    text: str
    label: str
    areas: tuple[str, ...]


def routing_set(name: str = "routing_eval") -> list[RoutingCase]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return [
            RoutingCase(r["text"], r["label"], tuple(a for a in r["areas"].split(";") if a))
            for r in csv.DictReader(fh)
        ]

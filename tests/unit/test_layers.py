"""The architecture as a test: imports point down the layers, no module cycles, small modules.

Read from the source with ``ast``, so nothing is imported (fast, no model) and imports inside
functions are seen as well as those at the top. The layers are DESIGN.md's "ports and
adapters": ``adapters`` -> ``bot`` -> ``knowledge`` / ``matching``.

Which imports make a cycle: every import that runs - at the top of a module or inside a
function, since an import moved into a function only delays the cycle until the call.
Imports under ``if TYPE_CHECKING:`` never run, so they are left out: an annotation that names
a module above is no cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("adapters", "bot", "knowledge", "matching")

# Which other packages each package may import. adapters talk to bot alone; bot uses the store
# and the matching; knowledge and matching import none of the others, nor each other.
MAY_IMPORT: dict[str, frozenset[str]] = {
    "adapters": frozenset({"bot"}),
    "bot": frozenset({"knowledge", "matching"}),
    "knowledge": frozenset(),
    "matching": frozenset(),
}

# Third-party libraries that belong to one layer: the chat platforms' to the adapters
# (STYLE.md rule 1), the database drivers to the store (no SQL outside knowledge/).
PLATFORM_LIBRARIES = ("slack_bolt", "slack_sdk", "nio")
DATABASE_LIBRARIES = ("sqlite3", "sqlite_utils", "psycopg", "pgvector")
NOT_IN: dict[str, tuple[str, ...]] = {
    "adapters": DATABASE_LIBRARIES,
    "bot": PLATFORM_LIBRARIES + DATABASE_LIBRARIES,
    "knowledge": PLATFORM_LIBRARIES,
    "matching": PLATFORM_LIBRARIES + DATABASE_LIBRARIES,
}

MAX_LINES = 400  # every module, no exceptions (issue #16)


@dataclass(frozen=True)
class Import:
    importer: str  # dotted module name
    target: str  # the module imported, or the package when a name of its __init__ is
    line: int
    in_function: bool
    type_checking: bool  # under ``if TYPE_CHECKING:``: never runs

    @property
    def runs(self) -> bool:
        return not self.type_checking

    def where(self) -> str:
        path = modules().get(self.importer)
        return f"{path.relative_to(ROOT).as_posix() if path else self.importer}:{self.line}"


@cache
def modules() -> dict[str, Path]:
    """Every module of the four packages by dotted name (``bot.handlers`` for its __init__)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    """Imports with where they sit: in a function or not, under TYPE_CHECKING or not."""

    def __init__(self, module: str, is_package: bool, known: Iterable[str]):
        self.module = module
        self.is_package = is_package
        self.known = set(known)
        self.found: list[Import] = []
        self.function_depth = 0
        self.type_checking_depth = 0

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_If(self, node: ast.If) -> None:
        if not is_type_checking(node.test):
            self.generic_visit(node)
            return
        self.type_checking_depth += 1
        for child in node.body:
            self.visit(child)
        self.type_checking_depth -= 1
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:  # relative: from the importer's package upwards
            package = self.module.split(".")[: None if self.is_package else -1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base, node)

    def _add(self, target: str, node: ast.stmt) -> None:
        in_function, type_checking = self.function_depth > 0, self.type_checking_depth > 0
        self.found.append(Import(self.module, target, node.lineno, in_function, type_checking))


def imports_in(
    source: str, module: str, *, is_package: bool = False, known: Iterable[str] | None = None
) -> tuple[Import, ...]:
    """The imports of ``source``, the text of ``module``. ``known``: the modules there are, to
    tell ``from package import submodule`` from ``from package import name``."""
    collector = _Collector(module, is_package, modules() if known is None else known)
    collector.visit(ast.parse(source))
    return tuple(collector.found)


@cache
def imports_of(module: str) -> tuple[Import, ...]:
    path = modules()[module]
    source = path.read_text(encoding="utf-8")
    return imports_in(source, module, is_package=path.name == "__init__.py")


def all_imports() -> list[Import]:
    return [found for module in modules() for found in imports_of(module)]


def top_name(dotted: str) -> str:
    return dotted.split(".")[0]


# -- the rules: each returns what breaks it, one line each -----------------------------------


def layer_violations(imports: Iterable[Import]) -> list[str]:
    """Imports of a package that the importer's package may not use."""
    wrong = []
    for found in imports:
        source, target = top_name(found.importer), top_name(found.target)
        if source == target or target not in PACKAGES or target in MAY_IMPORT[source]:
            continue
        wrong.append(f"{found.where()}: {found.importer} imports {found.target}")
    return wrong


def library_violations(imports: Iterable[Import]) -> list[str]:
    """Imports of a third-party library that belongs to another layer."""
    wrong = []
    for found in imports:
        if top_name(found.target) in NOT_IN.get(top_name(found.importer), ()):
            wrong.append(f"{found.where()}: {found.importer} imports {found.target}")
    return wrong


Graph = dict[str, dict[str, Import]]


def import_graph(imports: Iterable[Import], known: Iterable[str]) -> Graph:
    """Module -> the modules it imports when it runs (one import of each kept, for messages)."""
    graph: Graph = {module: {} for module in known}
    for found in imports:
        if found.runs and found.target in graph and found.target != found.importer:
            graph[found.importer].setdefault(found.target, found)
    return graph


def strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's components of more than one module: each holds at least one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def one_cycle(graph: Graph, component: list[str]) -> list[Import]:
    """A shortest way from the component's first module back to itself, as imports."""
    start, members = component[0], set(component)
    paths: dict[str, list[Import]] = {start: []}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt, found in sorted(graph[node].items()):
            if nxt == start:
                return [*paths[node], found]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], found]
                queue.append(nxt)
    raise AssertionError(f"no cycle through {start}")  # a component always has one


def cycles(graph: Graph) -> list[str]:
    """One cycle of each tangle, with where its imports are, and all modules in the tangle."""
    report = []
    for component in strongly_connected(graph):
        steps = one_cycle(graph, component)
        chain = " -> ".join([steps[0].importer, *(step.target for step in steps)])
        where = ", ".join(step.where() for step in steps)
        report.append(f"{chain} ({where}); all tangled: {', '.join(component)}")
    return report


def line_counts() -> dict[str, int]:
    return {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules().values()
    }


def length_violations(counts: Mapping[str, int]) -> list[str]:
    return [
        f"{path}: {lines} lines, more than {MAX_LINES}"
        for path, lines in sorted(counts.items())
        if lines > MAX_LINES
    ]


def check(problems: list[str]) -> None:
    assert not problems, "\n".join(["", *problems])


# -- the tree ---------------------------------------------------------------------------------


def test_packages_import_only_downwards() -> None:
    check(layer_violations(all_imports()))


def test_platform_and_database_libraries_stay_in_their_layer() -> None:
    check(library_violations(all_imports()))


def test_no_import_cycles() -> None:
    check(cycles(import_graph(all_imports(), modules())))


def test_modules_stay_small() -> None:
    check(length_violations(line_counts()))


def test_every_package_is_read() -> None:
    """A guard against checks that pass because they read nothing."""
    assert {top_name(module) for module in modules()} == set(PACKAGES)
    assert len(all_imports()) > 300


# -- the checks on small examples: each catches what it is for ---------------------------------


SOURCE = """
from __future__ import annotations
from typing import TYPE_CHECKING
import bot.config
from bot import render, helper_name
from . import sibling
from ..knowledge import store
if TYPE_CHECKING:
    from bot.core import Bot
else:
    import bot.events
def run():
    import adapters.slack
class Late:
    async def go(self):
        from nio import AsyncClient
"""


def test_collects_imports_with_where_they_sit() -> None:
    known = {"bot", "bot.render", "bot.sibling", "knowledge.store"}
    found = {
        (f.target, f.in_function, f.type_checking) for f in imports_in(SOURCE, "bot.x", known=known)
    }
    assert found == {
        ("__future__", False, False),
        ("typing", False, False),
        ("bot.config", False, False),
        ("bot.render", False, False),
        ("bot", False, False),  # helper_name is a name of bot/__init__.py
        ("bot.sibling", False, False),
        ("knowledge.store", False, False),  # "from ..knowledge import store" in bot/x.py
        ("bot.core", False, True),
        ("bot.events", False, False),  # the else of TYPE_CHECKING runs
        ("adapters.slack", True, False),
        ("nio", True, False),
    }


def example(module: str, target: str, *, in_function: bool = False) -> Import:
    return Import(module, target, 1, in_function, False)


@pytest.mark.parametrize(
    ("found", "allowed"),
    [
        (example("adapters.slack", "bot.core"), True),
        (example("adapters.slack", "knowledge.store"), False),  # adapters talk to bot alone
        (example("bot.core", "knowledge.store"), True),
        (example("bot.core", "adapters.slack"), False),
        (example("bot.cli", "adapters.slack", in_function=True), False),  # not even late
        (example("adapters.main", "bot.cli"), True),  # the console script, above bot/
        (example("knowledge.store", "bot.config"), False),
        (example("knowledge.store", "matching.vectors"), False),
        (example("matching.vectors", "knowledge.store"), False),
        (example("matching.people", "adapters.matrix", in_function=True), False),
    ],
)
def test_layer_rule(found: Import, allowed: bool) -> None:
    assert (layer_violations([found]) == []) is allowed


@pytest.mark.parametrize(
    ("found", "allowed"),
    [
        (example("adapters.slack", "slack_bolt.app"), True),
        (example("bot.core", "nio"), False),
        (example("bot.core", "sqlite3"), False),
        (example("adapters.matrix", "psycopg"), False),
        (example("matching.engine", "sqlite_utils"), False),
        (example("knowledge.pg", "psycopg"), True),
    ],
)
def test_library_rule(found: Import, allowed: bool) -> None:
    assert (library_violations([found]) == []) is allowed


def test_finds_cycles_through_function_level_imports_but_not_type_checking() -> None:
    known = ["m.a", "m.b", "m.c", "m.d"]
    imports = [
        example("m.a", "m.b"),
        example("m.b", "m.c", in_function=True),
        example("m.c", "m.a"),  # a -> b -> c -> a, the middle one inside a function
        Import("m.d", "m.a", 1, False, False),
        Import("m.a", "m.d", 1, False, True),  # a -> d only for the type checker
    ]
    assert [line.split(" (")[0] for line in cycles(import_graph(imports, known))] == [
        "m.a -> m.b -> m.c -> m.a"
    ]


@pytest.mark.parametrize(("counts", "problems"), [({"a.py": 400}, 0), ({"a.py": 401}, 1)])
def test_length_rule(counts: dict[str, int], problems: int) -> None:
    assert len(length_violations(counts)) == problems


def console_script() -> tuple[str, str]:
    """Module and function of the ``ideenlotse`` console script, as pyproject.toml names them."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    module, _, function = scripts["scripts"]["ideenlotse"].partition(":")
    return module, function


def test_the_console_script_composes_at_the_top() -> None:
    """Starting the adapters lives above bot/ (issue #16): the script's module is in
    adapters/, and no module imports it, so nothing can depend on the whole composition."""
    module, function = console_script()
    assert (module, function) == ("adapters.main", "main")
    assert module in modules()
    importers = [found.where() for found in all_imports() if found.target == module]
    assert importers == []


# Loaded by `ideenlotse --help` they would make every command wait: the model's libraries
# (issue #17), and the adapters' servers and SDKs, which only `run`, `chat` and `web` start.
HEAVY = ("torch", "transformers", "sentence_transformers", "sklearn", "scipy")
SERVERS = ("asyncio", "aiohttp", "nio", "slack_bolt", "slack_sdk", "adapters.console",
           "adapters.matrix", "adapters.slack", "adapters.web")  # fmt: skip


def test_importing_the_command_line_loads_no_heavy_package() -> None:
    """`ideenlotse --help`, `export` and the like must answer at once: what they import at
    start is only the command line itself."""
    module, _ = console_script()
    probe = f"import sys, {module}; print([m for m in {HEAVY + SERVERS!r} if m in sys.modules])"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"

"""Imports run one way (docs/architecture.md, "Dependencies"): this fails when a forbidden import comes back.

It reads every module of the project's apps with ``ast`` (imports inside functions included, migrations excluded) and
checks two things: the register and the project package import nothing of the apps built on them, and no two apps
import each other, directly or round a longer loop.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["ehssg", "releases", "coordination", "public_calendar", "importing", "sampledata", "networks", "alerts",
        "progress", "datalab"]  # fmt: skip

# What each app may not import. The register knows nothing of what is built on it; the project package's shared
# pieces (roles, API helpers, security, models) know no app at all.
FORBIDDEN = {
    "releases": {"coordination", "public_calendar", "importing", "sampledata", "alerts", "networks", "progress", "datalab"},
    "ehssg": set(APPS) - {"ehssg"},
    "coordination": {"public_calendar", "importing", "sampledata", "alerts", "progress", "datalab"},
    "public_calendar": {"coordination", "importing", "sampledata", "alerts", "progress", "datalab"},
    "importing": {"public_calendar", "sampledata", "alerts", "progress", "datalab"},
    "networks": {"public_calendar", "importing", "sampledata", "alerts", "progress", "datalab"},
    "alerts": {"importing", "sampledata", "progress", "datalab"},
    "progress": {"importing", "sampledata", "datalab"},
    # The Health Data Lab is a service of its own: it stands on the project package and on the release register
    # (its reports are releases of the Health Data Lab producer), and only the benchmark (sampledata) calls into it.
    "datalab": set(APPS) - {"ehssg", "releases", "datalab"},
}
# The project's wiring, which may name any app: the template environment's filters (the register's date wording and
# date widget). Settings and URLs name apps only in strings, which are not imports.
WIRING = {"ehssg.jinja2"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved, at any depth of the code."""
    name = module_name(path)
    return imports_in(path.read_text(), package=name if path.name == "__init__.py" else name.rpartition(".")[0])


def imports_in(source: str, *, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def project_modules() -> dict[str, set[str]]:
    modules = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                modules[module_name(path)] = imported_modules(path)
    return modules


def app_of(module: str) -> str:
    return module.partition(".")[0]


def app_graph(modules: dict[str, set[str]]) -> dict[str, dict[str, set[str]]]:
    """app -> imported app -> the modules that import it."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module, imports in modules.items():
        if module in WIRING:
            continue
        for target in imports:
            if app_of(target) in APPS and app_of(target) != app_of(module):
                graph[app_of(module)][app_of(target)].add(module)
    return graph


def forbidden_imports(modules: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, imports in modules.items()
        if module not in WIRING
        for target in imports
        if app_of(target) in FORBIDDEN.get(app_of(module), set())
    )


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    """Each loop of apps importing each other (depth-first search; each loop once, from its smallest name)."""
    loops: set[tuple[str, ...]] = set()

    def walk(path: list[str]) -> None:
        for nxt in graph.get(path[-1], {}):
            if nxt == path[0]:
                loops.add(tuple(path))
            elif nxt not in path and nxt > path[0]:
                walk([*path, nxt])

    for app in sorted(graph):
        walk([app])
    return [list(loop) for loop in sorted(loops)]


def test_no_forbidden_import():
    assert forbidden_imports(project_modules()) == []


def test_no_import_cycle_between_apps():
    graph = app_graph(project_modules())
    found = cycles(graph)
    detail = [" -> ".join(loop) + f" (first link: {sorted(graph[loop[0]][loop[1 % len(loop)]])})" for loop in found]
    assert detail == []


def test_no_import_cycle_inside_alerts_and_roles():
    """Two module loops broken in issue 15: the alerts outbox and its tasks; the roles and the register."""
    modules = project_modules()
    assert "alerts.tasks" not in {m.rpartition(".")[0] if m.startswith("alerts.tasks.") else m
                                  for m in modules["alerts.outbox"]}  # fmt: skip
    assert not any(app_of(m) == "releases" for m in modules["ehssg.roles"])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from coordination.flagging import flags_check_release\n",
         ["releases.services imports coordination.flagging",
          "releases.services imports coordination.flagging.flags_check_release"]),
        ("def f():\n    from alerts import outbox\n",
         ["releases.services imports alerts", "releases.services imports alerts.outbox"]),
        ("from . import hooks\nfrom ..networks import models\n",
         ["releases.services imports networks", "releases.services imports networks.models"]),
        ("from . import hooks\nfrom ehssg.roles import roles_of\n", []),
    ],
)  # fmt: skip
def test_the_check_sees_a_forbidden_import(source, expected):
    """The checker itself: module- or function-level, absolute or relative, an import of an app above is caught."""
    assert forbidden_imports({"releases.services": imports_in(source, package="releases")}) == expected


def test_the_register_names_the_same_unsettled_statuses_as_the_engines():
    """The register's "open flags" filter and the networks' counts use releases.choices.UNSETTLED_FLAG_STATUSES."""
    from coordination.choices import UNSETTLED_STATUSES
    from releases.choices import UNSETTLED_FLAG_STATUSES

    assert tuple(UNSETTLED_FLAG_STATUSES) == tuple(s.value for s in UNSETTLED_STATUSES)

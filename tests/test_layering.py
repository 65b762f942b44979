"""The package layers, read off the import statements (parsed with ``ast``, never imported).

Layers, lowest first: ``motions`` (and the data package ``presets``) <- ``robots``
<- ``gait_generator`` <- ``retarget`` / ``validate`` / ``viz`` <- the command-line
modules. A module may import its own package and the packages of lower layers
only; the command-line modules (``*/cli.py`` and every ``[project.scripts]``
entry module) may import anything. Every import counts: at module level, inside
functions, ``importlib.import_module`` targets, and ``if TYPE_CHECKING:`` blocks.
The import cycle checks leave out the ``TYPE_CHECKING`` imports, which never run.
"""

from __future__ import annotations

import ast
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS = {
    "motions": 0,
    "presets": 0,
    "robots": 1,
    "gait_generator": 2,
    "retarget": 3,
    "validate": 3,
    "viz": 3,
}
"""Layer of every top-level package; higher layers may import lower ones."""

ROOT_ERROR_MODULE = "motions.errors"
"""The leaf module that holds :class:`GaitGeneratorError`, the root of every project error."""

_IMPORTERS = {"import_module", "__import__"}


@dataclass(frozen=True)
class Import:
    """One import of a project module.

    Attributes:
        source: Importing module (dotted name).
        target: Imported project module (dotted name), or the unresolvable name.
        line: Line of the import statement in the source file.
        type_only: Inside an ``if TYPE_CHECKING:`` block.
        exists: ``target`` is a module of the project.
    """

    source: str
    target: str
    line: int
    type_only: bool
    exists: bool


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of ``packages`` under ``root``."""
    files = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


@functools.cache
def parse(path: Path) -> ast.Module:
    """The syntax tree of a source file (parsed once per test run)."""
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _names(module: str, path: Path, node: ast.AST) -> list[str]:
    """Dotted names an import statement (or ``import_module("...")`` call) may load."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            base = base[: len(base) - node.level + 1]
            parent = ".".join(base + ([node.module] if node.module else []))
        else:
            parent = node.module or ""
        return [parent] + [f"{parent}.{alias.name}" for alias in node.names if alias.name != "*"]
    return []


def _dynamic_names(tree: ast.Module) -> list[tuple[str, int]]:
    """String constants of a module that calls ``import_module``/``__import__``, with their lines.

    Catches ``import_module("viz.plots")`` and tables of module names looked up lazily.
    """
    calls = any(
        isinstance(n, ast.Call)
        and ((isinstance(n.func, ast.Name) and n.func.id in _IMPORTERS)
             or (isinstance(n.func, ast.Attribute) and n.func.attr in _IMPORTERS))
        for n in ast.walk(tree)
    )
    if not calls:
        return []
    return [(n.value, n.lineno) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def imports_of(module: str, path: Path, modules: Mapping[str, Path]) -> list[Import]:
    """Every import of a project module in ``path`` (module level, functions, TYPE_CHECKING blocks)."""
    tree = parse(path)
    found: list[Import] = []
    projects = {name.split(".")[0] for name in modules}

    def add(names: list[str], line: int, type_only: bool) -> None:
        if not names or names[0].split(".")[0] not in projects:
            return
        parent, *members = names
        # ``from pkg import name``: an edge to the submodule ``pkg.name`` if there is one, else to ``pkg``.
        targets = [m for m in members if m in modules] or [parent]
        if members and len(targets) < len(members) and targets[0] != parent:
            targets.append(parent)
        for target in targets:
            if target != module:
                found.append(Import(module, target, line, type_only, target in modules))

    def visit(node: ast.AST, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit_statement(stmt, True)
                for stmt in child.orelse:
                    visit_statement(stmt, type_only)
            else:
                visit_statement(child, type_only)

    def visit_statement(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add([alias.name], node.lineno, type_only)
            else:
                add(_names(module, path, node), node.lineno, type_only)
        else:
            visit(node, type_only)

    visit(tree, False)
    for name, line in _dynamic_names(tree):
        if name in modules and name != module:
            found.append(Import(module, name, line, False, True))
    return found


def cli_modules(root: Path, modules: Iterable[str]) -> set[str]:
    """The command-line layer: every ``*.cli`` module and every ``[project.scripts]`` entry module."""
    scripts = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    entries = {target.split(":")[0] for target in scripts.values()}
    return entries | {m for m in modules if m.rsplit(".", 1)[-1] == "cli"}


def layer_violations(imports: Iterable[Import], layers: Mapping[str, int], cli: set[str]) -> list[str]:
    """Imports that go to a higher layer, to another package of the same layer, or to a command-line module."""
    bad = []
    for imp in imports:
        if imp.source in cli:
            continue
        src, dst = imp.source.split(".")[0], imp.target.split(".")[0]
        upward = layers[dst] > layers[src] or (layers[dst] == layers[src] and dst != src)
        if upward or imp.target in cli:
            bad.append(f"{imp.source}:{imp.line} imports {imp.target} (layer {src}={layers[src]}, {dst}={layers[dst]}"
                       f"{', a command-line module' if imp.target in cli else ''})")
    return bad


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    nodes = sorted(set(edges) | {t for ts in edges.values() for t in ts})
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def module_graph(imports: Iterable[Import], skip: set[str] = frozenset()) -> dict[str, set[str]]:
    """Module -> modules it imports at run time (TYPE_CHECKING imports left out)."""
    edges: dict[str, set[str]] = {}
    for imp in imports:
        if not imp.type_only and imp.source not in skip:
            edges.setdefault(imp.source, set()).add(imp.target)
    return edges


def package_graph(imports: Iterable[Import], skip: set[str]) -> dict[str, set[str]]:
    """Top-level package -> packages it imports at run time, from the modules not in ``skip``."""
    edges: dict[str, set[str]] = {}
    for imp in imports:
        src, dst = imp.source.split(".")[0], imp.target.split(".")[0]
        if not imp.type_only and imp.source not in skip and src != dst:
            edges.setdefault(src, set()).add(dst)
    return edges


def analyse(root: Path, packages: Iterable[str]) -> tuple[dict[str, Path], list[Import], set[str]]:
    """Modules, their project imports and the command-line modules of the packages under ``root``."""
    modules = module_files(root, packages)
    imports = [imp for name, path in modules.items() for imp in imports_of(name, path, modules)]
    return modules, imports, cli_modules(root, modules)


@pytest.fixture(scope="module")
def project() -> tuple[dict[str, Path], list[Import], set[str]]:
    return analyse(ROOT, LAYERS)


def test_every_package_of_the_project_has_a_layer() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    assert {name.split(".")[0] for name in declared} == set(LAYERS)


def test_command_line_modules_are_the_entry_points(project) -> None:
    modules, _, cli = project
    assert cli <= set(modules), f"entry modules without a file: {sorted(cli - set(modules))}"
    assert {"gait_generator.cli", "validate.cli", "viz.cli", "retarget.cli", "validate.robot_cli"} <= cli


def test_every_project_import_names_an_existing_module(project) -> None:
    _, imports, _ = project
    missing = [f"{imp.source}:{imp.line} imports {imp.target}" for imp in imports if not imp.exists]
    assert not missing, "imports of modules that do not exist:\n" + "\n".join(missing)


def test_no_import_goes_to_a_higher_layer(project) -> None:
    _, imports, cli = project
    bad = layer_violations(imports, LAYERS, cli)
    assert not bad, "imports against the layers (motions <- robots <- gait_generator <- retarget/validate/viz <- CLIs):\n" \
        + "\n".join(bad)


def test_the_root_error_module_imports_nothing_from_the_project(project) -> None:
    modules, imports, _ = project
    assert ROOT_ERROR_MODULE in modules
    assert [imp.target for imp in imports if imp.source == ROOT_ERROR_MODULE] == []
    assert "class GaitGeneratorError(Exception):" in modules[ROOT_ERROR_MODULE].read_text(encoding="utf-8")


def test_error_classes_live_in_errors_modules(project) -> None:
    modules, _, _ = project
    stray = []
    for name, path in modules.items():
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Error") and name.rsplit(".", 1)[-1] != "errors":
                stray.append(f"{name}:{node.lineno} defines {node.name}")
    assert not stray, "error classes outside an errors.py:\n" + "\n".join(stray)


def test_no_import_cycle_between_modules(project) -> None:
    _, imports, _ = project
    assert cycles(module_graph(imports)) == []


def test_no_import_cycle_between_packages_without_the_command_line(project) -> None:
    _, imports, cli = project
    assert cycles(package_graph(imports, cli)) == []


# The checks themselves, on a small made-up project: each must see what it is for.

def _write(root: Path, files: Mapping[str, str]) -> None:
    (root / "pyproject.toml").write_text('[project.scripts]\ntool = "low.tool_main:main"\n', encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_checks_see_lazy_relative_dynamic_and_type_checking_imports(tmp_path: Path) -> None:
    _write(tmp_path, {
        "low/__init__.py": "",
        "low/a.py": "def f():\n    from high import b\n",
        "low/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from high.b import B\n",
        "low/d.py": "from importlib import import_module\nWHERE = {'x': 'high.b'}\nget = lambda n: import_module(WHERE[n])\n",
        "low/e.py": "from . import a\nfrom .missing import x\n",
        "low/cli.py": "import high.b\n",
        "low/tool_main.py": "import high\n",
        "high/__init__.py": "",
        "high/b.py": "import low.a\n",
    })
    _, imports, cli = analyse(tmp_path, ["low", "high"])
    assert cli == {"low.cli", "low.tool_main"}
    bad = layer_violations(imports, {"low": 0, "high": 1}, cli)
    assert [line.split(" ")[0] for line in bad] == ["low.a:2", "low.c:3", "low.d:2"]
    assert [imp.target for imp in imports if not imp.exists] == ["low.missing"]
    assert {(imp.source, imp.target) for imp in imports if imp.type_only} == {("low.c", "high.b")}
    assert cycles(module_graph(imports)) == [["high.b", "low.a"]]
    assert cycles(package_graph(imports, cli)) == [["high", "low"]]


def test_type_checking_imports_close_no_cycle_and_clis_no_package_cycle(tmp_path: Path) -> None:
    _write(tmp_path, {
        "low/__init__.py": "",
        "low/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from low.b import B\n",
        "low/b.py": "import low.a\n",
        "low/cli.py": "import high.c\n",
        "high/__init__.py": "",
        "high/c.py": "import low.b\n",
    })
    _, imports, cli = analyse(tmp_path, ["low", "high"])
    assert layer_violations(imports, {"low": 0, "high": 1}, cli) == []
    assert cycles(module_graph(imports)) == []
    assert cycles(package_graph(imports, cli)) == []
    assert cycles(package_graph(imports, set())) == [["high", "low"]]


def test_same_layer_packages_and_command_line_modules_are_off_limits(tmp_path: Path) -> None:
    _write(tmp_path, {
        "left/__init__.py": "import right\n",
        "left/cli.py": "",
        "left/x.py": "from left import cli\n",
        "right/__init__.py": "",
    })
    _, imports, cli = analyse(tmp_path, ["left", "right"])
    bad = layer_violations(imports, {"left": 1, "right": 1}, cli)
    assert [line.split(" ")[0] for line in bad] == ["left:1", "left.x:1"]

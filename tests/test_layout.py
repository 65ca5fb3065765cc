"""The package layout keeps its promises (issue 19).

- ``crawler/{extract,text,discovery,net,runtime}/`` are pure logic: importing every
  module in them loads neither Scrapy nor Twisted (a Scrapy import may only sit inside
  a function that a Scrapy component calls, e.g. ``runtime.state.store_for``).
- No module of ``crawler/``, ``spiders/`` or ``pipelines/`` is over 700 lines, no
  function or method in them over 60 and no class over 400.
- Private names of Scrapy (and scrapy-redis), trafilatura and multiprocessing are
  reached from two files only: ``crawler/internals.py`` and
  ``crawler/extract/trafilatura_adapter.py``.
- Every folder of ``crawler/`` is a package whose ``__init__.py`` says what lives there.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PURE_PACKAGES = ("extract", "text", "discovery", "net", "runtime")
MAX_LINES = 700
#: Modules known to be over MAX_LINES, with why; each is an xfail until it is slimmed.
KNOWN_OVER: dict[str, str] = {}

PROBE = """
import importlib, json, sys
names = json.loads(sys.argv[1])
heavy = ("scrapy", "twisted")
first = {}
for name in names:
    importlib.import_module(name)
    for lib in heavy:
        if lib in sys.modules and lib not in first:
            first[lib] = name
print(json.dumps({"imported": len(names), "loaded_by": first}))
"""


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def pure_modules() -> list[str]:
    return sorted(
        _module_name(path)
        for package in PURE_PACKAGES
        for path in (ROOT / "crawler" / package).rglob("*.py")
    )


def test_pure_packages_import_no_scrapy_or_twisted() -> None:
    names = pure_modules()
    assert len(names) > 40  # every module of the five packages, not an empty walk
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(names)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["imported"] == len(names)
    # {"scrapy": "crawler.x.y"} names the first module after whose import it was loaded
    assert result["loaded_by"] == {}


def _product_modules() -> list:
    params = []
    for folder in ("crawler", "spiders", "pipelines"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            marks = []
            if rel in KNOWN_OVER:
                marks.append(pytest.mark.xfail(reason=KNOWN_OVER[rel], strict=False))
            params.append(pytest.param(path, id=rel, marks=marks))
    return params


@pytest.mark.parametrize("path", _product_modules())
def test_module_is_at_most_700_lines(path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_known_over_modules_exist() -> None:
    """A slimmed or moved module leaves KNOWN_OVER (else its xfail hides nothing)."""
    assert all((ROOT / rel).is_file() for rel in KNOWN_OVER)


def test_every_crawler_folder_is_a_documented_package() -> None:
    undocumented = []
    for folder in sorted(p for p in (ROOT / "crawler").rglob("*") if p.is_dir()):
        if folder.name == "__pycache__":
            continue
        init = folder / "__init__.py"
        if not init.is_file() or not ast.get_docstring(ast.parse(init.read_text())):
            undocumented.append(str(folder.relative_to(ROOT)))
    assert undocumented == []


# -- functions and classes ------------------------------------------------------------

MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 400
#: Functions and classes known to be over their limit, with why; each is an xfail until
#: it is slimmed (then its line goes).
KNOWN_OVER_DEFINITIONS: dict[str, str] = {}


def _product_paths() -> list[Path]:
    return [
        path
        for folder in ("crawler", "spiders", "pipelines")
        for path in sorted((ROOT / folder).rglob("*.py"))
    ]


def definitions(path: Path) -> dict[str, tuple[int, int]]:
    """``file::Qual.name`` -> (lines, limit) of every function, method and class of
    ``path``; lines run from the ``def``/``class`` line to the last (decorators not counted)."""
    rel = str(path.relative_to(ROOT))
    found: dict[str, tuple[int, int]] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                limit = MAX_CLASS_LINES if isinstance(child, ast.ClassDef) else MAX_FUNCTION_LINES
                assert child.end_lineno is not None
                found[f"{rel}::{name}"] = (child.end_lineno - child.lineno + 1, limit)
                walk(child, f"{name}.")
            else:
                walk(child, prefix)

    walk(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=str(p.relative_to(ROOT))) for p in _product_paths()]
)
def test_functions_and_classes_are_small(path: Path) -> None:
    over = [
        f"{name}: {lines} lines (limit {limit})"
        for name, (lines, limit) in definitions(path).items()
        if lines > limit and name not in KNOWN_OVER_DEFINITIONS
    ]
    assert over == []


def test_no_definition_is_known_to_be_over() -> None:
    """Every function and class is within its limit: none is excused (add one to
    KNOWN_OVER_DEFINITIONS, with why, only while it is being slimmed)."""
    assert KNOWN_OVER_DEFINITIONS == {}


def test_known_over_definitions_exist() -> None:
    """A slimmed-away or renamed definition leaves KNOWN_OVER_DEFINITIONS."""
    missing = [
        name
        for name in KNOWN_OVER_DEFINITIONS
        if not (ROOT / name.split("::")[0]).is_file()
        or name not in definitions(ROOT / name.split("::")[0])
    ]
    assert missing == [], f"not found, remove from KNOWN_OVER_DEFINITIONS: {missing}"


# -- private names of Scrapy, trafilatura and multiprocessing ----------------------------

#: Packages whose private names (``_x``, not ``__x__``) are kept to two files.
PRIVATE_OWNERS = ("scrapy", "scrapy_redis", "trafilatura", "multiprocessing")
#: The files that may reach them (crawler/internals.py's docstring lists what it reaches).
PRIVATE_REACHERS = {"crawler/internals.py", "crawler/extract/trafilatura_adapter.py"}
#: Private attributes of those packages' objects reached on an instance, whose type the
#: AST does not tell (``engine._slot``), besides those crawler/internals.py reaches.
INSTANCE_PRIVATES = frozenset({"_slot", "_fingerprints", "_check_if_closing"})
_SELF_ATTRIBUTE = re.compile(r"\b(?:self|cls)\.(_\w+)")


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _owned(module: str) -> bool:
    return module.split(".")[0] in PRIVATE_OWNERS


def _chain(node: ast.AST) -> tuple[ast.AST, list[str]]:
    """(root, attribute names) of ``a.b.c``: (Name a, ["b", "c"])."""
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return node, attrs[::-1]


def _string_start(node: ast.AST) -> str | None:
    """A string constant, or the constant start of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _string_start(node.values[0])
    return None


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


class PrivateNames(ast.NodeVisitor):
    """The private names of PRIVATE_OWNERS one module reaches, found by AST:

    - ``import scrapy._x``, ``from scrapy._x import y``, ``from trafilatura.x import _y``;
    - ``m._y`` (and ``m.a._y``) where ``m`` was bound by an import from those packages
      or by ``m = importlib.import_module("...")``;
    - ``importlib.import_module("scrapy.x._y")`` / ``__import__`` (also an f-string's start);
    - ``getattr``/``hasattr``/``setattr``/``delattr`` of a private name on such an ``m``,
      or of a name of ``instance_privates`` on anything;
    - ``x._y`` for ``_y`` in ``instance_privates`` (``x`` not ``self``/``cls``);
    - in a class derived from one of their classes: ``super()._y``, and a private method
      or ``self._y`` of the base's (the base is imported to tell: its private attributes
      and those its source uses on ``self``).
    """

    def __init__(self, instance_privates: frozenset[str]) -> None:
        self.instance_privates = instance_privates
        self.aliases: dict[str, str] = {}
        self.found: list[str] = []

    def _flag(self, node: ast.AST, what: str) -> None:
        self.found.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if not _owned(alias.name):
                continue
            if any(_is_private(part) for part in alias.name.split(".")):
                self._flag(node, f"import {alias.name}")
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else local

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and _owned(module):
            if any(_is_private(part) for part in module.split(".")):
                self._flag(node, f"from {module} import ...")
            for alias in node.names:
                if _is_private(alias.name):
                    self._flag(node, f"from {module} import {alias.name}")
                self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if isinstance(value, ast.Call) and self._imported_module(value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.aliases[target.id] = self._imported_module(value) or ""
        self.generic_visit(node)

    def _imported_module(self, call: ast.Call) -> str | None:
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ("import_module", "__import__") and call.args:
            text = _string_start(call.args[0])
            if text and _owned(text):
                return text
        return None

    def _aliased(self, node: ast.AST) -> bool:
        root, _ = _chain(node)
        return isinstance(root, ast.Name) and root.id in self.aliases

    def visit_Attribute(self, node: ast.Attribute) -> None:
        root, attrs = _chain(node)
        if isinstance(root, ast.Name) and root.id in self.aliases:
            if _is_private(node.attr):
                self._flag(node, f"{root.id}.{'.'.join(attrs)}")
        elif node.attr in self.instance_privates and not _is_self(node.value):
            self._flag(node, f".{node.attr}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        module = self._imported_module(node)
        if module and any(_is_private(part) for part in module.split(".")):
            self._flag(node, f"import_module({module!r})")
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("getattr", "hasattr", "setattr", "delattr"):
            name = _string_start(node.args[1]) if len(node.args) > 1 else None
            if (
                name
                and _is_private(name)
                and (self._aliased(node.args[0]) or name in self.instance_privates)
            ):
                self._flag(node, f"{func.id}(..., {name!r})")
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = []
        for base in node.bases:
            root, attrs = _chain(base)
            if isinstance(root, ast.Name) and root.id in self.aliases:
                dotted = ".".join([self.aliases[root.id], *attrs])
                module, _, name = dotted.rpartition(".")
                bases.append(getattr(importlib.import_module(module), name))
        if bases:
            self._subclass(node, bases)
        self.generic_visit(node)

    def _subclass(self, node: ast.ClassDef, bases: list[type]) -> None:
        privates = _base_privates(bases)
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in privates:
                self._flag(item, f"{node.name} overrides {item.name}")
        for item in ast.walk(node):
            if not isinstance(item, ast.Attribute) or not _is_private(item.attr):
                continue
            value = item.value
            if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "super":
                self._flag(item, f"super().{item.attr}")
            elif _is_self(value) and item.attr in privates:
                self._flag(item, f"self.{item.attr} (of {node.name}'s base)")


def _base_privates(bases: list[type]) -> set[str]:
    """Private names of the PRIVATE_OWNERS classes among ``bases`` and their bases: their
    private attributes and those their source sets or reads on ``self``/``cls``."""
    names: set[str] = set()
    for base in bases:
        for cls in base.__mro__:
            if not _owned(cls.__module__):
                continue
            names.update(name for name in vars(cls) if _is_private(name))
            with contextlib.suppress(OSError, TypeError):
                source = inspect.getsource(cls)
                names.update(n for n in _SELF_ATTRIBUTE.findall(source) if _is_private(n))
    return names


def _reached_by_internals() -> frozenset[str]:
    """Private attribute names crawler/internals.py reaches on other objects."""
    names = set()
    for node in ast.walk(ast.parse((ROOT / "crawler" / "internals.py").read_text())):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            if not _is_self(node.value):
                names.add(node.attr)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr":
            name = _string_start(node.args[1]) if len(node.args) > 1 else None
            if name and _is_private(name):
                names.add(name)
    return frozenset(names)


def private_names_reached() -> dict[str, list[str]]:
    """Product file -> the private names of PRIVATE_OWNERS it reaches (files reaching none
    left out)."""
    instance_privates = INSTANCE_PRIVATES | _reached_by_internals()
    reached = {}
    for path in _product_paths():
        scanner = PrivateNames(instance_privates)
        scanner.visit(ast.parse(path.read_text(encoding="utf-8")))
        if scanner.found:
            reached[str(path.relative_to(ROOT))] = scanner.found
    return reached


def test_private_names_of_scrapy_trafilatura_multiprocessing_are_reached_from_two_files() -> None:
    reached = private_names_reached()
    others = {path: found for path, found in reached.items() if path not in PRIVATE_REACHERS}
    assert not others, (
        f"{len(others)} file(s) besides {sorted(PRIVATE_REACHERS)} reach private names of "
        f"{', '.join(PRIVATE_OWNERS)}; move each use behind a function of crawler/internals.py "
        "(or the trafilatura adapter):\n"
        + "\n".join(f"  {path}: {'; '.join(found)}" for path, found in sorted(others.items()))
    )
    assert len(reached) <= 2


def test_the_private_name_scan_sees_what_the_two_files_reach() -> None:
    """The scan is not blind: it finds the private names the two files do reach."""
    reached = private_names_reached()
    assert any("_slot" in f for f in reached["crawler/internals.py"])
    assert any("_parse_robots" in f for f in reached["crawler/internals.py"])
    assert any("_recall_retry" in f for f in reached["crawler/extract/trafilatura_adapter.py"])

"""Pelican's seams, not its privates: no module of commons/ or plugins/ but the
patches module (commons/pelican_patches.py) uses a private name of Pelican or
of Python-Markdown.

A private name is one the library itself defines with a leading underscore
(collected from its installed source with `ast`, its tests left out): a
function, class, method, module variable or attribute. A use is

- an attribute `x._name` naming one of them, `x` not being Commons' own module
  or class (`content._content`, `writer._open_w`, `super()._get_summary`),
  or any private attribute of a Pelican or Markdown module or class
  (`LimitFilter._raised_messages`);
- `self._name` or a method or class attribute `_name` in a class Pelican's
  classes run: one derived from a Pelican or Markdown class, or mixed into one
  at run time with `type(…)`, or a base of such a class (an override or a read
  of the library's private state);
- the name as a string (`getattr(content, "_content")`, a set of attribute
  names to skip);
- `from pelican… import _name`, or an import from a private module
  (`pelican.plugins._utils`).

The private names of other libraries' modules are held to the same rule
(`atexit._run_exitfuncs`), but for the few documented as public.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import pelican
import pytest

from commons import REPO_ROOT

LIBRARIES = {"pelican": pelican, "markdown": markdown}
OWN_PACKAGES = ("commons", "plugins")
PATCHES_MODULE = Path("commons/pelican_patches.py")
# Underscored, yet documented public API: os._exit in Python's library
# reference; lxml's element classes in its API reference (isinstance checks).
DOCUMENTED_PUBLIC = {"os._exit", "lxml.etree._Element", "lxml.etree._Entity"}


def is_private(name: str) -> bool:
    return (
        name.startswith("_") and name != "_" and not (name.startswith("__") and name.endswith("__"))
    )


def defined_names(tree: ast.AST):
    """Every name a module binds: functions, classes, variables, attributes, imports."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            yield node.id
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            yield node.attr
        elif isinstance(node, ast.alias):
            yield node.asname or node.name.split(".")[0]


def library_private_names(package_root: Path) -> dict[str, str]:
    """name -> the first file (relative to site-packages) that defines it."""
    names: dict[str, str] = {}
    for path in sorted(package_root.rglob("*.py")):
        if "tests" in path.relative_to(package_root).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in defined_names(tree):
            if is_private(name):
                names.setdefault(name, str(path.relative_to(package_root.parent)))
    return names


@functools.cache
def installed_private_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for module in LIBRARIES.values():
        for name, where in library_private_names(Path(module.__file__).parent).items():
            names.setdefault(name, where)
    return names


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_library(qualified: str | None) -> bool:
    return bool(qualified) and qualified.split(".")[0] in LIBRARIES


def is_own(qualified: str | None) -> bool:
    return bool(qualified) and qualified.split(".")[0] in OWN_PACKAGES


@dataclass
class Module:
    path: Path
    name: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)
    # qualified class name -> its bases, qualified (None where only known at run time)
    classes: dict[str, list[str | None]] = field(default_factory=dict)
    # bases tuples of `type(…)` calls made inside functions: classes mixed at run time
    mixed: list[list[str | None]] = field(default_factory=list)

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name an expression stands for, if its origin is known."""
        if isinstance(node, ast.Name):
            if node.id in self.imports:
                return self.imports[node.id]
            local = f"{self.name}.{node.id}"
            return local if local in self.classes else None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None


def read_module(path: Path, root: Path) -> Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = Module(path, module_name(path, root), tree)
    package = module.name.split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    module.imports[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    module.imports[head] = head
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                module.imports[alias.asname or alias.name] = f"{source}.{alias.name}"
    # Classes first (a base may be defined below its use), then their bases.
    class_nodes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    made = [
        (node.targets[0].id, node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and type_call_bases(node.value) is not None
    ]
    for node in class_nodes:
        module.classes[f"{module.name}.{node.name}"] = []
    for name, _ in made:
        module.classes[f"{module.name}.{name}"] = []
    for node in class_nodes:
        module.classes[f"{module.name}.{node.name}"] = [module.resolve(b) for b in node.bases]
    for name, call in made:
        module.classes[f"{module.name}.{name}"] = [module.resolve(b) for b in type_call_bases(call)]
    made_calls = {id(call) for _, call in made}
    for node in ast.walk(tree):
        bases = type_call_bases(node)
        if bases is not None and id(node) not in made_calls:
            module.mixed.append([module.resolve(b) for b in bases])
    return module


def type_call_bases(node: ast.AST) -> list[ast.AST] | None:
    """The bases of a three-argument `type(name, bases, namespace)` call."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "type"
        and len(node.args) == 3
        and isinstance(node.args[1], ast.Tuple)
    ):
        return node.args[1].elts
    return None


def library_facing_classes(modules: list[Module]) -> set[str]:
    """Own classes whose methods Pelican's or Markdown's classes run: derived from
    one, mixed with a class known only at run time, a base of such a class, or
    derived from one."""
    bases = {name: found for module in modules for name, found in module.classes.items()}
    facing = {name for name, found in bases.items() if any(is_library(base) for base in found)}
    for module in modules:
        for mixed in module.mixed:
            if any(base is None or is_library(base) for base in mixed):
                facing |= {base for base in mixed if base in bases}
    while True:
        grown = set(facing)
        for name, found in bases.items():
            if name in facing:
                grown |= {base for base in found if base in bases}
            elif any(base in facing for base in found):
                grown.add(name)
        if grown == facing:
            return facing
        facing = grown


def private_uses(root: Path = REPO_ROOT) -> tuple[list[str], list[str]]:
    """(uses of Pelican's and Markdown's private names, uses of other libraries'
    private names), as `path:line: what`, outside the patches module."""
    library_names = installed_private_names()
    paths = [path for package in OWN_PACKAGES for path in sorted((root / package).rglob("*.py"))]
    modules = [read_module(path, root) for path in paths]
    # The patches module's classes count (a class derived from one of them
    # derives from Pelican's); its own uses do not.
    facing = library_facing_classes(modules)
    pelican_uses: list[str] = []
    other_uses: list[str] = []
    for module in modules:
        where = module.path.relative_to(root)
        if where == PATCHES_MODULE:
            continue

        def report(node, what, into=pelican_uses, where=where):
            into.append(f"{where}:{node.lineno}: {what}")

        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(module.tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom) and is_library(node.module or ""):
                for alias in node.names:
                    if is_private(alias.name) or any(map(is_private, node.module.split("."))):
                        report(node, f"imports {node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if is_library(alias.name) and any(map(is_private, alias.name.split("."))):
                        report(node, f"imports {alias.name}")
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in library_names
                and id(node) not in docstrings
            ):
                report(node, f"names {node.value!r} ({library_names[node.value]})")
            elif isinstance(node, ast.Attribute) and is_private(node.attr):
                receiver = module.resolve(node.value)
                if is_library(receiver):
                    report(node, f"{receiver}.{node.attr}")
                elif receiver and not is_own(receiver):
                    if f"{receiver}.{node.attr}" not in DOCUMENTED_PUBLIC:
                        report(node, f"{receiver}.{node.attr}", other_uses)
                elif (
                    receiver is None
                    and node.attr in library_names
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                ):
                    report(node, f"….{node.attr} ({library_names[node.attr]})")
        for class_node in ast.walk(module.tree):
            if not isinstance(class_node, ast.ClassDef):
                continue
            if f"{module.name}.{class_node.name}" not in facing:
                continue
            for node in class_node.body:
                names = []
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    names = [node.name]
                elif isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names = [t.id for t in targets if isinstance(t, ast.Name)]
                for name in names:
                    if name in library_names:
                        report(
                            node,
                            f"{class_node.name} overrides {name} ({library_names[name]})",
                        )
            for node in ast.walk(class_node):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in ("self", "cls")
                    and node.attr in library_names
                ):
                    report(
                        node,
                        f"{class_node.name} uses {node.value.id}.{node.attr} "
                        f"({library_names[node.attr]})",
                    )
    return sorted(set(pelican_uses)), sorted(set(other_uses))


@functools.cache
def repository_uses() -> tuple[list[str], list[str]]:
    return private_uses()


def test_no_private_name_of_pelican_or_markdown_outside_the_patches_module():
    found, _ = repository_uses()
    assert not found, (
        f"{len(found)} uses of Pelican's or Python-Markdown's private names outside "
        f"{PATCHES_MODULE}:\n"
        + "\n".join(found)
        + "\nFix: use a public seam (a signal, a public method or attribute, a subclass "
        "using public API), or move the use into a named patch in "
        f"{PATCHES_MODULE} with its test (docs/architecture.md)."
    )


def test_no_private_name_of_another_library_outside_the_patches_module():
    _, found = repository_uses()
    assert not found, "\n".join(found)


# The scanner itself, on a tree of its own: each kind of use is found.
CASES = {
    "attribute": ("def f(content):\n    return content._content\n", "._content"),
    "assigned": ("def f(content):\n    content._summary = ''\n", "._summary"),
    "super": (
        "from pelican.writers import Writer\n"
        "class W(Writer):\n    def f(self):\n        return super()._open_w\n",
        "._open_w",
    ),
    "override": (
        "from pelican.writers import Writer\n"
        "class W(Writer):\n    def _create_new_feed(self, *args):\n        pass\n",
        "overrides _create_new_feed",
    ),
    "override through an own base": (
        "from pelican.writers import Writer\n"
        "class A(Writer):\n    pass\n"
        "class B(A):\n    def _add_item_to_the_feed(self, feed, item):\n        pass\n",
        "B overrides _add_item_to_the_feed",
    ),
    "self in a subclass": (
        "from pelican.readers import MarkdownReader\n"
        "class R(MarkdownReader):\n    def read(self, path):\n        self._md = None\n",
        "uses self._md",
    ),
    "self in a mixin mixed at run time": (
        "class Mixin:\n    def read(self, path):\n        return self._source_path\n"
        "def wrap(reader_class):\n    return type('X', (Mixin, reader_class), {})\n",
        "Mixin uses self._source_path",
    ),
    "library class": (
        "from pelican.log import LimitFilter\nLimitFilter._raised_messages.clear()\n",
        "pelican.log.LimitFilter._raised_messages",
    ),
    "library module": ("import pelican\npelican._get_writer\n", "pelican._get_writer"),
    "getattr": ("def f(c):\n    return getattr(c, '_content', None)\n", "names '_content'"),
    "string": ("SKIPPED = {'_context', 'settings'}\n", "names '_context'"),
    "import": ("from pelican.utils import _printf_s_to_format_field\n", "imports pelican"),
    "private module": ("from pelican.plugins._utils import load_plugins\n", "imports pelican"),
    "private module imported": ("import pelican.plugins._utils\n", "imports pelican"),
    "markdown": ("def f(md):\n    return md.preprocessors._priority\n", "._priority"),
}


def write_tree(root: Path, source: str) -> None:
    (root / "commons").mkdir()
    (root / "plugins").mkdir()
    (root / "plugins" / "example.py").write_text(textwrap.dedent(source), encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_scan_finds_each_kind_of_use(case, tmp_path):
    source, expected = CASES[case]
    write_tree(tmp_path, source)
    found, _ = private_uses(tmp_path)
    assert len(found) == 1 and expected in found[0], found


def test_the_scan_finds_other_libraries_privates_but_not_documented_ones(tmp_path):
    write_tree(tmp_path, "import atexit, os\natexit._run_exitfuncs()\nos._exit(0)\n")
    found, other = private_uses(tmp_path)
    assert found == []
    assert [use.split(": ", 1)[1] for use in other] == ["atexit._run_exitfuncs"]


def test_the_scan_leaves_commons_own_names_and_the_patches_module(tmp_path):
    write_tree(
        tmp_path,
        "class Cache:\n    def __init__(self):\n        self._cache = {}\n"
        "    def _content(self):\n        return self._cache\n"
        "from plugins import example\nexample._helper\n",
    )
    (tmp_path / PATCHES_MODULE).write_text(
        "def f(content):\n    return content._content\n", encoding="utf-8"
    )
    assert private_uses(tmp_path) == ([], [])


def test_a_class_derived_from_one_of_the_patches_module_is_held_to_the_rule(tmp_path):
    write_tree(
        tmp_path,
        "from commons.pelican_patches import Hooks\n"
        "class Mine(Hooks):\n    def _open_w(self, *args):\n        pass\n",
    )
    (tmp_path / PATCHES_MODULE).write_text(
        "from pelican.writers import Writer\nclass Hooks(Writer):\n    pass\n", encoding="utf-8"
    )
    found, _ = private_uses(tmp_path)
    assert len(found) == 1 and "Mine overrides _open_w" in found[0], found

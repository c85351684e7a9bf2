"""The import graph: the kernel (commons/) never imports a plugin, and no module
imports itself back through others.

Plugins and tools import the kernel; were the kernel to import a plugin,
running a tool would load Pelican plugins it does not use, and the two could
no longer change apart. Read from the source (AST), so a lazy import inside a
function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

from commons import REPO_ROOT

PACKAGES = ("commons", "plugins")


def module_name(path: Path, root: Path = REPO_ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, root: Path = REPO_ROOT) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative imports made absolute,
    every `importlib.import_module("…")` with a literal name, and every lookup of a
    plugin's module by name (`plugin_module("discussion", "settings")`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            # `from package import module` imports the module too.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == "plugin_module"
        ):
            names = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            found.append((node.lineno, ".".join(["plugins", *map(str, names)])))
    return found


def sources(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def kernel_imports_of_plugins(root: Path = REPO_ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line}: imports {name}"
        for path in sorted((root / "commons").rglob("*.py"))
        for line, name in imported_names(path, root)
        if name == "plugins" or name.startswith("plugins.")
    ]


def import_cycles() -> list[list[str]]:
    """The groups of modules of commons/ and plugins/ that import each other in a ring."""
    modules = {module_name(path): path for package in PACKAGES for path in sources(package)}
    # A module's own packages are imported before it whatever it says: not an edge.
    edges = {
        name: sorted(
            {
                imported
                for _line, imported in imported_names(path)
                if imported in modules and not name.startswith(imported + ".")
            }
        )
        for name, path in modules.items()
    }
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for start in sorted(modules):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges[node]:
                    cycles.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return cycles


def test_nothing_in_commons_imports_a_plugin():
    assert len(sources("commons")) > 50
    assert kernel_imports_of_plugins() == []


def test_the_check_sees_a_kernel_module_that_imports_a_plugin(tmp_path):
    (tmp_path / "commons" / "sub").mkdir(parents=True)
    (tmp_path / "commons" / "sub" / "late.py").write_text(
        "def f():\n    from plugins.discussion import identity\n", encoding="utf-8"
    )
    (tmp_path / "commons" / "top.py").write_text("import plugins.feeds\n", encoding="utf-8")
    (tmp_path / "commons" / "found.py").write_text(
        'identity = plugin_module("discussion", "identity")\n', encoding="utf-8"
    )
    assert kernel_imports_of_plugins(tmp_path) == [
        "commons/found.py:1: imports plugins.discussion.identity",
        "commons/sub/late.py:2: imports plugins.discussion",
        "commons/sub/late.py:2: imports plugins.discussion.identity",
        "commons/top.py:1: imports plugins.feeds",
    ]


def test_no_module_of_commons_or_plugins_imports_itself_back():
    assert import_cycles() == []

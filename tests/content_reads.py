"""Where a test module reads this repository's own `content/` (a static scan).

The machinery's tests build the tests' sample content (tests/data/sites/sample/);
only tests/sample/ builds the repository's own posts, so that replacing them
breaks no other test. The ways a test reaches the repository's `content/`:

- the name `CONTENT_DIR` (from `commons`), whatever it is imported as;
- a path joined as `REPO_ROOT / "content"` (or `SITE_ROOT`, `CHECKOUT_ROOT`);
- a call of the machinery whose content defaults to it: `build_site` and
  `check_site` without `content`, `Publisher` without `content`, and a task of
  tasks.py run in-process that reads the site's content, unless the test points
  `tasks.CONTENT_DIR` elsewhere first;
- `invoke` run on the repository (`-r REPO_ROOT` or `cwd=REPO_ROOT`) for a task
  that reads the site's content;
- a program of the machinery (`python -m commons.comments.publisher`, the
  preview server) run without `--content`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT_NAMES = frozenset({"REPO_ROOT", "SITE_ROOT", "CHECKOUT_ROOT"})
# The machinery's functions whose `content` defaults to the repository's, and
# how many positional arguments reach `content` (None: keyword only).
CONTENT_DEFAULTS = {
    ("commons.build", "build_site"): None,
    ("commons.check", "check_site"): 2,
    ("commons.comments.publisher", "Publisher"): 3,
}
# The tasks that read the site's content/ unless they are given another folder,
# by their Python name and their command-line name.
CONTENT_TASKS = frozenset(
    {
        "build",
        "rebuild",
        "check",
        "serve",
        "livereload",
        "preview",
        "publish",
        "new_post",
        "migrate_links",
        "comments_move",
        "comments_publisher",
        "import_wordpress",
        "import_disqus",
    }
)
CONTENT_TASK_COMMANDS = frozenset(name.replace("_", "-") for name in CONTENT_TASKS)
# The machinery's programs (`python -m …`) whose `--content` defaults to the repository's.
CONTENT_PROGRAMS = frozenset({"commons.comments.publisher", "commons.preview.server"})


def _names(node: ast.AST) -> set[str]:
    """Every name and attribute name read inside `node`."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.Attribute):
            found.add(child.attr)
    return found


def _strings(node: ast.AST) -> set[str]:
    return {
        child.value
        for child in ast.walk(node)
        if isinstance(child, ast.Constant) and isinstance(child.value, str)
    }


def _is_root(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id in ROOT_NAMES) or (
        isinstance(node, ast.Attribute) and node.attr in ROOT_NAMES
    )


def _imported_functions(tree: ast.Module) -> dict[str, tuple[str, str]]:
    """The local name of each machinery function CONTENT_DEFAULTS lists."""
    local = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (node.module, alias.name) in CONTENT_DEFAULTS:
                    local[alias.asname or alias.name] = (node.module, alias.name)
    return local


def _repository_invokers(tree: ast.Module) -> set[str]:
    """Module-level names bound to an `invoke` command line on the repository."""
    bound = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple):
            names = _names(node.value)
            if names & ROOT_NAMES and (
                "invoke" in _strings(node.value) or "-r" in _strings(node.value)
            ):
                bound |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return bound


def _invoking_functions(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level functions that run `invoke` on a folder that defaults to the
    repository: their name, and the parameters that default to it."""
    functions = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or "invoke" not in ast.unparse(node).lower():
            continue
        arguments = [*node.args.posonlyargs, *node.args.args]
        defaults = dict(
            zip(
                arguments[len(arguments) - len(node.args.defaults) :],
                node.args.defaults,
                strict=True,
            )
        )
        defaults |= {
            a: d for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True) if d
        }
        rooted = {argument.arg for argument, default in defaults.items() if _is_root(default)}
        if rooted:
            functions[node.name] = rooted
    return functions


def _passes_content(call: ast.Call, positional: int | None) -> bool:
    if any(keyword.arg in {"content", None} for keyword in call.keywords):
        return True  # `content=` given, or `**options` that may hold it
    if any(isinstance(argument, ast.Starred) for argument in call.args):
        return True
    return positional is not None and len(call.args) >= positional


def _redirects_tasks_content(function: ast.AST) -> bool:
    """The test points tasks.CONTENT_DIR elsewhere first (monkeypatch.setattr)."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "setattr"
        and "CONTENT_DIR" in _strings(node)
        for node in ast.walk(function)
    )


def _runs_invoke(node: ast.AST, invokers: set[str]) -> bool:
    names = _names(node)
    return bool(
        names & invokers
        or "invoke" in _strings(node)
        or any("invoke" in name.lower() for name in names)
    )


def repository_content_reads(source: str, filename: str = "<test>") -> list[str]:
    """`file:line: what` for each place the module reads the repository's content/."""
    tree = ast.parse(source, filename)
    functions = _imported_functions(tree)
    invokers = _repository_invokers(tree)
    invoking_functions = _invoking_functions(tree)
    found: list[tuple[int, str]] = []

    def note(node: ast.AST, what: str) -> None:
        found.append((node.lineno, what))

    scopes = [
        node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    redirected = {
        id(inner)
        for scope in scopes
        if _redirects_tasks_content(scope)
        for inner in ast.walk(scope)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if any(alias.name == "CONTENT_DIR" for alias in node.names):
                note(node, "imports CONTENT_DIR, the repository's content/")
        elif (isinstance(node, ast.Name) and node.id == "CONTENT_DIR") or (
            isinstance(node, ast.Attribute) and node.attr == "CONTENT_DIR"
        ):
            note(node, "reads CONTENT_DIR, the repository's content/")
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Div)
            and _is_root(node.left)
            and isinstance(node.right, ast.Constant)
            and isinstance(node.right.value, str)
            and node.right.value.strip("/").split("/")[0] == "content"
        ):
            note(node, "joins the repository's content/ folder")
        elif isinstance(node, ast.Call):
            called = node.func.id if isinstance(node.func, ast.Name) else None
            if called in functions and not _passes_content(
                node, CONTENT_DEFAULTS[functions[called]]
            ):
                note(
                    node, f"calls {called} without content=, which builds the repository's content/"
                )
            if (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "tasks"
                and node.func.attr in CONTENT_TASKS
                and not any(keyword.arg in {"content", None} for keyword in node.keywords)
                and id(node) not in redirected
            ):
                note(node, f"runs tasks.{node.func.attr} on the repository's content/")
        if isinstance(node, ast.Call | ast.List):
            on_repository = bool(_names(node) & (ROOT_NAMES | invokers))
            runs_invoke = _runs_invoke(node, invokers)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                rooted = invoking_functions.get(node.func.id, set())
                given = {keyword.arg for keyword in node.keywords}
                on_repository |= bool(rooted - given)
                runs_invoke |= node.func.id in invoking_functions
            commands = _strings(node) & CONTENT_TASK_COMMANDS
            # A task given `--content`, or arguments passed through (`*args`) that may give it.
            given_content = "--content" in _strings(node) or (
                isinstance(node, ast.Call)
                and any(isinstance(argument, ast.Starred) for argument in node.args)
            )
            if on_repository and commands and runs_invoke and not given_content:
                note(node, f"runs `invoke {sorted(commands)[0]}` on the repository's content/")
            programs = _strings(node) & CONTENT_PROGRAMS
            if isinstance(node, ast.List) and programs and not given_content:
                note(node, f"runs {sorted(programs)[0]} without --content, on the repository's")
    return [f"{filename}:{line}: {what}" for line, what in sorted(set(found))]


def scan(folder: Path, skip: tuple[Path, ...]) -> list[str]:
    """repository_content_reads over every .py file under `folder`, but `skip`."""
    problems = []
    for path in sorted(folder.rglob("*.py")):
        if "node_modules" in path.parts or any(path.is_relative_to(s) for s in skip):
            continue
        problems += repository_content_reads(path.read_text(encoding="utf-8"), str(path))
    return problems

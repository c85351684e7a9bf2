"""Internal link integrity of a built site: every link, asset and #fragment resolves,
and every redirect in `_redirects` leads to a file of the site.

Used by `invoke publish` before anything is sent, and by the tests.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from lxml import html

LINK_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}
SKIPPED_SCHEMES = ("mailto:", "data:", "javascript:", "tel:")


def target_file(output: Path, path: str) -> Path:
    candidate = output / unquote(path).lstrip("/")
    return candidate / "index.html" if path.endswith("/") or candidate.is_dir() else candidate


def _anchors(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        document = html.fromstring(path.read_bytes())
        cache[path] = {element.get("id") for element in document.xpath("//*[@id]")} | {
            element.get("name") for element in document.xpath("//a[@name]")
        }
    return cache[path]


def page_anchors(path: Path) -> set[str]:
    """The ids and `<a name>`s a #fragment of a link into `path` may name."""
    return _anchors(path, {})


def broken_links(
    output: Path,
    site_origin: str,
    pages: list[str] | None = None,
    anchors: dict[str, list[str]] | None = None,
) -> list[str]:
    """Every internal reference in `output`'s pages that points at nothing.

    `site_origin` is the site's own absolute origin (SITEURL in production);
    links to other origins are not checked. `pages`: the site-relative paths
    of the pages to check (default: every page). `anchors`: the anchors of
    pages already known, by site-relative path (other pages are read).
    """
    problems: list[str] = []
    anchor_cache = {output / page: set(ids) for page, ids in (anchors or {}).items()}
    chosen = output.rglob("*.html") if pages is None else (output / page for page in pages)
    for page in sorted(chosen):
        page_url = f"{site_origin}/{page.relative_to(output).as_posix()}"
        document = html.fromstring(page.read_bytes())
        for tag, attribute in LINK_ATTRIBUTES.items():
            for element in document.iter(tag):
                reference = element.get(attribute)
                if not reference or reference.startswith(SKIPPED_SCHEMES):
                    continue
                absolute = urljoin(page_url, reference)
                if not absolute.startswith(f"{site_origin}/"):
                    continue
                parts = urlsplit(absolute)
                target = target_file(output, parts.path)
                where = f"{page.relative_to(output)}: <{tag} {attribute}={reference!r}>"
                if not target.is_file():
                    problems.append(f"{where} points to the missing {target.relative_to(output)}")
                elif (
                    parts.fragment
                    and target.suffix == ".html"
                    and unquote(parts.fragment) not in _anchors(target, anchor_cache)
                ):
                    problems.append(f"{where}: no element has the id {parts.fragment!r}")
    return problems


def broken_redirects(
    output: Path, site_origin: str, redirects_file: str = "_redirects"
) -> list[str]:
    """Every line of the site's `_redirects` whose target is not a file of the site.

    Targets on other origins are not checked (the site does not write them).
    The redirect HTML pages are checked by `broken_links`: their canonical link
    and their one link are the target.
    """
    path = output / redirects_file
    if not path.is_file():
        return []
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#") or len(fields) < 2:
            continue
        target = next((f for f in fields[1:] if f.startswith(("/", "http://", "https://"))), "")
        absolute = urljoin(f"{site_origin}/", target)
        if not absolute.startswith(f"{site_origin}/"):
            continue
        file = target_file(output, urlsplit(absolute).path)
        if not file.is_file():
            problems.append(
                f"{redirects_file}:{number}: {fields[0]} redirects to {target}, which is not "
                "in the built site"
            )
    return problems

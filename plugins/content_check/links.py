"""The links editors write, checked against the written site at the end of every build.

A post's body can link to another page of the site by its address
(`/2019/05/slug/`, `../other/`, `#a-heading`) rather than with `{filename}`;
such a link breaks silently when the target's URL changes or the heading is
renamed. At `finalized`, when every file is written, each post's and page's
body (as published, URLs replaced) is read: every link and image that stays on
the site must name a written file, and a `#fragment` an element of it. Only
bodies are read, not the theme's chrome, so the check costs a fraction of a
second at 1,000 posts.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.utils import get_relative_path, path_to_url

from commons.paths import source_name
from commons.receivers import BuildReceivers

# An origin no site has: bodies are rendered against it so that every link the
# site itself resolves becomes an absolute URL we can recognise.
CHECK_ORIGIN = "https://commons-link-check.invalid"
SKIPPED_SCHEMES = ("mailto:", "tel:", "data:", "javascript:")
# Elements with a link or a source, outside code: one XPath, evaluated in C.
OUTSIDE_CODE = etree.XPath(
    ".//*[(@href or @src) and not(ancestor-or-self::code) and not(ancestor::pre)]"
)


class BodyLinks(BuildReceivers):
    """One Pelican's check: checks the posts and pages of its latest build once it is written.

    The posts are taken when the build has read them all (`all_generators_finalized`),
    replacing the last build's: a process that builds many times with one Pelican
    (the preview reads each pass in one process and writes it in a child) holds
    one build's posts, never a list of every build's. Another Pelican starting
    (new settings) disconnects it.
    """

    def __init__(self, settings: dict, report):
        self.settings = settings
        self.report = report
        self.contents: list = []

    def receivers(self) -> list:
        return [
            (signals.initialized, self.stop_if_replaced),
            (signals.all_generators_finalized, self.keep_contents),
            (signals.finalized, self.check),
        ]

    def stop_if_replaced(self, pelican) -> None:
        if pelican.settings is not self.settings:
            self.disconnect()
            self.contents = []

    def keep_contents(self, generators: list) -> None:
        contents = []
        for generator in generators:
            if generator.settings is not self.settings:
                return
            if isinstance(generator, ArticlesGenerator):
                contents += generator.articles + generator.translations
            elif isinstance(generator, PagesGenerator):
                contents += generator.pages + generator.translations
        self.contents = contents

    def check(self, pelican) -> None:
        if pelican.settings is not self.settings:
            return
        # Connected still, for this Pelican's next build (autoreload); the
        # posts are let go with the build.
        contents, self.contents = self.contents, []
        output = Path(pelican.output_path)
        content_root = Path(self.settings["PATH"])
        site_url = (self.settings.get("SITEURL") or "").rstrip("/")
        anchors: dict[Path, set[str]] = {}
        written: dict[Path, bool] = {}
        problems = []
        for content in contents:
            problems += broken_body_links(content, output, content_root, site_url, anchors, written)
        self.report(problems)


def broken_body_links(
    content,
    output: Path,
    content_root: Path,
    site_url: str,
    anchors: dict[Path, set[str]],
    written: dict[Path, bool],
) -> list[str]:
    """Each link or image in `content`'s published body that names nothing on the site."""
    # The body as the writer published it: the same siteurl, so Pelican's
    # memo returns it without replacing the URLs again.
    siteurl = site_url
    if content.settings.get("RELATIVE_URLS"):
        siteurl = path_to_url(get_relative_path(content.save_as))
    body = content.get_content(siteurl)
    page_url = f"{CHECK_ORIGIN}/{content.save_as}"
    own_file = target_file(output, content.save_as)
    problems = []
    for attribute, reference in references(body):
        if not reference or reference.startswith(SKIPPED_SCHEMES) or reference.startswith("{"):
            continue
        absolute = urljoin(page_url, reference)
        if site_url and absolute.startswith(f"{site_url}/"):
            absolute = CHECK_ORIGIN + absolute[len(site_url) :]
        if not absolute.startswith(f"{CHECK_ORIGIN}/"):
            continue
        parts = urlsplit(absolute)
        on_this_page = reference.startswith("#")
        target = own_file if on_this_page else target_file(output, parts.path)
        kind = "image" if attribute == "src" else "link"
        if not _is_file(target, written):
            problems.append(
                f"{source_name(content.source_path, content_root)}: the {kind} {reference} "
                "points to "
                f"{target.relative_to(output).as_posix()}, which the site does not have. Fix: "
                "link to the post or page with {filename}/its-file.md (it follows the page "
                "when its address changes), or correct the address."
            )
        elif parts.fragment and target.suffix == ".html":
            fragment = unquote(parts.fragment)
            if fragment not in _ids(target, anchors):
                problems.append(
                    f"{source_name(content.source_path, content_root)}: the link {reference} names "
                    f"#{fragment}, but "
                    f"{target.relative_to(output).as_posix()} has no element with that id. Fix: "
                    "link to a heading that exists (its id is the heading's text in lower "
                    "case, with hyphens), or remove the #part."
                )
    return problems


def references(body: str) -> list[tuple[str, str]]:
    """(attribute, URL) of every href and src in the parsed body, outside code.

    Read from the document, not from the text, so a path written in a code
    block or inside another attribute's value is not taken for a link.
    """
    if not body or not body.strip():
        return []
    root = lxml_html.fragment_fromstring(body, create_parent="div")
    return [
        (attribute, node.get(attribute))
        for node in OUTSIDE_CODE(root)
        for attribute in ("href", "src")
        if node.get(attribute) is not None
    ]


def target_file(output: Path, path: str) -> Path:
    """The written file that serves `path` (a folder's index.html for a folder)."""
    relative = posixpath.normpath("/" + unquote(path)).lstrip("/")
    candidate = output / relative
    if path.endswith("/") or candidate.is_dir():
        return candidate / "index.html"
    return candidate


def _is_file(path: Path, written: dict[Path, bool]) -> bool:
    # Many posts link the same pages (the home page, a category): stat each once.
    if path not in written:
        written[path] = path.is_file()
    return written[path]


def _ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        document = lxml_html.fromstring(page.read_bytes())
        cache[page] = set(document.xpath("//@id")) | set(document.xpath("//a/@name"))
    return cache[page]

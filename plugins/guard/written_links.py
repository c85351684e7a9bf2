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

from commons.derived_values import DerivedValues
from commons.paths import source_name
from commons.pelican_patches import raw_body
from commons.receivers import BuildReceivers

from .problems import Problem
from .templates import is_template

# The namespace of the ids posts set (user_content.py).
USER_CONTENT_PREFIX = "user-content-"

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
        # This build's store of body facts (the guard's, shared with links.py):
        # set when the build starts, written and let go when it is checked.
        self.facts: DerivedValues | None = None

    def receivers(self) -> list:
        return [
            (signals.initialized, self.stop_if_replaced),
            (signals.all_generators_finalized, self.keep_contents),
            (signals.finalized, self.check),
        ]

    def forget_build(self) -> None:
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
        own = own_origins([site_url, *self.settings["GUARD"]["links"]["site_urls"]])
        anchors: dict[Path, set[str]] = {}
        written: dict[Path, bool] = {}
        targets: dict[str, Path] = {}
        sources = sources_by_slug(contents, content_root)
        problems = []
        facts, self.facts = self.facts, None
        for content in contents:
            problems += broken_body_links(
                content,
                output,
                content_root,
                site_url,
                anchors,
                written,
                own,
                sources,
                facts,
                targets,
            )
        if facts is not None:
            facts.save()
        self.report(problems)


def own_origins(site_urls: list[str]) -> list[str]:
    """The site's addresses, each under http and https (old posts link with either),
    without a trailing slash."""
    origins = []
    for url in site_urls:
        parts = urlsplit(url.rstrip("/"))
        if not parts.netloc:
            continue
        for scheme in ("https", "http"):
            origin = f"{scheme}://{parts.netloc}{parts.path}"
            if origin not in origins:
                origins.append(origin)
    return origins


def sources_by_slug(contents: list, content_root: Path) -> dict[str, str]:
    """Each post's and page's file under content/, by slug: the file an old
    address (`/slug.html`, `/2019/05/slug/`) most likely meant."""
    found: dict[str, str] = {}
    for content in contents:
        slug = getattr(content, "slug", None)
        # Not an old theme's template: the check says to move it out.
        if slug and content.source_path and not is_template(content.source_path):
            found.setdefault(slug, source_name(content.source_path, content_root))
    return found


def broken_body_links(
    content,
    output: Path,
    content_root: Path,
    site_url: str,
    anchors: dict[Path, set[str]],
    written: dict[Path, bool],
    own: list[str] = (),
    sources: dict[str, str] | None = None,
    facts: DerivedValues | None = None,
    targets: dict[str, Path] | None = None,
) -> list[Problem]:
    """Each link or image in `content`'s published body that names nothing on the site.

    `own`: the site's absolute addresses (own_origins); a link written with one
    of them is checked as a link within the site. `facts`: the build's store of
    body facts (`body_values`), None to parse the body. `anchors`, `written`
    and `targets`: what one check of many posts learnt of the written site
    (a page's ids, whether a file exists, the file an address names).
    """
    # The body as the writer published it: the same siteurl, so Pelican's
    # memo returns it without replacing the URLs again.
    siteurl = site_url
    if content.settings.get("RELATIVE_URLS"):
        siteurl = path_to_url(get_relative_path(content.save_as))
    body = content.get_content(siteurl)
    page_url = f"{CHECK_ORIGIN}/{content.save_as}"
    targets = {} if targets is None else targets
    own_file = _target(output, content.save_as, targets)
    source = source_name(content.source_path, content_root)
    problems = []
    published = references(body, facts)
    authored: list[tuple[str, str]] = []

    def written_as(index: int) -> str:
        # The same element before Pelican replaced {filename}, {tag}… in it:
        # what the editor wrote, and so what a message names. Parsed only
        # for a post with a problem: most have none.
        if not authored:
            authored.extend(references(raw_body(content) or "", facts))
            if len(authored) != len(published):
                authored[:] = published
        return authored[index][1]

    for index, (attribute, reference) in enumerate(published):
        if not reference or reference.startswith(SKIPPED_SCHEMES) or reference.startswith("{"):
            continue
        if attribute == "src" and _is_local(reference):
            # An image by path: links.py has listed it already, with
            # the fix for its folder, when it names no file the site copies.
            continue
        absolute = urljoin(page_url, reference)
        for origin in ([site_url] if site_url else []) + list(own):
            if absolute == origin or absolute.startswith(f"{origin}/"):
                absolute = CHECK_ORIGIN + "/" + absolute[len(origin) :].lstrip("/")
                break
        if not absolute.startswith(f"{CHECK_ORIGIN}/"):
            continue
        parts = urlsplit(absolute)
        on_this_page = reference.startswith("#")
        target = own_file if on_this_page else _target(output, parts.path, targets)
        kind = "image" if attribute == "src" else "link"
        if not _is_file(target, written):
            as_written = written_as(index)
            problems.append(
                Problem(
                    source,
                    "",
                    f"the {kind} {as_written} points to "
                    f"{target.relative_to(output).as_posix()}, which the site does not have",
                    _missing_fix(as_written, parts.path, sources or {}, content_root),
                )
            )
        elif parts.fragment and target.suffix == ".html":
            fragment = unquote(parts.fragment)
            if fragment not in _ids(target, anchors):
                # As the editor wrote it: Commons namespaces the ids of posts.
                fragment_written = fragment.removeprefix(USER_CONTENT_PREFIX)
                as_written = written_as(index)
                problems.append(
                    Problem(
                        source,
                        "",
                        f"the link {as_written} names #{fragment_written}, but "
                        f"{target.relative_to(output).as_posix()} has no element with that id",
                        "link to a heading that exists (its id is the heading's text in lower "
                        f"case, with hyphens), or remove #{fragment_written} from the link.",
                    )
                )
    return problems


def _missing_fix(reference: str, path: str, sources: dict[str, str], content_root: Path) -> str:
    """The fix for a link to a page the site does not have: the folder to
    publish when the file is in content/, else the post it most likely meant,
    by the slug in its address, else the link's removal."""
    relative = posixpath.normpath("/" + unquote(path)).lstrip("/")
    if relative and (content_root / relative).is_file():
        return (
            f"the file is in content/ but not under STATIC_PATHS, so it is never copied to "
            f"the site: add {relative.split('/')[0]!r} to STATIC_PATHS in pelicanconf.py."
        )
    name = posixpath.basename(unquote(path).rstrip("/"))
    slug = posixpath.splitext(name)[0] if name.endswith((".html", ".htm")) else name
    meant = sources.get(slug)
    if meant:
        fragment = urlsplit(reference).fragment
        written = "{filename}/" + meant + (f"#{fragment}" if fragment else "")
        return (
            f"write {written} instead of {reference} (a link by file follows the post "
            "when its address changes)."
        )
    return (
        f"link to the post or page by its file under content/ ({{filename}}/its-file.md), "
        f"or remove the link to {reference}."
    )


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return not (parts.scheme or parts.netloc)


def body_facts(body: str) -> dict[str, list]:
    """What the guard reads in a body, from one parse: `references`, [attribute, URL]
    of every href and src outside code; `no_alt`, the `src` of every image outside
    code whose alt text is empty. JSON data, so that it is kept with the content
    cache (`facts_of`).

    Read from the document, not from the text, so a path written in a code
    block or inside another attribute's value is not taken for a link.
    """
    if not body or not body.strip():
        return {"references": [], "no_alt": []}
    root = lxml_html.fragment_fromstring(body, create_parent="div")
    nodes = OUTSIDE_CODE(root)
    return {
        "references": [
            [attribute, node.get(attribute)]
            for node in nodes
            for attribute in ("href", "src")
            if node.get(attribute) is not None
        ],
        "no_alt": [
            node.get("src") or ""
            for node in nodes
            if node.tag == "img" and not (node.get("alt") or "").strip()
        ],
    }


def facts_of(body: str, values: DerivedValues | None = None) -> dict[str, list]:
    """`body_facts(body)`, taken from `values` (this build's and the last builds') when
    the same body was read before."""
    if values is None:
        return body_facts(body)
    return values.get("body", body, lambda: body_facts(body))


def body_values(settings: dict) -> DerivedValues:
    """The guard's store of `body_facts` for one build."""
    return DerivedValues(settings, "guard-bodies", [__file__], packages=("lxml",))


def references(body: str, values: DerivedValues | None = None) -> list[tuple[str, str]]:
    """(attribute, URL) of every href and src in the parsed body, outside code."""
    return [(attribute, url) for attribute, url in facts_of(body, values)["references"]]


def images_without_alt(body: str, values: DerivedValues | None = None) -> list[str]:
    """The `src` of every image in the parsed body, outside code, whose alt text is empty."""
    return list(facts_of(body, values)["no_alt"])


def target_file(output: Path, path: str) -> Path:
    """The written file that serves `path` (a folder's index.html for a folder)."""
    relative = posixpath.normpath("/" + unquote(path)).lstrip("/")
    candidate = output / relative
    if path.endswith("/") or candidate.is_dir():
        return candidate / "index.html"
    return candidate


def _target(output: Path, path: str, targets: dict[str, Path]) -> Path:
    # Many posts link the same pages and images: each address is resolved (and
    # its folder looked for) once.
    if path not in targets:
        targets[path] = target_file(output, path)
    return targets[path]


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

"""Uploads pass by the type servers send them with; images from other sites are named.

A static file under `STATIC_PATHS` (or linked with `{static}`/`{attach}`) is
served from the site's own origin: it passes only if every type a common
server gives any of its extensions is one no browser runs (docs/uploads.md),
or it is SVG or XML without a script, an event handler, a foreign object, a
link out or a stylesheet. Other files fail the build unless a maintainer
lists them in GUARD['media']['trusted_files'] (or their type in
GUARD['media']['allowed_types']). An image or media file that a post
loads from another site is reported too: the production Content-Security-Policy
blocks it unless SECURITY_HEADERS['extra_sources'] names that site.
"""

from __future__ import annotations

import os
import posixpath
import re
from urllib.parse import unquote, urlsplit

from lxml import etree, html

from commons.pelican_patches import raw_body, raw_summary
from commons.settings import ListOf, Pattern, Schema, String

from .problems import Problem
from .served_types import served_types
from .written_links import references

SETTING = "GUARD['media']"
# Types no browser runs or renders as a document of the site's origin: it
# shows them (an image, a video, plain text), plays them or downloads them.
# A family ends in "/"; image/svg+xml is an XML type, checked below.
INERT_FAMILIES = ("image/", "audio/", "video/", "font/")
INERT_TYPES = frozenset(
    {
        "text/plain",
        "text/csv",
        "text/tab-separated-values",
        "text/vtt",
        "text/markdown",
        "text/calendar",
        "text/vcard",
        "text/x-vcard",
        "application/json",
        "application/pdf",
        "application/octet-stream",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-gtar",
        "application/x-bzip2",
        "application/x-xz",
        "application/zstd",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "application/epub+zip",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.ms-fontobject",
        "application/font-woff",
        "application/font-sfnt",
        "application/x-font-ttf",
        "application/x-font-otf",
        "application/ogg",
    }
)
INERT_PREFIXES = (
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)
# Rendered as an XML document: allowed when the file itself is inert (xml_problem).
XML_TYPES = frozenset({"image/svg+xml", "application/xml", "text/xml"})
# What a browser reads, when a server sends no type or guesses one (Apache
# without a mapping; Caddy and Go's sniffing), to decide a file is markup.
SNIFFED_BYTES = 512
MIME_TYPE = r"[a-z0-9][a-z0-9!#$&^_.+-]*/(?:\*|[a-z0-9][a-z0-9!#$&^_.+-]*)"
SVG_NS = "http://www.w3.org/2000/svg"
XHTML_NS = "http://www.w3.org/1999/xhtml"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
RENDERED = {SVG_NS, MATHML_NS}
# Elements that run script, embed another document or react to events.
ACTIVE_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform", "discard"}
# Raster images embedded in an SVG: no script, no request.
INERT_DATA = re.compile(r"^data:image/(?:png|jpe?g|gif|webp|avif);", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(?P<quote>['"]?)\s*(?P<url>[^'")]*)""", re.IGNORECASE)

# What a post may load, and the CSP directive that rules it.
MEDIA_ATTRIBUTES = {
    "img": (("src", "img"), ("srcset", "img")),
    "video": (("src", "media"), ("poster", "img")),
    "audio": (("src", "media"),),
    "track": (("src", "media"),),
    "input": (("src", "img"),),
}
# A cheap test before parsing: an attribute value starting with another host
# ("//host" or "http(s)://host") right after src= or poster=, or any srcset.
# (One regular expression for all of it scans each post ten times slower.)
ABSOLUTE_VALUE = re.compile(r"""=\s*["']?\s*(?:https?:)?//""")
LOADING_NAME = re.compile(r"(?:src|poster)\s*$", re.IGNORECASE)


def _trusted_problem(path: str) -> str | None:
    if path.startswith("/") or ".." in path.replace("\\", "/").split("/"):
        return "a leading / or a .. leads out of content/"
    return None


SCHEMA = Schema(
    SETTING,
    {
        # Files (paths under content/) a maintainer has read and lets through
        # although a browser would run them: "extra/widget.js".
        "trusted_files": ListOf(
            String(check=_trusted_problem),
            [],
            accepted="a list of paths relative to content/, such as 'extra/widget.js'",
            help=(
                "uploads a maintainer has read and publishes as they are, as paths under "
                '`content/`: `["extra/widget.js"]`'
            ),
        ),
        # More media types uploads may be served as, beside the inert ones
        # (INERT_FAMILIES, INERT_TYPES): "model/gltf-binary", or "model/*" for
        # a family. Only types no browser runs: each one listed is served from
        # the site's own origin.
        "allowed_types": ListOf(
            Pattern(MIME_TYPE, "a media type in lower case, such as 'model/gltf-binary'"),
            [],
            accepted="a list of media types, such as 'model/gltf-binary' or 'model/*'",
            help=(
                "more media types uploads may be served as, only types no browser runs: "
                '`["model/gltf-binary"]`, or `["model/*"]` for a family'
            ),
        ),
    },
)
DEFAULTS = SCHEMA.defaults()


def stops(settings: dict) -> bool:
    """False under `invoke check` (GUARD['stop'] False), which lists every problem."""
    return bool(settings["GUARD"]["stop"])


# ------------------------------------------------------------ uploads
def xml_problem(data: bytes) -> str | None:
    """Why a browser would run or fetch something from this SVG or XML file, or None."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as error:
        return f"is not well-formed XML ({error.msg})"
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        return "declares XML entities, which a browser expands into markup"
    if tree.xpath("//processing-instruction('xml-stylesheet')"):
        return "has an xml-stylesheet instruction, which a browser runs"
    for node in tree.iter():
        if isinstance(node, etree._Entity):
            return "uses an XML entity, which a browser expands into markup"
        if not isinstance(node.tag, str):
            continue  # comments and processing instructions
        problem = element_problem(node)
        if problem:
            return problem
    return None


def element_problem(element) -> str | None:
    name = etree.QName(element)
    local = name.localname.lower()
    if name.namespace == XHTML_NS:
        return f"holds HTML (<{name.localname}>), which a browser renders and runs"
    rendered = name.namespace in RENDERED
    if local == "script" or (rendered and local in ACTIVE_ELEMENTS):
        return f"has a <{name.localname}> element, which runs script or embeds a page"
    for attribute, value in element.attrib.items():
        attribute_name = etree.QName(attribute).localname.lower()
        if attribute_name.startswith("on") and (rendered or name.namespace is None):
            return f"has an event handler ({attribute_name}), which runs script"
        if attribute_name == "href" and not _inert_reference(value):
            return f"links to {value.strip()[:80]!r}, outside the file"
        animated = rendered and local in ANIMATIONS and attribute_name == "attributename"
        if animated and "href" in value.lower():
            return f"animates a link (<{name.localname} attributeName={value!r}>)"
        if rendered and (css_problem := _css_problem(value)):
            return css_problem
    if rendered and local == "style" and element.text:
        return _css_problem(element.text)
    return None


def _inert_reference(value: str) -> bool:
    value = value.strip()
    return not value or value.startswith("#") or bool(INERT_DATA.match(value))


def _css_problem(text: str) -> str | None:
    if "@import" in text.lower():
        return "imports a stylesheet (@import), outside the file"
    for match in CSS_URL.finditer(text):
        if not _inert_reference(match["url"]):
            return f"loads {match['url'].strip()[:80]!r} from a stylesheet, outside the file"
    return None


def inert_type(kind: str, allowed=()) -> bool:
    """Whether a file served as `kind` is one no browser runs (or a maintainer allows)."""
    if kind in XML_TYPES:
        return False
    if kind in INERT_TYPES or kind.startswith(INERT_FAMILIES + INERT_PREFIXES):
        return True
    return any(
        kind == entry or (entry.endswith("/*") and kind.startswith(entry[:-1])) for entry in allowed
    )


def extensions(name: str) -> list[str]:
    """Every extension a server may read in a file name, in lower case: Apache's
    mod_mime reads each one (`photo.html.jpg` is an HTML page there), the others
    the last one; an extension may hold a dot (`1905.1`)."""
    parts = name.lower().split(".")[1:]
    return [*parts, *(".".join(parts[start:]) for start in range(len(parts) - 1))]


def looks_like_markup(path: str) -> bool:
    """Whether a browser (or Caddy) sniffing a file without a known type takes it for
    HTML or XML: its first bytes, after a byte order mark and spaces, open a tag."""
    with open(path, "rb") as handle:
        start = handle.read(SNIFFED_BYTES)
    return start.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").startswith(b"<")


def upload_problem(path: str, table: dict, allowed=(), published: str = "") -> str | None:
    """Why a browser would run this upload in the site's origin, or None.

    The name judged is the one it is published under (`published`, its
    save_as) as well as its own.

    `table` maps an extension to every type a common server sends it with
    (served_types); every one of them must be inert, or XML that holds nothing
    active. A file whose last extension no server knows (or that has none) is
    sent as application/octet-stream, or with a guessed type: it passes unless
    it starts like markup.
    """
    hidden = [part for part in published.replace("\\", "/").split("/")[:-1] if part.startswith(".")]
    if hidden:
        return f"is published in a hidden folder ({hidden[0]}), which the host keeps for itself"
    for name in sorted({os.path.basename(path), os.path.basename(published)} - {""}):
        problem = _name_problem(path, name, table, allowed)
        if problem:
            return problem
    return None


def _name_problem(path: str, name: str, table: dict, allowed) -> str | None:
    if name.startswith("."):
        return (
            "is a hidden file, which a web server reads as its configuration (.htaccess) or hides"
        )
    as_xml = False
    for extension in extensions(name):
        for kind in sorted(table.get(extension, ())):
            if kind in XML_TYPES:
                as_xml = True
            elif not inert_type(kind, allowed):
                return (
                    f"is served as {kind} (.{extension}), which a browser runs or renders "
                    "in the site's origin"
                )
    last = name.lower().rsplit(".", 1)[1] if "." in name else ""
    if last not in table and looks_like_markup(path):
        return (
            "has no extension a web server knows and starts like HTML or XML, which a "
            "server that guesses the type sends as a page"
        )
    if as_xml:
        with open(path, "rb") as handle:
            return xml_problem(handle.read())
    return None


def upload_problems(generator) -> list[Problem]:
    """The uploads of the static generator a browser would run in the site's origin."""
    settings = generator.settings
    options = settings["GUARD"]["media"]
    trusted = {os.path.normpath(path) for path in options["trusted_files"]}
    table = served_types()
    problems = []
    uploads = [
        # Not `static.save_as`: reading it marks the file's place as taken, and
        # an {attach} link could no longer move it next to its post. An {attach}
        # move keeps the file's name, which is what is judged here.
        (static.source_path, static.get_url_setting("save_as") or "")
        for static in generator.staticfiles
    ]
    if not stops(settings):
        # `invoke check`: the files of the folders its fixes will add to
        # STATIC_PATHS are judged now, not in the run after those fixes.
        uploads += [
            (path, os.path.relpath(path, settings["PATH"]))
            for path in would_be_uploads(generator.context.get(LINKED_FOLDERS, ()), settings)
        ]
    for source_path, published in uploads:
        relative = os.path.normpath(os.path.relpath(source_path, settings["PATH"]))
        if relative in trusted:
            continue
        problem = upload_problem(source_path, table, options["allowed_types"], published)
        if problem:
            problems.append(
                Problem(
                    relative,
                    "",
                    problem,
                    "remove it, or publish it as a type no browser runs (an image, PDF, plain "
                    "text, an archive; SVG as a plain drawing, without scripts, links or "
                    "embedded pages); if a maintainer has checked it, list "
                    f"'{relative}' in {SETTING}['trusted_files'], or its type in "
                    f"{SETTING}['allowed_types'], in pelicanconf.py.",
                )
            )
    return problems


# ------------------------------------------------------------ remote media
def allowed_sources(settings: dict, directive: str) -> list[str]:
    extra = (settings.get("SECURITY_HEADERS") or {}).get("extra_sources") or {}
    return list(extra.get(directive) or ())


def source_allows(source: str, url) -> bool:
    """Whether the CSP source expression `source` allows the URL (split)."""
    source = source.strip().rstrip("/")
    if source.endswith(":") and "/" not in source:
        return url.scheme == source[:-1].lower()
    parts = urlsplit(source if "//" in source else f"{url.scheme}://{source}")
    if parts.scheme and parts.scheme.lower() != url.scheme:
        return False
    host, wanted = (url.hostname or ""), (parts.hostname or "")
    host_ok = host.endswith(wanted[1:]) if wanted.startswith("*.") else host == wanted
    return host_ok and (parts.port is None or parts.port == url.port)


def _remote(url: str, site_origins: list[str]):
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if any(url.startswith(origin + "/") for origin in site_origins):
        return None
    return parts


def site_origins(settings: dict) -> list[str]:
    """The site's own origins: SITEURL's and, in a local build, its public
    address's (GUARD['links']['site_urls']), under http and https alike."""
    urls = [settings.get("SITEURL") or ""]
    urls += settings["GUARD"]["links"]["site_urls"]
    origins = []
    for url in urls:
        netloc = urlsplit(url).netloc
        if netloc:
            origins += [f"https://{netloc}", f"http://{netloc}"]
    return origins


def may_be_remote(content_html: str) -> bool:
    if "srcset" in content_html.lower():
        return True
    return any(
        LOADING_NAME.search(content_html, max(0, found.start() - 12), found.start())
        for found in ABSOLUTE_VALUE.finditer(content_html)
    )


def _urls(element, attribute: str) -> list[str]:
    value = element.get(attribute) or ""
    if attribute == "srcset":
        return [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
    return [value] if value.strip() else []


def remote_media(content_html: str, settings: dict) -> list[tuple[str, str]]:
    """(url, CSP directive) of each image or media file the HTML loads from another site."""
    if not content_html or not may_be_remote(content_html):
        return []
    origins = site_origins(settings)
    found = []
    for element in html.fragment_fromstring(content_html, create_parent="div").iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower().rsplit("}", 1)[-1]
        loads = MEDIA_ATTRIBUTES.get(tag, ())
        if tag == "source":
            parent = element.getparent()
            in_picture = parent is not None and parent.tag == "picture"
            directive = "img" if in_picture else "media"
            loads = (("src", directive), ("srcset", directive))
        for attribute, directive in loads:
            for url in _urls(element, attribute):
                parts = _remote(url, origins)
                if parts is not None and not any(
                    source_allows(source, parts) for source in allowed_sources(settings, directive)
                ):
                    found.append((url, directive))
    return found


def remote_problems(generator, contents: list) -> list[Problem]:
    """Images and media files posts load from another site, which the CSP blocks."""
    settings = generator.settings
    problems = []
    for content in contents:
        source = os.path.relpath(content.source_path, settings["PATH"])
        shown = (raw_body(content) or "") + (raw_summary(content) or "")
        for url, directive in remote_media(shown, settings):
            origin = urlsplit(url if not url.startswith("//") else "https:" + url)
            origin = f"{origin.scheme}://{origin.netloc}"
            what = "image" if directive == "img" else "media file"
            name = posixpath.basename(urlsplit(url).path) or "image"
            # pelicanconf.py: local builds, `check` and production (which
            # takes SECURITY_HEADERS from it) all read that one setting.
            problems.append(
                Problem(
                    source,
                    "",
                    f"the {what} {url} is on another site; the production "
                    f"Content-Security-Policy ({directive}-src) blocks it and readers see a hole",
                    f"download it into content/images/ as {name} and write "
                    f"{{static}}/images/{name}, or, if {origin} is trusted, add {origin!r} to "
                    f"SECURITY_HEADERS['extra_sources']['{directive}'] in pelicanconf.py.",
                )
            )
    return problems


# ------------------------------------------------- folders the check will publish
# In the build's shared context: the folders under content/, outside
# STATIC_PATHS, that posts link files in (the check's fix adds them).
LINKED_FOLDERS = "commons_guard_linked_folders"
# Files in such a folder that a reader reads are posts, not uploads.
POST_SUFFIXES = {".md", ".markdown", ".mkd", ".mdown", ".rst", ".html", ".htm"}


def note_linked_folders(generator, contents: list) -> None:
    """Under `invoke check`, note the folders of the files posts link to outside STATIC_PATHS."""
    settings = generator.settings
    if stops(settings):
        return
    root = os.path.realpath(settings["PATH"])
    static = [folder.strip("/") for folder in settings.get("STATIC_PATHS", [])]
    folders = set(generator.context.get(LINKED_FOLDERS, ()))
    for content in contents:
        base = os.path.dirname(content.source_path or "")
        for _attribute, url in references(raw_body(content) or ""):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path or url.startswith("{"):
                continue
            path = unquote(parts.path)
            target = (
                os.path.join(root, path.lstrip("/"))
                if path.startswith("/")
                else (os.path.join(base, path))
            )
            relative = os.path.relpath(os.path.realpath(target), root).replace(os.sep, "/")
            if relative.startswith("../") or not os.path.isfile(target):
                continue
            top = relative.split("/", 1)[0]
            if "/" in relative and not any(
                relative == folder or relative.startswith(folder + "/") for folder in static
            ):
                folders.add(top)
    generator.context[LINKED_FOLDERS] = sorted(folders)


def would_be_uploads(folders, settings: dict) -> list[str]:
    """The files (not posts) in `folders` under content/, which STATIC_PATHS would publish."""
    root = settings["PATH"]
    found = []
    for folder in folders:
        for directory, subfolders, files in os.walk(os.path.join(root, folder)):
            subfolders.sort()
            found += [
                os.path.join(directory, name)
                for name in sorted(files)
                if os.path.splitext(name)[1].lower() not in POST_SUFFIXES
            ]
    return found

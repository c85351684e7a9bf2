"""A WordPress post body -> Commons Markdown.

The steps, in WordPress's own order: `<!--more-->` splits off the summary;
Gutenberg block comments are removed (dynamic blocks, which WordPress renders
at view time, have no HTML to keep and are reported); the shortcodes WordPress
ships (caption, gallery, audio, video, embed, code) become HTML; classic
posts get `wpautop`'s paragraphs; then one lxml pass localises images and links
and turns what the sanitiser would drop (frames, media players it does not
allow) into links; markdownify writes the Markdown. What cannot be converted
is reported, per post, by the caller.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from markdownify import MarkdownConverter

from commons.files import WriteRefused, plain_parts
from commons.urls import is_safe_url

MORE = re.compile(r"<!--more(?:\s[^>]*)?-->", re.IGNORECASE)
NOPAGING = re.compile(r"<!--(?:noteaser|nextpage)-->", re.IGNORECASE)
BLOCK_COMMENT = re.compile(r"<!--\s+(/?)wp:([a-z0-9/-]+)(\s+\{.*?\})?\s+(/?)-->", re.DOTALL)
SHORTCODE = re.compile(r"\[(\[?)([A-Za-z][\w-]*)(?![\w-])([^\]]*?)(/?)\](\]?)")
ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"]+)|"([^"]*)"|(\S+)"""
)
URL_LINE = re.compile(r"^\s*(https?://[^\s<>\"']+)\s*$", re.MULTILINE)
# A sized copy WordPress made of an upload (`photo-300x200.jpg`), and the copy it
# makes of a large original (`photo-scaled.jpg`, WordPress 5.3+).
SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.\w+$)")
SCALED_SUFFIX = "-scaled"
# Where WordPress has kept uploads: multisite before 3.5 served a blog's
# wp-content/blogs.dir/N/files/ at its own /files/; Jetpack's image CDN serves
# https://i0.wp.com/<host>/<path> for any site's image.
BLOGS_DIR = re.compile(r"/wp-content/blogs\.dir/\d+/files/(.*)$")
IMAGE_CDN = re.compile(r"^i[0-3]\.wp\.com$")
WORDPRESS_COM = "wordpress.com"
# <pre> and <code> elements, whose content no step but the last (lxml) reads.
CODE_ELEMENT = re.compile(r"(<(pre|code)\b[^>]*>)(.*?)(</\2\s*>)", re.IGNORECASE | re.DOTALL)
KEPT_CODE = re.compile(r"\x02(\d+)\x02")
# A name a plugin registers ([gallery], [contact-form-7]); prose in brackets
# ([and], [Note: …], [1]) has no such name, attributes or closing tag.
REGISTERED_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
# Elements wpautop never wraps in a paragraph, and the containers whose
# contents it does split into paragraphs.
BLOCK_TAGS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|"
    "map|area|blockquote|address|math|style|script|p|h[1-6]|hr|fieldset|legend|section|"
    "article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|audio|"
    "video|iframe|object|embed|source|noscript"
)
CONTAINER_TAGS = "blockquote|div|section|article|aside|header|footer|nav|details"
BLOCK_OPEN = re.compile(rf"(<(?:{BLOCK_TAGS})[\s/>])", re.IGNORECASE)
BLOCK_CLOSE = re.compile(rf"(</(?:{BLOCK_TAGS})>)", re.IGNORECASE)
CONTAINER_OPEN = re.compile(rf"(<(?:{CONTAINER_TAGS})(?:\s[^>]*)?>)", re.IGNORECASE)
CONTAINER_CLOSE = re.compile(rf"(</(?:{CONTAINER_TAGS})>)", re.IGNORECASE)
STARTS_BLOCK = re.compile(rf"^</?(?:{BLOCK_TAGS})[\s/>]", re.IGNORECASE)
PRESERVED = re.compile(r"<(pre|script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
# Attributes kept on the HTML the Markdown carries as is (figures, players).
KEPT_ATTRIBUTES = {"src", "alt", "href", "title", "width", "height", "controls", "poster"}
# The kept attributes that hold an address, checked last with is_safe_url.
URL_ATTRIBUTES = ("href", "src", "poster")
# What a body does with the uploads it shows: a published post's are copied
# into content/images/; a draft's only when a published post copies them too
# (content/images/ is published whole); a comment's never (Isso does not read
# Pelican's {static}).
UPLOADS_COPIED = "copied"
UPLOADS_SHARED = "shared"
UPLOADS_LEFT = "left"
MEDIA_SHORTCODES = {"audio", "video"}
KNOWN_SHORTCODES = {
    "caption",
    "wp_caption",
    "gallery",
    "audio",
    "video",
    "playlist",
    "embed",
    "code",
    "sourcecode",
}


@dataclass
class Site:
    """What every post's conversion shares: the old site, the uploads, the links."""

    old_hosts: set[str]
    content_dir: Path
    uploads: Path | None
    # Site-relative old address (path and query) -> `{filename}/…` of an imported post.
    links: dict[str, str] = field(default_factory=dict)
    # Attachment id -> (url, caption); parent post id -> its attachments' ids.
    attachments: dict[str, tuple[str, str]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    # Media elements the site's sanitiser keeps (GUARD['html']'s extra_tags/attributes).
    media_elements: frozenset[str] = frozenset()
    # The old site's address: relative links and images not brought along point there.
    old_base: str = ""
    # Uploads (paths under uploads/) that published posts copy into content/images/.
    published_uploads: set[str] = field(default_factory=set)
    # Hosts whose upload addresses are this site's (its addresses, its network's),
    # when not only `old_hosts`; and this blog's own `<blog>.files.wordpress.com`.
    upload_hosts: set[str] = field(default_factory=set)
    files_hosts: set[str] = field(default_factory=set)
    # The blog's path on its host ("" or "/blog2"): multisite's /files/ is under it.
    blog_path: str = ""
    # The uploads the export lists as attachments (paths under uploads/).
    attachment_uploads: set[str] = field(default_factory=set)


@dataclass
class Body:
    """One converted body and what its conversion found."""

    markdown: str
    teaser: str = ""
    problems: list[str] = field(default_factory=list)
    # Uploads to copy into content/images/ (path under uploads/ -> the file there).
    images_copied: dict[str, Path] = field(default_factory=dict)
    remote_images: list[str] = field(default_factory=list)
    # A draft's uploads no published post shows: left at their old address.
    draft_images: list[str] = field(default_factory=list)
    # Of `remote_images`, those on another site (not this one's uploads).
    other_sites_images: list[str] = field(default_factory=list)
    # (number, footnote id) of each Gutenberg footnote reference, in order.
    footnotes: list[tuple[int, str]] = field(default_factory=list)


def old_address(url: str, site: Site) -> str | None:
    """`/path/?query` of a URL on the old site (or already site-relative), else None."""
    parts = urlsplit(url.strip())
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc.lower() not in site.old_hosts:
        return None
    if not parts.netloc and not parts.path.startswith("/"):
        return None
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if not path.endswith("/") and "." not in PurePosixPath(path).name:
        path += "/"
    return path + (f"?{parts.query}" if parts.query else "")


def _bare_host(host: str) -> str:
    return host.lower().removeprefix("www.")


def own_host(host: str, site: Site) -> bool:
    """Whether `host` is one of the old site's own (its addresses, its network's)."""
    return _bare_host(host) in {_bare_host(h) for h in site.upload_hosts | site.old_hosts}


def this_blogs_files_hosts(hosts: set[str]) -> set[str]:
    """`<blog>.files.wordpress.com` of each `<blog>.wordpress.com` among `hosts`."""
    found = set()
    for host in hosts:
        label, _, rest = _bare_host(host).partition(".")
        if rest == WORDPRESS_COM and label:
            found.add(f"{label}.files.{WORDPRESS_COM}")
    return found


def upload_path(url: str, site: Site) -> str | None:
    """The path of one of this site's uploads under its uploads folder, or None.

    Every form WordPress has used: `…/wp-content/uploads/…`, multisite's
    `…/files/…` and `…/wp-content/blogs.dir/N/files/…`, this blog's
    `<blog>.files.wordpress.com/…`, and these behind Jetpack's image CDN; on
    one of the site's own hosts (or no host) only: an upload on another site
    (another WordPress.com blog) is that site's."""
    parts = urlsplit(html.unescape(url.strip()))
    if parts.scheme not in ("", "http", "https"):
        return None
    host, path = parts.netloc.lower(), unquote(parts.path)
    if IMAGE_CDN.match(host):
        host, _, rest = path.lstrip("/").partition("/")
        path = "/" + rest
    blogs_dir = BLOGS_DIR.search(path)
    if host and _bare_host(host) in site.files_hosts:
        relative = path
    elif host and not own_host(host, site):
        return None
    elif "/wp-content/uploads/" in path:
        relative = path.split("/wp-content/uploads/", 1)[1]
    elif blogs_dir:
        relative = blogs_dir[1]
    elif path.startswith(f"{site.blog_path}/files/"):
        relative = path.removeprefix(f"{site.blog_path}/files/")
    else:
        return None
    segments = [s for s in relative.split("/") if s not in ("", ".")]
    if not segments or ".." in segments:
        return None
    return "/".join(segments)


def is_own_address(url: str, site: Site) -> bool:
    """Whether an absolute URL is on the old site (or its uploads' hosts)."""
    host = urlsplit(url.strip()).netloc.lower()
    if IMAGE_CDN.match(host):
        host = urlsplit(url.strip()).path.lstrip("/").split("/", 1)[0]
    return not host or own_host(host, site) or _bare_host(host) in site.files_hosts


def original_uploads(relative: str) -> list[str]:
    """The uploads a sized copy was made from: `photo.jpg` and `photo-scaled.jpg`."""
    original = SIZE_SUFFIX.sub("", relative)
    if original == relative:
        return []
    stem, dot, extension = original.rpartition(".")
    return [original, f"{stem}{SCALED_SUFFIX}{dot}{extension}"]


def _attributes(text: str) -> tuple[dict[str, str], list[str]]:
    named, positional = {}, []
    for match in ATTRIBUTE.finditer(text):
        if match[1]:
            named[match[1].lower()] = html.unescape(match[2])
        elif match[3]:
            named[match[3].lower()] = html.unescape(match[4])
        elif match[5]:
            named[match[5].lower()] = html.unescape(match[6])
        else:
            positional.append(html.unescape(match[7] or match[8] or ""))
    return named, positional


def _link(url: str, text: str | None = None) -> str:
    label = text or PurePosixPath(urlsplit(url).path).name or url
    return f'<p><a href="{html.escape(url)}">{html.escape(label)}</a></p>'


class Shortcodes:
    """Expands the shortcodes WordPress itself ships; reports the others."""

    def __init__(self, site: Site, post_id: str, body: Body):
        self.site = site
        self.post_id = post_id
        self.body = body

    def expand(self, text: str) -> str:
        out, position = [], 0
        while True:
            match = SHORTCODE.search(text, position)
            if match is None:
                out.append(text[position:])
                return "".join(out)
            out.append(text[position : match.start()])
            escaped, name, raw_attributes, self_closing, _ = match.groups()
            closing = f"[/{name}]"
            end = match.end()
            inner = None
            if not self_closing:
                close_at = text.find(closing, end)
                if close_at != -1:
                    inner, end = text[end:close_at], close_at + len(closing)
            if escaped and match[5]:
                out.append(text[match.start() + 1 : match.end() - 1])
                position = match.end()
                continue
            named, positional = _attributes(raw_attributes)
            replacement = self.replace(name.lower(), named, positional, inner)
            if replacement is None:
                if looks_registered(name, named, positional, inner, bool(self_closing)):
                    self.body.problems.append(f"shortcode [{name}] left as text")
                out.append(text[match.start() : match.end()])
                position = match.end()
                continue
            out.append(replacement)
            position = end

    def replace(self, name, named, positional, inner) -> str | None:
        if name in ("caption", "wp_caption"):
            return self.caption(named, inner or "")
        if name == "gallery":
            return self.gallery(named)
        if name in MEDIA_SHORTCODES:
            return self.media(name, named, positional, inner)
        if name == "playlist":
            ids = [i.strip() for i in named.get("ids", "").split(",") if i.strip()]
            ids = ids or self.site.children.get(self.post_id, [])
            urls = [self.site.attachments[i][0] for i in ids if i in self.site.attachments]
            return "".join(_link(url) for url in urls)
        if name in ("embed", "youtube", "vimeo"):
            url = (inner or "").strip() or named.get("url", "") or "".join(positional)
            url = url.lstrip("=")
            return _link(url, url) if url.startswith(("http://", "https://")) else None
        if name in ("code", "sourcecode"):
            language = named.get("language") or named.get("lang") or ""
            code = html.escape(html.unescape(inner or ""), quote=False)
            css = f' class="language-{html.escape(language)}"' if language else ""
            return f"<pre><code{css}>{code.strip(chr(10))}</code></pre>"
        return None

    def caption(self, named: dict, inner: str) -> str:
        inner = inner.strip()
        match = re.match(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", inner, re.S)
        media, text = (match[1], match[2].strip()) if match else (inner, "")
        text = text or named.get("caption", "")
        caption = f"<figcaption>{text}</figcaption>" if text else ""
        return f"\n\n<figure>{media}{caption}</figure>\n\n"

    def gallery(self, named: dict) -> str:
        ids = [i.strip() for i in named.get("ids", named.get("include", "")).split(",")]
        ids = [i for i in ids if i] or self.site.children.get(self.post_id, [])
        figures = []
        for attachment in ids:
            if attachment not in self.site.attachments:
                self.body.problems.append(f"gallery image {attachment} is not in the export")
                continue
            url, caption = self.site.attachments[attachment]
            image = f'<img src="{html.escape(url)}" alt="{html.escape(caption)}">'
            text = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
            figures.append(f"<figure>{image}{text}</figure>")
        if not figures:
            self.body.problems.append("[gallery] has no images in the export")
        return "\n\n" + "\n\n".join(figures) + "\n\n"

    def media(self, name: str, named: dict, positional: list, inner: str | None) -> str:
        url = named.get("src") or next(
            (value for key, value in named.items() if key in MEDIA_EXTENSIONS), ""
        )
        url = url or next((p for p in positional if p.startswith(("http:", "https:"))), "")
        url = url or (inner or "").strip()
        if not url:
            self.body.problems.append(f"[{name}] without a file")
            return ""
        return f'\n\n<{name} controls src="{html.escape(url)}"></{name}>\n\n'


def looks_registered(name, named, positional, inner, self_closing: bool) -> bool:
    """Whether `[name …]` is a shortcode's syntax rather than prose in brackets: a
    registered-looking name with a closing tag, a `/]`, or only `key="value"`
    attributes."""
    if not REGISTERED_NAME.match(name):
        return False
    return inner is not None or self_closing or (bool(named) and not positional)


MEDIA_EXTENSIONS = {"mp3", "ogg", "oga", "wav", "m4a", "flac", "wma", "mp4", "m4v", "webm", "ogv"}
MEDIA_EXTENSIONS |= {"wmv", "flv", "mov"}


def strip_blocks(text: str, body: Body) -> str:
    """Remove Gutenberg's block comments; report dynamic (server-rendered) blocks."""

    def replace(match):
        closing, name, _attrs, self_closing = match.groups()
        if self_closing and name not in ("more", "nextpage", "separator", "spacer"):
            body.problems.append(f"block wp:{name} (drawn by WordPress at view time) left out")
        if name == "more" and not closing:
            return "<!--more-->"
        return ""

    return BLOCK_COMMENT.sub(replace, text)


def wpautop(text: str) -> str:
    """WordPress's automatic paragraphs: blank lines part paragraphs, a newline is a break."""
    if not text.strip():
        return ""
    kept: list[str] = []

    def keep(match):
        kept.append(match[0])
        return f"\x00{len(kept) - 1}\x00"

    text = PRESERVED.sub(keep, text.replace("\r\n", "\n").replace("\r", "\n"))
    text = BLOCK_OPEN.sub(r"\n\n\1", text)
    text = BLOCK_CLOSE.sub(r"\1\n\n", text)
    text = CONTAINER_OPEN.sub(r"\1\n\n", text)
    text = CONTAINER_CLOSE.sub(r"\n\n\1", text)
    paragraphs = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if STARTS_BLOCK.match(chunk) or re.fullmatch(r"\x00\d+\x00", chunk):
            paragraphs.append(chunk)
        else:
            paragraphs.append("<p>" + re.sub(r"\s*\n\s*", "<br>\n", chunk) + "</p>")
    joined = "\n".join(paragraphs)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m[1])], joined)


# What Python-Markdown (with `extra`) reads as markup in text and lets a backslash escape;
# `<` becomes an entity instead, so text about a tag never becomes one.
MARKDOWN_SPECIALS = re.compile(r"([\\`\[\]>+|])")
LINE_MARKERS = re.compile(r"^(\s*)(#{1,6}|-+)(?=\s|$)", re.MULTILINE)
LIST_NUMBERS = re.compile(r"^(\s*[0-9]{1,9})([.)])(?=\s|$)", re.MULTILINE)


# A footnote reference while the body is converted: letters only, so that
# markdownify's escaping leaves it whole.
FOOTNOTE_MARKER = "WPFOOTNOTE"
FOOTNOTE_REFERENCE = re.compile(rf"{FOOTNOTE_MARKER}(\d+){FOOTNOTE_MARKER}")


# Who renders the Markdown: Pelican (Python-Markdown, which keeps raw HTML) or
# the comment server (Isso escapes HTML). Both read a line ending in two spaces
# as a line break, and neither reads a backslash at a line's end as one.
PELICAN = "pelican"
ISSO = "isso"
# A code block while the Markdown is tidied: its lines are never touched.
CODE_BLOCK = "\x03{}\x03"
CODE_BLOCK_MARK = re.compile(r"\x03(\d+)\x03")
BACKTICKS = re.compile(r"`+")
# A language name both Markdown readers take after a fence; any other is dropped
# (a backtick in it would stop the fence from being one).
LANGUAGE_NAME = re.compile(r"^[\w#.+-]+$")


class CommonsMarkdown(MarkdownConverter):
    """markdownify, keeping figures and allowed media players as HTML, and code
    blocks exactly as they showed."""

    class Options:
        dialect = PELICAN

    def __init__(self, **options):
        super().__init__(**options)
        self.code_blocks: list[str] = []

    def convert_pre(self, el, text, parent_tags):
        # The text the reader saw, character for character: no Markdown inside.
        for br in el.find_all("br"):
            br.replace_with("\n")
        code = el.get_text()
        # As HTML does, a newline right after <pre> is not part of the text.
        code = code.removeprefix("\n")
        if not code:
            return ""
        language = _code_language(el) or ""
        language = language if LANGUAGE_NAME.match(language) else ""
        longest = max((len(run) for run in BACKTICKS.findall(code)), default=0)
        fence = "`" * max(3, longest + 1)
        fenced = f"{fence}{language}\n{code.removesuffix(chr(10))}\n{fence}"
        if self.options["dialect"] == ISSO:
            block = fenced
        elif language and code.strip("\n") == code.removesuffix("\n") and "\t" not in code:
            # Highlighted, as WordPress's [code] plugins showed it: Pelican's
            # fenced block keeps this text (no tab, no blank line at either end).
            block = fenced
        else:
            # Raw HTML: Python-Markdown expands tabs and Pygments drops blank
            # lines at either end of a fenced block; an escaped <pre> keeps both,
            # and is not coloured by a guessed language WordPress never showed.
            css = f' class="language-{html.escape(language)}"' if language else ""
            escaped = html.escape(code, quote=False).replace("\t", "&#9;")
            block = f"<pre><code{css}>{escaped}</code></pre>"
        self.code_blocks.append(block)
        return "\n\n" + CODE_BLOCK.format(len(self.code_blocks) - 1) + "\n\n"

    def escape(self, text, parent_tags):
        if not text:
            return ""
        text = MARKDOWN_SPECIALS.sub(r"\\\1", text).replace("<", "&lt;")
        text = LINE_MARKERS.sub(lambda m: m[1] + "".join("\\" + c for c in m[2]), text)
        text = LIST_NUMBERS.sub(r"\1\\\2", text)
        return super().escape(text, parent_tags)

    def _raw(self, el) -> str:
        return f"\n\n{el}\n\n"

    def convert_figure(self, el, text, parent_tags):
        return self._raw(el)

    def convert_audio(self, el, text, parent_tags):
        return self._raw(el)

    def convert_video(self, el, text, parent_tags):
        return self._raw(el)


def _code_language(el) -> str | None:
    for element in (el, *el.find_all("code")):
        for css in element.get("class") or []:
            if css.startswith("language-"):
                return css.removeprefix("language-")
    return None


def to_markdown(fragment: str, dialect: str = PELICAN) -> str:
    converter = CommonsMarkdown(
        heading_style="ATX",
        bullets="-",
        escape_misc=False,
        table_infer_header=True,
        code_language_callback=_code_language,
        newline_style="spaces",
        dialect=dialect,
    )
    markdown = re.sub(r"\n{3,}", "\n\n", converter.convert(fragment)).strip() + "\n"
    return CODE_BLOCK_MARK.sub(lambda m: converter.code_blocks[int(m[1])], markdown)


class Localiser:
    """The lxml pass: images and uploads made local, links to old posts made {filename}."""

    def __init__(self, site: Site, body: Body, uploads: str = UPLOADS_COPIED):
        self.site = site
        self.body = body
        self.uploads = uploads

    def upload(self, url: str, kind: str) -> str | None:
        """The `{static}` address of the upload `url` names, to be copied by the caller
        (Body.images_copied), or None when it stays where it is."""
        relative = upload_path(url, self.site)
        if relative is None or self.site.uploads is None or self.uploads == UPLOADS_LEFT:
            return None
        try:
            plain_parts(relative)
        except WriteRefused as refused:
            self.body.problems.append(f"upload left at its old address: {refused}")
            return None
        uploads = self.site.uploads.resolve()
        # A sized copy is brought home as its original when the export lists that
        # upload; else as itself, or, missing, as the original found in the folder.
        originals = original_uploads(relative)
        listed = [o for o in originals if o in self.site.attachment_uploads]
        for candidate in dict.fromkeys([*listed, relative, *originals]):
            source = uploads / candidate
            if not source.is_file():
                continue
            if source.resolve() != source:
                self.body.problems.append(
                    f"upload {candidate!r} is reached through a symbolic link in the uploads "
                    "folder: not copied. Fix: put the file itself there."
                )
                return None
            if self.uploads == UPLOADS_SHARED and candidate not in self.site.published_uploads:
                if candidate not in self.body.draft_images:
                    self.body.draft_images.append(candidate)
                return None
            self.body.images_copied.setdefault(candidate, source)
            return "{static}/images/" + quote(candidate)
        if kind == "image":
            self.body.problems.append(f"upload {relative} is not in the uploads folder")
        return None

    def run(self, fragment: str, footnotes: dict[str, str] | None = None) -> str:
        if not fragment.strip():
            return ""
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
        if footnotes:
            self._mark_footnotes(root, footnotes)
        for element in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
            _remove_keeping_tail(element)
        for element in list(root.iter("script", "style", "form")):
            self.body.problems.append(f"<{element.tag}> left out")
            element.drop_tree()
        for element in list(root.iter("iframe", "object", "embed")):
            url = element.get("src") or element.get("data") or ""
            self._replace_with_link(element, url, f"<{element.tag}>")
        for element in list(root.iter("audio", "video")):
            url = element.get("src") or next(
                (s.get("src") for s in element.iter("source") if s.get("src")), ""
            )
            if element.tag in self.site.media_elements and url:
                element.set("src", self.upload(url, "media") or url)
                for child in list(element):
                    element.remove(child)
            else:
                self._replace_with_link(element, url, f"<{element.tag}>")
        for element in list(root.iter("div", "figure")):
            if "wp-block-embed__wrapper" in (element.get("class") or ""):
                url = (element.text_content() or "").strip()
                if url.startswith(("http://", "https://")) and len(url.split()) == 1:
                    element.clear()
                    link = etree.SubElement(element, "a", href=url)
                    link.text = url
        for image in root.iter("img"):
            src = self._absolute(image.get("src") or "")
            image.set("src", src)
            if not (image.get("alt") or "").strip():
                # Pelican refuses an empty alt; the file's name says at least what it was.
                stem = PurePosixPath(urlsplit(src).path).stem
                image.set("alt", re.sub(r"[-_]+", " ", stem).strip() or "image")
            local = self.upload(src, "image")
            if local:
                image.set("src", local)
            elif src.startswith(("http://", "https://", "//")):
                self.body.remote_images.append(src)
                if not is_own_address(src, self.site):
                    self.body.other_sites_images.append(src)
        for anchor in root.iter("a"):
            href = anchor.get("href") or ""
            address = old_address(href, self.site)
            if address and address in self.site.links:
                anchor.set("href", self.site.links[address])
            elif upload_path(href, self.site) and self.upload(href, "file"):
                anchor.set("href", self.upload(href, "file"))
            elif href:
                anchor.set("href", self._absolute(href))
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for name in list(element.attrib):
                if name not in KEPT_ATTRIBUTES and not (
                    name == "class" and element.tag in ("code", "pre")
                ):
                    del element.attrib[name]
        self._drop_unsafe_urls(root)
        return "".join(
            [html.escape(root.text or "", quote=False)]
            + [etree.tostring(child, encoding="unicode", method="html") for child in root]
        )

    def _drop_unsafe_urls(self, root) -> None:
        """Remove every address that would run something (javascript:, vbscript:,
        data:text/html, however spelt), whatever the site's GUARD['html'] policy: a
        link keeps its text, a picture or player without an address goes."""
        for element in list(root.iter()):
            if not isinstance(element.tag, str):
                continue
            for name in URL_ATTRIBUTES:
                value = element.get(name)
                if value is None or is_safe_url(value, image=element.tag == "img"):
                    continue
                start = value.strip()[:30]
                self.body.problems.append(f"<{element.tag} {name}={start!r}…> left out")
                del element.attrib[name]
            if element.tag in ("img", "audio", "video", "source") and element.get("src") is None:
                _remove_keeping_tail(element)

    def _mark_footnotes(self, root, footnotes: dict[str, str]) -> None:
        # Gutenberg's reference, <sup data-fn="ID"><a href="#ID">1</a></sup>,
        # becomes a marker that to_markdown keeps and footnote_markdown turns
        # into Markdown's [^1].
        for number, sup in enumerate(root.xpath("//sup[@data-fn]"), 1):
            note_id = sup.get("data-fn")
            if note_id not in footnotes:
                continue
            marker = etree.Element("span")
            marker.text = f"{FOOTNOTE_MARKER}{number}{FOOTNOTE_MARKER}"
            marker.tail = sup.tail
            sup.getparent().replace(sup, marker)
            self.body.footnotes.append((number, note_id))

    def _absolute(self, url: str) -> str:
        """A relative address made absolute on the old site (it is not part of the import)."""
        if not url or not self.site.old_base or urlsplit(url).scheme or url.startswith("#"):
            return url
        return urljoin(self.site.old_base, url)

    def _replace_with_link(self, element, url: str, what: str) -> None:
        if url.startswith(("http://", "https://", "//")):
            paragraph = lxml_html.fragment_fromstring(_link(url))
            paragraph.tail = element.tail
            element.getparent().replace(element, paragraph)
        else:
            self.body.problems.append(f"{what} without an address left out")
            element.drop_tree()


def _remove_keeping_tail(element) -> None:
    parent = element.getparent()
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


class CodeKept:
    """<pre> and <code> contents set aside while the text around them is processed
    (shortcodes, embeds, paragraphs), and put back as they were."""

    def __init__(self):
        self.kept: list[str] = []

    def hide(self, text: str) -> str:
        def keep(match):
            self.kept.append(match[3])
            return f"{match[1]}\x02{len(self.kept) - 1}\x02{match[4]}"

        return CODE_ELEMENT.sub(keep, text)

    def show(self, text: str) -> str:
        return KEPT_CODE.sub(lambda m: self.kept[int(m[1])], text)


def _prepare(text: str, site: Site, post_id: str, body: Body) -> str:
    code = CodeKept()
    text = code.hide(NOPAGING.sub("", text))
    blocks = "<!-- wp:" in text
    if blocks:
        text = strip_blocks(text, body)
    text = Shortcodes(site, post_id, body).expand(text)
    if not blocks:
        # WordPress turns a URL alone on its line into an embed (oEmbed): here, a link.
        text = URL_LINE.sub(lambda m: _link(m[1], m[1]), text)
        text = wpautop(text)
    return code.show(text)


def footnote_markdown(
    markdown: str, body: Body, footnotes: dict[str, str], site: Site, uploads: str
) -> str:
    """Markdown footnotes: each marker becomes [^n], and the notes follow the body."""
    markdown = FOOTNOTE_REFERENCE.sub(lambda m: f"[^{m[1]}]", markdown)
    notes = [
        f"[^{number}]: "
        + (one_line(convert_fragment(footnotes[note_id], site, body, uploads)) or note_id)
        for number, note_id in body.footnotes
    ]
    return markdown.rstrip() + ("\n\n" + "\n".join(notes) + "\n" if notes else "\n")


def convert_body(
    text: str,
    site: Site,
    post_id: str = "",
    footnotes: dict[str, str] | None = None,
    uploads: str = UPLOADS_COPIED,
) -> Body:
    """The Markdown of one post body, with the part before `<!--more-->` as its teaser.

    `footnotes` are the post's Gutenberg footnotes (id -> HTML), which WordPress
    keeps outside the body; they become Markdown footnotes. `uploads`: what
    becomes of the uploads it shows (UPLOADS_COPIED, _SHARED or _LEFT).
    """
    body = Body(markdown="")
    parts = MORE.split(text, maxsplit=1)
    localiser = Localiser(site, body, uploads)
    if len(parts) == 2:
        # The teaser repeats the body's start: what it finds is reported once, below.
        scratch = Body(markdown="")
        teaser_html = Localiser(site, scratch, uploads).run(
            _prepare(parts[0], site, post_id, scratch)
        )
        body.teaser = one_line(to_markdown(teaser_html))
    whole = _prepare(MORE.sub("", text), site, post_id, body)
    body.markdown = to_markdown(localiser.run(whole, footnotes))
    if body.footnotes:
        body.markdown = footnote_markdown(body.markdown, body, footnotes or {}, site, uploads)
    body.teaser = FOOTNOTE_REFERENCE.sub("", body.teaser)
    return body


def convert_fragment(
    text: str,
    site: Site,
    body: Body | None = None,
    uploads: str = UPLOADS_LEFT,
    dialect: str = PELICAN,
) -> str:
    """Markdown for a small piece of WordPress text (an excerpt, a footnote, a comment).

    A post's excerpt or footnote gives the post's `body`, which collects what
    it finds, and its `uploads`; a comment's uploads stay where they are, and
    its `dialect` is ISSO (the comment server renders it).
    """
    body = Body(markdown="") if body is None else body
    code = CodeKept()
    expanded = code.show(wpautop(Shortcodes(site, "", body).expand(code.hide(text))))
    return to_markdown(Localiser(site, body, uploads).run(expanded), dialect)


def one_line(markdown: str) -> str:
    """Markdown on one line, as a metadata value must be (paragraphs joined by a space)."""
    return re.sub(r"\s+", " ", markdown).strip()

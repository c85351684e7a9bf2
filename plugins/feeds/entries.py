"""Pure functions that turn a post into feed data: ids, absolute links, discussion links."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote, urljoin

import lxml.html
from lxml import etree

from commons.errors import InputError
from commons.urls import absolute_url

DISCUSSION_ANCHOR = "discussion"
# Characters RFC 4151 allows, unescaped, in a tag URI's specific part.
TAG_SPECIFIC_SAFE = "-._~!$&'()*+,;=:@/?"


def tag_uri(authority: str, tag_date: str, specific: str) -> str:
    """An RFC 4151 tag URI; it names a thing, it is not an address."""
    return f"tag:{authority},{tag_date}:{quote(specific, safe=TAG_SPECIFIC_SAFE)}"


def entry_id(options: dict, article, default_lang: str | None = None) -> str:
    """A post's feed id: stable when the domain, the URL or the title change.

    It is built on what identifies a post for good, its discussion thread's
    id, as the discussion plugin worked it out (Comments_id, else the slug).
    A translation shares its original's slug, so its language is part of its id.
    """
    specific = f"post/{article.discussion.thread_id}"
    lang = getattr(article, "lang", None)
    if lang and default_lang and lang != default_lang:
        specific += f"/{lang}"
    return tag_uri(options["id_authority"], options["id_date"], specific)


def feed_id(options: dict, key: str) -> str:
    return tag_uri(options["id_authority"], options["id_date"], f"feed/{key}")


FEED_TITLES = {
    "category": "{sitename}: {name}",
    "tag": "{sitename}: posts tagged {name}",
    "author": "{sitename}: posts by {name}",
    "translation": "{sitename} ({name})",
}


def feed_title(sitename: str, kind: str, name: str | None = None) -> str:
    """A feed's title, as a feed reader lists it among a subscriber's other feeds."""
    if not name:
        return sitename
    return FEED_TITLES.get(kind, "{sitename}: {name}").format(sitename=sitename, name=name)


def discussion_link(article, base: str) -> str | None:
    """The absolute address of a post's discussion, or None when it has none.

    Reads only the discussion plugin's public object (`enabled`, `url`, `anchor`),
    and reads it defensively: without that plugin a post simply has no link.
    """
    discussion = getattr(article, "discussion", None)
    if discussion is None or not getattr(discussion, "enabled", False):
        return None
    page = absolute_url(base, getattr(discussion, "url", None) or article.url)
    anchor = getattr(discussion, "anchor", None) or DISCUSSION_ANCHOR
    return f"{page.split('#', 1)[0]}#{anchor}"


# libxml2 stops at 256 levels of nesting unless told otherwise, and then drops
# the rest of the post without an exception; huge_tree lifts that to 2,048.
MAX_DEPTH = 2048


class FeedContentError(InputError):
    """A post's HTML cannot be carried whole into a feed."""


def _snapshot(article):
    discussion = getattr(article, "discussion", None)
    if discussion is None or not getattr(discussion, "enabled", False):
        return None
    return getattr(discussion, "snapshot", None)


def snapshot_count(article) -> int | None:
    """The number of published comments in the post's comment snapshot, if it has one."""
    snapshot = _snapshot(article)
    count = getattr(snapshot, "count", None)
    return count if isinstance(count, int) else None


def snapshot_feed(article) -> str | None:
    """The comment server's feed of the post's thread (Isso's /feed?uri=), if it has one."""
    snapshot = _snapshot(article)
    feed = getattr(snapshot, "feed", None)
    return feed if isinstance(feed, str) and feed.startswith(("http://", "https://")) else None


def absolutize_html(fragment: str, page_url: str) -> str:
    """An HTML fragment with every link and image made absolute against `page_url`.

    A feed reader shows the post away from the site, where `../images/a.jpg` or
    `#note-1` means nothing. Raises FeedContentError rather than lose any of it.
    """
    if not fragment or not fragment.strip():
        return fragment or ""
    if links_all_absolute(fragment, page_url):
        # Production bodies link with the site's address: parsing and
        # writing them again would give back the same HTML.
        return fragment
    parser = lxml.html.HTMLParser(huge_tree=True)
    root = lxml.html.fragment_fromstring(fragment, create_parent="div", parser=parser)
    lost = [error for error in parser.error_log if error.type_name == "ERR_RESOURCE_LIMIT"]
    if lost:
        raise FeedContentError(
            f"its HTML is nested more than {MAX_DEPTH:,} elements deep, and the feeds "
            f"would lose what lies deeper ({lost[0].message.strip()})"
        )
    root.make_links_absolute(page_url, resolve_base_href=False, handle_failures="ignore")
    # lxml leaves srcset (a list of candidates) and poster alone.
    for element in root.iter(etree.Element):
        if element.get("poster"):
            element.set("poster", urljoin(page_url, element.get("poster").strip()))
        if element.get("srcset"):
            element.set("srcset", _absolute_srcset(element.get("srcset"), page_url))
    leading = html.escape(root.text, quote=False) if root.text else ""
    return leading + "".join(
        lxml.html.tostring(child, encoding="unicode", method="html") for child in root
    )


# What lxml's make_links_absolute reads as one URL (lxml.html.defs.link_attrs).
LINK_ATTRIBUTES = frozenset(
    {
        *("action", "archive", "background", "cite", "classid", "codebase", "data", "href"),
        *("longdesc", "profile", "src", "usemap", "dynsrc", "lowsrc", "formaction"),
        "xlink:href",
    }
)
# A start tag's name, then one attribute at a time, as HTML's tokenizer reads
# them (a stray quote or "=" is part of a name), then the tag's end.
TAG_START = re.compile(r"<[a-zA-Z][^\s/>]*")
ATTRIBUTE = re.compile(r"""[\s/]*([^\s/>][^\s/>=]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")
TAG_END = re.compile(r"[\s/]*>")
# A start tag that the attribute-by-attribute reading below passes without a
# link to check: a bare name, or a name and one class in double quotes (most
# tags of a body, and every token of highlighted code). The scan reads only
# the other tags. (A tag start inside a passed tag's name is such a tag too.)
OTHER_TAG_START = re.compile(r'<[a-zA-Z][^\s/>]*+(?!(?: class="[^"]*")?>)')
# Where the text is not read as tags (comments, scripts and other raw text),
# where lxml finds links other than in a single URL attribute (an object's
# archive list, a meta refresh, a param, CSS), or where absolutize_html
# rewrites them itself (srcset, poster), in lower-cased text: such a fragment
# is always parsed.
NOT_SCANNED = re.compile(
    r"<[!?]|<(?:script|textarea|title|xmp|noscript|iframe|noembed|noframes|plaintext"
    r"|object|meta|param|style)\b|style\s*=|srcset|poster|url\(|@import"
)
# A character reference other than &amp;: lxml's parser and Python's unescape
# may read it differently, so a value holding one is left to the parser.
OTHER_REFERENCE = re.compile(r"&[#A-Za-z]")
# Tags above which the scan gives up: fewer tags than this cannot nest past
# MAX_DEPTH, even inside the elements the parser wraps a fragment in.
SCAN_MAX_TAGS = MAX_DEPTH // 2


def links_all_absolute(fragment: str, page_url: str) -> bool:
    """Whether a scan of the text proves that absolutize_html has nothing to change.

    True only when every URL attribute of every start tag is already what lxml
    would make of it against `page_url`, no other kind of link appears, no
    text is read other than as markup (comments, scripts), and the fragment
    has too few tags to nest past MAX_DEPTH. Whatever the scan is unsure of
    makes the answer False, which is always safe: the fragment is then parsed.
    """
    if fragment.count("<") > SCAN_MAX_TAGS or NOT_SCANNED.search(fragment.lower()):
        return False
    for tag in OTHER_TAG_START.finditer(fragment):
        position = tag.end()
        while (attribute := ATTRIBUTE.match(fragment, position)) is not None:
            position = attribute.end()
            if attribute.group(1).lower() not in LINK_ATTRIBUTES:
                continue
            value = next((group for group in attribute.groups()[1:] if group is not None), "")
            if not url_kept(value, page_url):
                return False
        if not TAG_END.match(fragment, position):
            return False  # a tag the text does not close
    return True


def url_kept(value: str, page_url: str) -> bool:
    """Whether lxml leaves an attribute written as `value` as it is (a False may be unsure)."""
    value = value.replace("&amp;", "&")
    if OTHER_REFERENCE.search(value):
        return False
    try:
        return urljoin(page_url, value.strip()) == value
    except ValueError:
        return False


def _absolute_srcset(srcset: str, page_url: str) -> str:
    candidates = []
    for candidate in srcset.split(","):
        parts = candidate.strip().split(None, 1)
        if not parts:
            continue
        parts[0] = urljoin(page_url, parts[0])
        candidates.append(" ".join(parts))
    return ", ".join(candidates)


@dataclass(frozen=True)
class FeedDescription:
    """What a feed file is about: its kind, its subject's slug, its page on the site."""

    kind: str  # "all", "posts", "category", "tag", "author", "translation" or "other"
    slug: str
    page_url: str  # site-relative URL of the page that lists the same posts

    @property
    def key(self) -> str:
        return self.kind if not self.slug else f"{self.kind}/{self.slug}"


# (kind, Atom setting, RSS setting, setting of the matching page's URL)
FEED_KINDS = (
    ("all", "FEED_ALL_ATOM", "FEED_ALL_RSS", None),
    ("posts", "FEED_ATOM", "FEED_RSS", None),
    ("category", "CATEGORY_FEED_ATOM", "CATEGORY_FEED_RSS", "CATEGORY_URL"),
    ("tag", "TAG_FEED_ATOM", "TAG_FEED_RSS", "TAG_URL"),
    ("author", "AUTHOR_FEED_ATOM", "AUTHOR_FEED_RSS", "AUTHOR_URL"),
    ("translation", "TRANSLATION_FEED_ATOM", "TRANSLATION_FEED_RSS", None),
)


def describe_feed(path: str, settings: dict) -> FeedDescription:
    """Recognise a feed file by matching its path against the feed path settings."""
    for kind, atom_setting, rss_setting, page_setting in FEED_KINDS:
        for setting in (atom_setting, rss_setting):
            pattern = settings.get(setting)
            if not pattern:
                continue
            slug = _match_pattern(str(pattern), path)
            if slug is None:
                continue
            page_url = ""
            if page_setting and slug:
                page_url = str(settings.get(page_setting, "")).format(slug=slug)
            return FeedDescription(kind, slug, page_url)
    stem = re.sub(r"(\.(atom|rss))?\.xml$", "", path)
    return FeedDescription("other", stem, "")


def _match_pattern(pattern: str, path: str) -> str | None:
    """The {slug} (or {lang}) a feed path setting produced `path` with; "" if it has none."""
    regex = re.escape(pattern)
    for field in ("slug", "lang"):
        regex = regex.replace(re.escape("{" + field + "}"), "(?P<value>.+?)")
    match = re.fullmatch(regex, path)
    if match is None:
        return None
    return match.groupdict().get("value") or ""

"""A corpus of hostile posts: every field an editor controls carries markup,
script breakers, quotes, ampersands, Jinja syntax, emoji, right-to-left text,
very long strings and a NUL byte.

`write_corpus(folder)` adds the posts to a content folder and returns what a
reader must see for each, so tests can check every value came out as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MARKER = "hostile-marker"
# Each payload, if it were not escaped, would add an element or run a script.
BREAKERS = (
    f'</script><script>window.__pwned=1</script><b class="{MARKER}">b</b>'
    f"<img src=x onerror=window.__pwned=2 class={MARKER}> \" ' & &amp; "
    "{{ 7*7 }} {% raw %}x{% endraw %} 🎉 مرحبا بالعالم"
)
# The summary is Markdown (HTML allowed, under the GUARD['html'] policy): its
# payload is script and handlers, which no policy but "keep" lets through.
SUMMARY_BREAKERS = (
    '</script><script>window.__pwned=5</script><b class="summary-markup" '
    'onmouseover="window.__pwned=6">bold</b> " \' & {{ 7*7 }} 🎉 مرحبا'
)
LONG = "Long " + "very " * 398 + "long"  # 2,000 characters
NUL = "\x00"


@dataclass(frozen=True)
class HostilePost:
    filename: str
    title: str
    fields: dict[str, str]
    body: str

    @property
    def shown_title(self) -> str:
        """The title as a reader must see it: the same text, minus control characters."""
        return self.title.replace(NUL, "")


POSTS = [
    HostilePost(
        filename="hostile-title.md",
        title=f"Quote \" ' & {BREAKERS}",
        fields={
            "Date": "2024-02-01 10:00",
            "Category": f"Community, Odd {BREAKERS}",
            "Tags": f"safe, tag {BREAKERS}",
            "Author": f"Eve {BREAKERS}",
            "Summary": f"Summary {SUMMARY_BREAKERS}",
            "Image_credit": f"Credit {BREAKERS}",
            "Comments_id": f"thread {BREAKERS}",
            "Slug": f"slug {BREAKERS}",
        },
        body=(
            f'A paragraph with raw HTML: <span class="{MARKER}-body">kept?</span>\n\n'
            "<script>window.__pwned=3</script>\n\n"
            '<p onclick="window.__pwned=4">Click me</p>\n\n'
            "Jinja in the body: {{ SITENAME }} {% if true %}x{% endif %}\n"
        ),
    ),
    HostilePost(
        filename="hostile-long.md",
        title=LONG,
        fields={
            "Date": "2024-02-02 10:00",
            "Category": LONG,
            "Tags": LONG,
            "Summary": LONG,
            # Comments_id is capped (the discussion plugin refuses more than
            # 200 characters, with a fix): test_bad_input checks that error.
        },
        body="A post whose every field is two thousand characters long.\n",
    ),
    HostilePost(
        filename="hostile-nul.md",
        title=f"Nul{NUL} byte and שלום עולם right-to-left",
        fields={"Date": "2024-02-03 10:00", "Category": "Community", "Tags": f"nul{NUL}tag"},
        body=f"A body with a NUL{NUL} byte.\n",
    ),
]


def write_corpus(content: Path) -> list[HostilePost]:
    for post in POSTS:
        header = "".join(f"{key}: {value}\n" for key, value in post.fields.items())
        (content / post.filename).write_text(
            f"Title: {post.title}\n{header}\n{post.body}", encoding="utf-8"
        )
    return POSTS


# DOM clobbering: content that names elements after what the theme's scripts
# read. Each post is one class of payload; `{evil}` is the origin of a server
# that records what it is asked for and serves script that sets __pwned.
FORGED_CONFIG = (
    '{"mode":"eager","storageKey":"commons.discussion.isso",'
    '"countUrl":"{evil}/count","isso":{"lang":"en","css":true}}'
)
# Settings of a permissive site: its maintainer lets editors write name=
# attributes and inputs. Names are namespaced all the same.
PERMISSIVE_BODY_HTML = {
    "policy": "sanitize",
    "extra_tags": ["input"],
    "extra_attributes": {"img": ["name"], "a": ["name"], "input": ["name", "form"]},
}
# The adapter script a forged `document.currentScript` would point at.
EVIL_ADAPTER = "window.__pwned = 'adapter';\n"


@dataclass(frozen=True)
class ClobberPost:
    slug: str
    summary: str
    body: str

    def text(self, evil: str) -> str:
        fields = {"Title": f"Clobber {self.slug}", "Date": "2024-03-01 10:00"}
        fields |= {"Slug": self.slug, "Category": "Community", "Summary": self.summary}
        header = "".join(f"{key}: {value}\n" for key, value in fields.items())
        return (header + "\n" + self.body).replace("{evil}", evil)


CLOBBER_POSTS = [
    # A raw element with the id of the theme's configuration block: eager
    # loading, counts from another origin, on the post and (summary) on listings.
    ClobberPost(
        "clobber-config-html",
        f'<div id="discussion-config">{FORGED_CONFIG}</div>',
        f'<div id="discussion-config">{FORGED_CONFIG}</div>\n\nWhat do you think?\n',
    ),
    # The same with Markdown alone: attr_list's `{: #id }`.
    ClobberPost(
        "clobber-config-markdown",
        "A summary.",
        f"`{FORGED_CONFIG}`\n{{: #discussion-config }}\n\nWhat do you think?\n",
    ),
    # name= shadows document's own properties: a forged currentScript makes the
    # adapter load from another origin; forms' inputs shadow document fields.
    ClobberPost(
        "clobber-names",
        '<img name="currentScript" src="{evil}/evil/discussion.js" alt="x">',
        '<img name="currentScript" src="{evil}/evil/discussion.js" alt="x">\n'
        '<img name="head" src="{evil}/pixel.png" alt="x">\n'
        '<input name="documentElement" form="discussion-config">\n'
        '<a name="querySelector">anchor</a>\n\nWhat do you think?\n',
    ),
    # The ids of the comment widget's own containers and of the theme's section.
    ClobberPost(
        "clobber-widget",
        '<div id="isso-thread">summary</div>',
        '<div id="isso-thread">Not the thread.</div>\n<div id="isso-root"></div>\n\n'
        "What do you think?\n",
    ),
    ClobberPost(
        "clobber-section",
        "A summary.",
        '<div id="discussion">Not the discussion.</div>\n\n'
        "## Heading\n{: #discussion-heading }\n\nWhat do you think?\n",
    ),
    # A global the scripts guard on, shadowed by an element.
    ClobberPost(
        "clobber-global",
        "A summary.",  # on a listing, it would hide what the others do
        '<a id="commonsDiscussion" href="#">x</a> <a id="remark_config" href="#">y</a>\n\n'
        "What do you think?\n",
    ),
]


def write_clobber_corpus(content: Path, evil: str) -> list[ClobberPost]:
    for post in CLOBBER_POSTS:
        (content / f"{post.slug}.md").write_text(post.text(evil), encoding="utf-8")
    return CLOBBER_POSTS


# Ids that content sets, in every way it can: attr_list, footnotes, raw HTML
# (ids, names, id references), in the body and in the summary; and same-post
# links to them, which must keep working once the ids are namespaced.
IDS_POST = """Title: Ids in a post
Date: 2024-04-01 10:00
Slug: ids-in-a-post
Category: Community
Summary: A summary with <span id="summary-id">an id</span> and [a link](#summary-id).

See [the plan](#plan), [the box](#box), [the table](#table) and a note[^1].
[Join the discussion](#discussion) below.

## The plan {: #plan }

<div id="box">A box</div>

<table id="table"><tr><th id="head">A</th></tr><tr><td headers="head">1</td></tr></table>

[^1]: The note.
"""
IDS_POST_SLUG = "ids-in-a-post"
# Another post linking to the first one's ids, and to its discussion.
LINKING_POST = f"""Title: Linking to ids
Date: 2024-04-02 10:00
Slug: linking-to-ids
Category: Community

See [its plan]({{filename}}{IDS_POST_SLUG}.md#plan), [its box]({{filename}}/{IDS_POST_SLUG}.md#box)
and <a href="{{filename}}{IDS_POST_SLUG}.md#discussion">its discussion</a>.
"""


# The edges (issue 23): redirect lines, uploads and drafts an editor (or an
# import) writes. One case per class of hole; each names what the build says.
REDIRECT_TARGET = "{filename}/sharing-your-work-and-coworking-to-share.md"
HOSTILE_REDIRECTS = [
    # (id, old path, what the refusal says)
    ("kept-file", "/CNAME", "a file kept across builds (OUTPUT_RETENTION)"),
    ("kept-folder", "/.well-known/acme-challenge/token", "hidden file or folder"),
    ("kept-folder-cased", "/cname/", "a file kept across builds (OUTPUT_RETENTION)"),
    ("git", "/.git/config", "hidden file or folder (.git)"),
    ("server-config", "/.htaccess", "hidden file or folder (.htaccess)"),
    ("encoded-hidden", "/blog/%2Ehtaccess", "hidden file or folder (.htaccess)"),
    ("feed", "/feeds/all.atom.xml", "the feed FEED_ALL_ATOM sets"),
    ("headers-file", "/_headers", "the security headers file"),
    ("redirects-file", "/_redirects", "the redirects file"),
    ("theme-file", "/theme/css/site.css", "the theme's files"),
    ("splat", "/old/*", "wildcard (*)"),
    ("placeholder", "/old/:slug/", "placeholder (:name)"),
]

# Uploads: (id, file name, bytes). Each is served by a common server under a
# type a browser runs or renders as a document, or as its own configuration.
UPLOAD_SCRIPT = b"window.__pwned = 'script';\n"


def xhtml_loading(script: str) -> bytes:
    return (
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title>'
        f'<script src="{script}"></script></head><body>x</body></html>'
    ).encode()


HOSTILE_UPLOADS = [
    ("xhtm", "page.xhtm", xhtml_loading("page.es")),
    ("xht", "page.xht", xhtml_loading("module.mjs")),
    ("es", "page.es", UPLOAD_SCRIPT),
    ("mjs", "module.mjs", UPLOAD_SCRIPT),
    ("shtml", "page.shtml", b"<script src='page.es'></script>"),
    ("xsl", "style.xsl", b'<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>'),
    ("wasm", "code.wasm", b"\x00asm\x01\x00\x00\x00"),
    ("appcache", "site.appcache", b"CACHE MANIFEST\n"),
    ("svgz", "drawing.svgz", b"\x1f\x8b\x08\x00"),
    ("double-extension", "photo.html.jpg", b"<script>window.__pwned = 1</script>"),
    ("hidden", ".htaccess", b"AddType text/html .jpg\n"),
    ("hidden-folder", ".well-known/security.txt", b"Contact: mailto:x@example.org\n"),
    ("unknown-markup", "notes.jsm", b"  <html><script>window.__pwned = 1</script></html>"),
]
# Uploads that are served as types no browser runs: they pass.
INERT_UPLOADS = [
    ("photo.jpg", b"\xff\xd8\xff\xe0 not really a JPEG"),
    ("report.2024.pdf", b"%PDF-1.4\n"),
    ("captions.vtt", b"WEBVTT\n"),
    ("notes.txt", b"<b>plain text, shown as such</b>"),
    ("archive.tar.gz", b"\x1f\x8b\x08\x00"),
    ("font.woff2", b"wOF2"),
    ("data.unknownext", b"binary \x00 data"),
]

# Drafts, in every language, and a published page that asks for the list of
# drafts: none of DRAFT_SECRET may reach a production build.
DRAFT_SECRET = "hostile-draft-secret"
HOSTILE_DRAFTS = {
    "secret-draft.md": (
        "Title: Secret plans\nDate: 2024-05-01 10:00\nStatus: draft\nSlug: secret-plans\n"
        f"Category: Community\nSummary: {DRAFT_SECRET} in a summary\n\n{DRAFT_SECRET} en\n"
    ),
    "secret-draft-fr.md": (
        "Title: Plans secrets\nDate: 2024-05-01 10:00\nStatus: draft\nSlug: secret-plans\n"
        f"Lang: fr\nCategory: Community\nSummary: {DRAFT_SECRET} résumé\n\n{DRAFT_SECRET} fr\n"
    ),
    "pages/secret-page.md": (
        f"Title: Secret page\nStatus: draft\nSlug: secret-page\n\n{DRAFT_SECRET} page en\n"
    ),
    "pages/secret-page-fr.md": (
        "Title: Page secrète\nStatus: draft\nSlug: secret-page\nLang: fr\n\n"
        f"{DRAFT_SECRET} page fr\n"
    ),
    "pages/every-draft.md": "Title: Every draft\nTemplate: drafts\nSlug: every-draft\n\nA list.\n",
}


def write_drafts(content: Path) -> None:
    for name, text in HOSTILE_DRAFTS.items():
        (content / name).write_text(text, encoding="utf-8")

"""A synthetic but realistic blog corpus, written deterministically from a seed.

Every post is about 450 words of community-blog Markdown: headings,
paragraphs with inline and internal links, emphasis and inline code, a bullet
or numbered list, an image, a fenced code block in about half of the posts,
one or two categories, two to four tags, one of a few authors (some posts name
none, as Commons allows), dates spread over six years, and the Commons
metadata (Summary, Comments_id, sometimes Modified and Image_credit).

The same posts can be written for Pelican (Commons and plain Pelican) or for
Hugo, with the same bodies, so that the three builds read the same text:

    python -m bench.corpus --posts 1000 --seed 1 --out /tmp/corpus
    python -m bench.corpus --posts 1000 --seed 1 --out /tmp/hugo-site --format hugo

The output depends only on (posts, seed): the same arguments give
byte-identical files on any machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("pelican", "hugo")
MARKER = ".bench-corpus"
HUGO_LAYOUTS = Path(__file__).resolve().parent / "hugo" / "layouts"
TIMEZONE = "America/Denver"  # the same zone as pelicanconf.py
FIRST_DAY = datetime.datetime(2019, 1, 7, 8, 0)
SPAN_DAYS = 6 * 365
IMAGE_COUNT = 12
WORDS_PER_POST = (420, 480)

CATEGORIES = [
    "Community",
    "Coworking",
    "Events",
    "Members",
    "Workshops",
    "Neighbourhood",
    "Sustainability",
]
TAGS = [
    "tool library", "skills swap", "lunch and learn", "mentoring", "freelancing",
    "remote work", "bike parking", "coffee", "quiet room", "open house",
    "book club", "repair café", "garden", "accessibility", "childcare",
    "pricing", "membership", "newsletter", "volunteering", "local business",
    "podcasting", "photography", "design", "writing", "open source",
    "side projects", "wellbeing", "meetups", "hackathon", "careers",
    "fundraising", "recycling", "food", "music night", "board games",
    "language exchange", "workspace", "internet", "printing", "conference room",
]  # fmt: skip
AUTHORS = ["Alex Rivera", "Sam Okafor", "Priya Natarajan", "Jo Lindqvist", "Maya Chen"]

TITLE_OPENERS = [
    "What We Learned From", "Notes On", "Why We Started", "A Month Of", "Rethinking",
    "The Case For", "Behind The Scenes Of", "Five Lessons From", "Making Room For",
    "Looking Back On", "Getting Started With", "An Honest Review Of",
]  # fmt: skip
TITLE_SUBJECTS = [
    "The Tool Library", "Our Skills Swap", "Friday Lunch And Learns", "The Quiet Room",
    "Shared Bike Parking", "The Community Garden", "Our Mentoring Circle",
    "Member Open Houses", "The Repair Café", "Remote Work Fridays", "The Book Club",
    "Our Booking System", "Neighbourhood Walks", "The Coffee Rota", "Childcare Mornings",
    "Sliding-Scale Memberships", "The Podcast Corner", "Volunteer Evenings",
    "The Side-Project Night", "Our First Hackathon", "Language Exchange Tables",
    "The Print Shop Partnership", "Board Game Night", "Open Studio Days",
]  # fmt: skip
SUBJECTS = [
    "Our members", "The events committee", "A few of us", "Everyone at the space",
    "The Tuesday crowd", "Newer members", "The freelancers upstairs", "Our neighbours",
    "The front-desk team", "A small working group", "The regulars", "Two long-time members",
]  # fmt: skip
VERBS = [
    "started", "talked through", "tried out", "shared", "built", "planned", "organised",
    "tested", "rethought", "celebrated", "wrote up", "argued about", "quietly fixed",
    "borrowed", "simplified", "measured",
]  # fmt: skip
OBJECTS = [
    "a tool library", "the shared kitchen", "a skills swap", "the quiet room rules",
    "a lunch-and-learn series", "better bike parking", "the community garden",
    "a mentoring circle", "our booking system", "the coffee rota", "a repair evening",
    "the notice board", "a members' newsletter", "the guest policy", "a childcare morning",
    "the heating schedule", "a local supplier list", "the onboarding checklist",
]  # fmt: skip
COMPLEMENTS = [
    "last month", "after a long discussion", "with surprisingly little fuss",
    "for the first time", "on a rainy Friday", "because someone finally asked",
    "with help from the neighbours", "to see what would stick", "on a shoestring budget",
    "over several weeks", "without a single meeting", "after the spring open house",
    "with a borrowed projector", "in the back room",
]  # fmt: skip
REFLECTIONS = [
    "It turned out to be easier than any of us expected.",
    "Not everything worked, and that was fine.",
    "What surprised us most was how many people wanted to help.",
    "The hardest part was deciding who would keep it going.",
    "We kept the rules short so that nobody needed to read them twice.",
    "Most of the cost was time, not money.",
    "A handful of people did most of the work, and we want to change that.",
    "The feedback we got was kinder and more specific than we feared.",
    "We wrote everything down so that the next group can start faster.",
    "Small, regular habits beat one big launch every time.",
    "Some of the best ideas came from people who had joined that week.",
    "We learned to ask before assuming what members need.",
]  # fmt: skip
QUESTIONS = [
    "What would you add to the list?",
    "Which of these would you actually use?",
    "Have you tried something like this somewhere else?",
    "What should we try next month?",
    "Tell us what worked for you in the comments.",
    "What would make you more likely to join in?",
]  # fmt: skip
HEADINGS = [
    "How it started", "What we tried", "What worked", "What did not", "The numbers",
    "What members said", "What it cost", "What comes next", "How to join in",
    "A few details", "The plan for spring", "Who made it happen",
]  # fmt: skip
LIST_ITEMS = [
    "a sign-up sheet by the kitchen door", "one shared calendar instead of three",
    "a shelf with clear labels", "a short welcome note for newcomers",
    "a monthly check-in over breakfast", "a box for broken things to be repaired",
    "a rota that fits on one page", "reminders in the members' chat",
    "spare chargers at the front desk", "a quiet hour every morning",
    "name badges for open days", "a donation jar for the coffee fund",
]  # fmt: skip
LINK_TARGETS = [
    ("the Coworking Wiki", "https://wiki.coworking.org/"),
    ("our event calendar", "https://example.org/calendar/"),
    ("the city's small-business guide", "https://example.org/city/small-business/"),
    ("a good write-up on shared workspaces", "https://example.org/articles/shared-spaces"),
    ("the repair café network", "https://www.repaircafe.org/en/"),
    ("our member handbook", "https://example.org/handbook/"),
]  # fmt: skip
INLINE_CODE = ["`#general`", "`events@cohere.example`", "`door code`", "`wifi-guest`"]
CODE_SNIPPETS = [
    (
        "python",
        "def seats_left(capacity, bookings):\n"
        '    """How many desks are still free today."""\n'
        "    return max(capacity - len(bookings), 0)\n"
        "\n"
        "print(seats_left(24, ['alex', 'sam', 'priya']))",
    ),
    (
        "sh",
        "# Print the booking sheet for the week\n"
        "lp -d front-desk -o sides=two-sided-long-edge bookings-week.pdf",
    ),
    (
        "yaml",
        "event: repair evening\nwhen: first Thursday, 18:30\nroom: workshop\nbring:\n"
        "  - broken lamp\n  - curiosity",
    ),
    (
        "json",
        '{\n  "room": "quiet room",\n  "capacity": 6,\n  "rules": ["no calls", "no meetings"]\n}',
    ),
    (
        "text",
        "Mon  09:00  Breakfast check-in\nWed  12:30  Lunch and learn\nFri  17:00  Show and tell",
    ),
]
IMAGE_SUBJECTS = [
    "Members around the big table during a lunch and learn",
    "The tool library shelves, labelled and half full",
    "Bikes parked along the new rack outside the front door",
    "A whiteboard covered in sticky notes after a planning session",
    "Seedlings on the windowsill of the community garden room",
    "The quiet room with its six desks and a reading lamp",
]
PHOTOGRAPHERS = ["Flickr – JW_00000", "Maya Chen", "Cohere members", "Unsplash – a neighbour"]


@dataclass
class Post:
    """One post, independent of the generator that will read it."""

    index: int
    title: str
    slug: str
    date: datetime.datetime
    modified: datetime.datetime | None
    categories: list[str]
    tags: list[str]
    author: str | None
    summary: str
    image_credit: str | None
    comments_id: str
    # The body is a list of blocks; links to other posts are kept as
    # (text, slug) pairs so each format can write them its own way.
    blocks: list = field(default_factory=list)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Writer:
    """Sentences for one post: each reflection is used at most once per post."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.reflections = rng.sample(REFLECTIONS, len(REFLECTIONS))

    def sentence(self) -> str:
        if self.reflections and self.rng.random() < 0.3:
            return self.reflections.pop()
        rng = self.rng
        words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
        return " ".join(words) + " " + rng.choice(COMPLEMENTS) + "."

    def paragraph(self, sentences: int) -> list:
        return [self.sentence() for _ in range(sentences)]


def _words(text: str) -> int:
    return len(text.split())


def make_posts(count: int, seed: int) -> list[Post]:
    """The corpus as data: `count` posts, a pure function of (count, seed)."""
    if count < 1:
        raise ValueError(f"--posts must be at least 1, got {count}")
    rng = random.Random(seed)
    posts: list[Post] = []
    used_titles: dict[str, int] = {}
    step = datetime.timedelta(days=SPAN_DAYS) / count
    for index in range(count):
        base_title = f"{rng.choice(TITLE_OPENERS)} {rng.choice(TITLE_SUBJECTS)}"
        seen = used_titles.get(base_title, 0)
        used_titles[base_title] = seen + 1
        title = base_title if seen == 0 else f"{base_title}, Part {seen + 1}"
        slug = slugify(title)
        day = FIRST_DAY + step * index
        date = day.replace(hour=rng.randint(7, 20), minute=rng.choice((0, 15, 30, 45)))
        date = date.replace(second=0, microsecond=0)
        modified = None
        if rng.random() < 0.2:
            modified = date + datetime.timedelta(days=rng.randint(1, 30), hours=rng.randint(0, 8))
        categories = sorted(rng.sample(CATEGORIES, 2 if rng.random() < 0.3 else 1))
        tags = sorted(rng.sample(TAGS, rng.randint(2, 4)))
        author = rng.choice(AUTHORS) if rng.random() < 0.9 else None
        post = Post(
            index=index,
            title=title,
            slug=slug,
            date=date,
            modified=modified,
            categories=categories,
            tags=tags,
            author=author,
            summary="",
            image_credit=rng.choice(PHOTOGRAPHERS) if rng.random() < 0.3 else None,
            comments_id=slug,
        )
        post.blocks = _body(rng, post, posts)
        post.summary = _summary(post)
        posts.append(post)
    return posts


def _body(rng: random.Random, post: Post, earlier: list[Post]) -> list:
    writer = _Writer(rng)
    target = rng.randint(*WORDS_PER_POST)
    headings = rng.sample(HEADINGS, 2)
    link_text, link_url = rng.choice(LINK_TARGETS)
    intro = writer.paragraph(2)
    intro.append(f"You can read more in [{link_text}]({link_url}).")
    middle = writer.paragraph(2)
    middle.insert(1, f"We used {rng.choice(INLINE_CODE)} to keep everyone **in the loop**.")
    if earlier:
        previous = rng.choice(earlier[-50:])
        middle.append(
            ("internal", f"We wrote about {previous.title.lower()} before", previous.slug)
        )
    after_list = writer.paragraph(2)
    items = rng.sample(LIST_ITEMS, rng.randint(3, 5))
    ordered = rng.random() < 0.3
    image = (rng.randrange(IMAGE_COUNT), rng.choice(IMAGE_SUBJECTS))
    code = rng.choice(CODE_SNIPPETS) if rng.random() < 0.5 else None
    late = ["*" + writer.sentence() + "*", *writer.paragraph(2)]
    closing = [writer.sentence(), rng.choice(QUESTIONS)]

    blocks = [
        ("paragraph", intro),
        ("heading", headings[0]),
        ("paragraph", middle),
        ("list", ordered, items),
        ("paragraph", after_list),
        ("image", *image),
        ("heading", headings[1]),
        ("paragraph", late),
    ]
    if code:
        blocks.append(("code", *code))
    blocks.append(("paragraph", closing))

    # Grow the four prose paragraphs in turn until the post reaches its length,
    # keeping each one's closing link in last place.
    growing = [(intro, 1), (middle, 1), (after_list, 0), (late, 0)]
    turn = 0
    while _body_words(blocks) < target:
        paragraph, keep_last = growing[turn % len(growing)]
        paragraph.insert(len(paragraph) - keep_last, writer.sentence())
        turn += 1
    return blocks


def _body_words(blocks: list) -> int:
    total = 0
    for block in blocks:
        kind = block[0]
        if kind == "paragraph":
            total += sum(_words(s if isinstance(s, str) else s[1]) for s in block[1])
        elif kind == "heading":
            total += _words(block[1])
        elif kind == "list":
            total += sum(_words(item) for item in block[2])
        elif kind in ("image", "code"):
            total += _words(block[2])
    return total


def _summary(post: Post) -> str:
    first = next(block for block in post.blocks if block[0] == "paragraph")[1]
    text = " ".join(s for s in first[:2] if isinstance(s, str))
    return re.sub(r"[*`\[\]]", "", text)


def word_count(post: Post) -> int:
    return _body_words(post.blocks)


def render_body(post: Post, fmt: str) -> str:
    """The post's Markdown body, with links and images written for `fmt`."""
    out: list[str] = []
    for block in post.blocks:
        kind = block[0]
        if kind == "paragraph":
            out.append(" ".join(_sentence_text(s, fmt) for s in block[1]))
        elif kind == "heading":
            out.append(f"## {block[1]}")
        elif kind == "list":
            ordered, items = block[1], block[2]
            out.append(
                "\n".join(
                    f"{n}. {item[0].upper()}{item[1:]}" if ordered else f"- {item}"
                    for n, item in enumerate(items, start=1)
                )
            )
        elif kind == "image":
            number, alt = block[1], block[2]
            prefix = "{static}/images" if fmt == "pelican" else "/images"
            out.append(f"![{alt}]({prefix}/photo-{number:02d}.png)")
        elif kind == "code":
            out.append(f"```{block[1]}\n{block[2]}\n```")
    return "\n\n".join(out) + "\n"


def _sentence_text(sentence, fmt: str) -> str:
    if isinstance(sentence, str):
        return sentence
    _kind, text, slug = sentence
    if fmt == "pelican":
        target = f"{{filename}}/{slug}.md"
    else:
        target = f'{{{{< relref "/posts/{slug}.md" >}}}}'
    return f"[{text}]({target})."


def pelican_file(post: Post) -> str:
    lines = [
        f"Title: {post.title}",
        f"Date: {post.date:%Y-%m-%d %H:%M}",
    ]
    if post.modified:
        lines.append(f"Modified: {post.modified:%Y-%m-%d %H:%M}")
    lines += [
        f"Category: {', '.join(post.categories)}",
        f"Tags: {', '.join(post.tags)}",
    ]
    if post.author:
        lines.append(f"Author: {post.author}")
    lines += [f"Slug: {post.slug}", f"Summary: {post.summary}"]
    if post.image_credit:
        lines.append(f"Image_credit: {post.image_credit}")
    lines.append(f"Comments_id: {post.comments_id}")
    return "\n".join(lines) + "\n\n" + render_body(post, "pelican")


def hugo_file(post: Post) -> str:
    # JSON strings are valid YAML scalars: no quoting rules to get wrong.
    def q(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = [
        "---",
        f"title: {q(post.title)}",
        f"date: {post.date:%Y-%m-%dT%H:%M:%S}",
    ]
    if post.modified:
        lines.append(f"lastmod: {post.modified:%Y-%m-%dT%H:%M:%S}")
    lines += [
        f"slug: {q(post.slug)}",
        f"categories: {q(post.categories)}",
        f"tags: {q(post.tags)}",
    ]
    if post.author:
        lines.append(f"authors: {q([post.author])}")
    lines.append(f"summary: {q(post.summary)}")
    lines.append("params:")
    if post.image_credit:
        lines.append(f"  image_credit: {q(post.image_credit)}")
    lines.append(f"  comments_id: {q(post.comments_id)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + render_body(post, "hugo")


ABOUT_PAGE = """\
Cohere is a coworking space run by its members. This site is where we write
about what we try, what works and what does not, and where anyone can join the
conversation under each post.
"""

HUGO_CONFIG = """\
baseURL = "http://127.0.0.1:8000/"
languageCode = "en"
title = "Benchmark corpus"
timeZone = "{timezone}"
paginate = 10
disableKinds = ["sitemap", "robotsTXT", "404"]
enableRobotsTXT = false

[taxonomies]
category = "categories"
tag = "tags"
author = "authors"

[permalinks]
posts = "/:year/:month/:slug/"
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small, valid PNG: a diagonal two-tone pattern, enough to be a real image."""
    rows = bytearray()
    light = tuple(min(255, c + 60) for c in rgb)
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(light if (x + y) % 16 < 8 else rgb)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _images(seed: int) -> list[bytes]:
    rng = random.Random(f"images-{seed}")
    return [
        png(160, 90, (rng.randrange(40, 190), rng.randrange(40, 190), rng.randrange(40, 190)))
        for _ in range(IMAGE_COUNT)
    ]


def write_corpus(count: int, seed: int, out: Path, fmt: str = "pelican") -> list[Path]:
    """Write the corpus into `out` (emptied first) and return the post files."""
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise ValueError(
                f"{out} is not empty and was not written by bench.corpus; "
                "choose a new or empty folder (it would be emptied)"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by python -m bench.corpus; emptied on rewrite\n")
    posts = make_posts(count, seed)
    if fmt == "pelican":
        content, images = out, out / "images"
        pages = out / "pages"
    else:
        content, images = out / "content" / "posts", out / "static" / "images"
        pages = out / "content"
        (out / "hugo.toml").write_text(HUGO_CONFIG.format(timezone=TIMEZONE), encoding="utf-8")
        shutil.copytree(HUGO_LAYOUTS, out / "layouts")
    for folder in (content, images, pages):
        folder.mkdir(parents=True, exist_ok=True)
    for number, data in enumerate(_images(seed)):
        (images / f"photo-{number:02d}.png").write_bytes(data)
    if fmt == "pelican":
        (pages / "about.md").write_text(f"Title: About\n\n{ABOUT_PAGE}", encoding="utf-8")
    else:
        (pages / "about.md").write_text(f'---\ntitle: "About"\n---\n\n{ABOUT_PAGE}', "utf-8")
    written = []
    for post in posts:
        path = content / f"{post.slug}.md"
        text = pelican_file(post) if fmt == "pelican" else hugo_file(post)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus", description="Write the synthetic benchmark corpus."
    )
    parser.add_argument("--posts", type=int, required=True, help="how many posts")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (emptied)")
    parser.add_argument("--format", choices=FORMATS, default="pelican")
    args = parser.parse_args(argv)
    try:
        written = write_corpus(args.posts, args.seed, args.out, args.format)
    except ValueError as error:
        parser.error(str(error))
    print(f"Wrote {len(written)} posts ({args.format}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

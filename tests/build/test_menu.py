"""The header menu lists the pages that ask for it and MENU's links, in order."""

from __future__ import annotations

import pytest

from commons.build import BuildError
from tests.conftest import copy_content, parse_html


def menu_links(page) -> list[tuple[str, str]]:
    document = parse_html(page)
    return [
        (link.text_content().strip(), link.get("href"))
        for link in document.xpath('//nav[@aria-label="Site"]//a')
    ]


def many_pages(content, count: int = 30) -> None:
    for number in range(count):
        (content / "pages" / f"page-{number}.md").write_text(
            f"Title: Page {number}\nSlug: page-{number}\n\nText.\n"
        )


def test_only_pages_marked_menu_true_are_in_the_header(tmp_path, build):
    content = copy_content(tmp_path / "content")
    many_pages(content)
    (content / "pages" / "join.md").write_text("Title: Join us\nMenu: yes\n\nCome by.\n")
    output = build(content=content)

    titles = [title for title, _ in menu_links(output / "index.html")]
    assert titles[:2] == ["About", "Join us"]
    assert not any(title.startswith("Page ") for title in titles)
    # Every page is still published, menu or not.
    assert (output / "page-29" / "index.html").is_file()


def test_menu_setting_orders_pages_and_links_first(tmp_path, build):
    content = copy_content(tmp_path / "content")
    many_pages(content, 3)
    output = build(
        content=content,
        overrides={
            "MENU": {
                "items": [
                    {"title": "Events", "url": "https://events.example.org/"},
                    "pages/page-2.md",
                    {"title": "Members", "url": "/category/current-members/"},
                ]
            }
        },
    )

    links = menu_links(output / "about" / "index.html")
    assert links[:4] == [
        ("Events", "https://events.example.org/"),
        ("Page 2", "../page-2/"),
        ("Members", "../category/current-members/"),
        ("About", "../about/"),
    ]
    about = parse_html(output / "about" / "index.html")
    assert about.xpath('//nav[@aria-label="Site"]//a[@aria-current="page"]/text()') == ["About"]


def test_menu_naming_a_missing_page_fails_with_the_fix(tmp_path, build):
    with pytest.raises(BuildError) as failure:
        build(overrides={"MENU": {"items": ["pages/contact.md"]}})
    message = str(failure.value)
    for fragment in ("MENU['items']", "'pages/contact.md'", "pages/about.md", "Fix:"):
        assert fragment in message


@pytest.mark.parametrize(
    "item",
    [
        {"title": "Bad", "url": "javascript:alert(1)"},
        {"title": "Bad", "url": "//evil.example/"},
        {"title": "", "url": "/x/"},
        "../secrets.md",
        42,
    ],
)
def test_menu_setting_refuses_unsafe_or_malformed_entries(tmp_path, build, item):
    with pytest.raises(BuildError) as failure:
        build(overrides={"MENU": {"items": ["pages/about.md", item]}})
    message = str(failure.value)
    assert "MENU['items']" in message
    assert "item 1" in message
    assert "Fix: correct the entry" in message

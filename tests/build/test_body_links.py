"""Links that editors write by address are checked in every build."""

from __future__ import annotations

import pytest

from commons.build import BuildError
from tests.conftest import SAMPLE_ARTICLE, copy_content

SAMPLE_URL = "/" + SAMPLE_ARTICLE.removesuffix("index.html")


def post(content, body: str, name: str = "linker.md") -> None:
    (content / name).write_text(f"Title: Linker\nDate: 2020-01-01\n\n{body}\n")


def test_links_by_address_to_pages_and_headings_that_exist_build(tmp_path, build):
    content = copy_content(tmp_path / "content")
    post(
        content,
        f"[The sample]({SAMPLE_URL}), [about](/about/), [relative](../../../about/), "
        "[below](#further) and [archives](/archives/).\n\n## Further\n\nText.",
    )
    output = build(content=content)
    assert (output / "2020" / "01" / "linker" / "index.html").is_file()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[gone](/2019/01/no-such-post/)", ["linker.md", "/2019/01/no-such-post/", "Fix:"]),
        ("[gone](../../../no-such-page/)", ["linker.md", "no-such-page/index.html", "Fix:"]),
        ("![a desk](/images/desk.png)", ["linker.md", "image", "/images/desk.png"]),
        ("[down](#nowhere)\n\n## Somewhere", ["linker.md", "#nowhere", "no element with that id"]),
        (f"[there]({SAMPLE_URL}#nowhere)", ["linker.md", "#nowhere", "no element with that id"]),
    ],
    ids=["post", "relative", "image", "own-heading", "other-heading"],
)
def test_a_broken_link_by_address_fails_the_build_with_its_file(tmp_path, build, body, expected):
    content = copy_content(tmp_path / "content")
    post(content, body)
    with pytest.raises(BuildError) as failure:
        build(content=content)
    message = str(failure.value)
    for fragment in expected:
        assert fragment in message


def test_every_post_linking_one_missing_page_is_named(tmp_path, build):
    content = copy_content(tmp_path / "content")
    for title in ("First", "Second"):
        body = f"Title: {title}\nDate: 2020-01-01\n\n[gone](/2019/01/no-such-post/)\n"
        (content / f"{title.lower()}.md").write_text(body)
    with pytest.raises(BuildError) as failure:
        build(content=content)
    broken = [line for line in str(failure.value).splitlines() if "no-such-post" in line]
    assert [line.split(":")[0].strip() for line in broken] == ["first.md", "second.md"]


def test_links_in_code_are_not_checked(tmp_path, build):
    content = copy_content(tmp_path / "content")
    post(content, '```\n<a href="/no-such-page/">x</a>\n```\n\nAnd `[x](/nowhere/)` inline.')
    build(content=content)

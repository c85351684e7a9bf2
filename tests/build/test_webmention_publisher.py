"""An approved webmention reaches the live site by itself, on the production
shape: nginx in front of the comment server (gunicorn) and of the site, the
comment publisher sending each round with rsync (tests/build/test_comment_publisher.py).

A blog on 127.0.0.1 replies to the post; its server sends the webmention to
the endpoint through nginx; the moderator approves it with the task; the
publisher's next round puts it on the post's page, in the listing's count and
in the feed. The figure printed is approval to page.
"""

from __future__ import annotations

import time
import urllib.parse
import urllib.request

from invoke import Context
from lxml import html

import tasks
from commons.webmention.fetch import LOOPBACK_PORTS_ENV
from commons.webmention.store import Store, store_path
from tests.build import test_comment_publisher as publisher_tests
from tests.build.test_comment_publisher import POST_PATH
from tests.webmention_servers import PageServer, html_answer

# The production comment publisher and nginx, as its own tests start them.
production = publisher_tests.production
REPLY = "Our repair café lends tools on Saturdays, come and see."


def reply_page(target: str) -> str:
    return f"""<!DOCTYPE html><html><body><article class="h-entry">
<a class="p-author h-card" href="/">Dee</a>
<div class="e-content"><p>{REPLY} <a class="u-in-reply-to" href="{target}">Re</a></p></div>
</article></body></html>"""


def test_an_approved_webmention_reaches_the_live_page_by_itself(
    production, tmp_path, monkeypatch, capsys
):
    target_url = {}
    with PageServer(lambda request: html_answer(reply_page(target_url["post"]))(request)) as blog:
        monkeypatch.setenv(LOOPBACK_PORTS_ENV, str(blog.port))
        site = production(tmp_path / "www")
        target_url["post"] = f"{site.origin}/{POST_PATH}"
        site.start()
        site.wait_for("No comments yet.", timeout=180)

        fields = urllib.parse.urlencode(
            {"source": blog.origin + "/re/", "target": target_url["post"]}
        )
        endpoint = site.client.isso.url + "webmention"  # through nginx
        with urllib.request.urlopen(endpoint, data=fields.encode(), timeout=10) as answer:
            assert answer.status == 202
        store = Store(store_path(site.isso.config_dir / "comments.db"))
        site.wait_until(lambda: store.listing("held"))
        [held] = store.listing("held")
        assert held.mention.kind == "reply" and held.mention.author == "Dee"

    approved = time.monotonic()
    tasks.comments_webmentions(
        Context(), approve=held.id, database=str(site.isso.config_dir / "comments.db")
    )

    def replies_text() -> str:
        body = site.page(POST_PATH)
        nodes = html.fromstring(body).xpath("//*[@data-discussion-webmentions]") if body else []
        return " ".join(node.text_content() for node in nodes)

    site.wait_until(lambda: REPLY in replies_text(), timeout=publisher_tests.VISIBLE_WITHIN)
    shown = time.monotonic() - approved
    site.wait_until(lambda: site.listing_count() == "1" and site.feed_count() == "1")
    assert shown < publisher_tests.VISIBLE_WITHIN
    with capsys.disabled():
        print(f"approval to live page through the publisher: {shown:.1f} s")

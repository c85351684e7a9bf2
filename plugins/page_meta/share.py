"""Plain share links: one URL per network, built from the post's title and address.

They are ordinary links. No script, no image and no request reaches any of
these sites until the reader follows one. "native" is the browser's own share
sheet (the Web Share API): a button, not a link, that theme.js shows only
where the browser has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

NATIVE = "native"
LINK_NETWORKS = ("email", "mastodon", "bluesky", "linkedin", "facebook", "x")
NETWORKS = (NATIVE, *LINK_NETWORKS)
# Each link costs about 300 bytes on every post (its address holds the post's
# title and address): the three commercial networks are there when a site
# lists them.
DEFAULT_NETWORKS = [NATIVE, "email", "mastodon", "bluesky"]
LABELS = {
    "email": "Email",
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "x": "X",
}


@dataclass(frozen=True)
class ShareLink:
    network: str
    label: str
    href: str


def _quoted(value: str) -> str:
    # What urlencode(…, quote_via=quote) writes for a value: %20 rather than
    # "+" (mail clients and some share dialogs show "+" literally).
    return quote(value, safe="")


def share_url(network: str, title: str, url: str, mastodon_instance: str) -> str:
    """The address that opens `network`'s share dialog for the post `title` at `url`."""
    urls = share_urls(title, url, mastodon_instance)
    if network not in urls:
        raise ValueError(f"unknown share link {network!r}; accepted: {list(LINK_NETWORKS)}")
    return urls[network]


def share_urls(title: str, url: str, mastodon_instance: str) -> dict[str, str]:
    """Every network's share address for the post `title` at `url`.

    Each value is quoted once for all the links: quoting works character by
    character, so "title url" quoted is the title quoted, %20, the url quoted.
    """
    title, url = _quoted(title), _quoted(url)
    text = f"{title}%20{url}"
    return {
        "email": f"mailto:?subject={title}&body={url}",
        "mastodon": f"https://{mastodon_instance}/share?text={text}",
        "bluesky": f"https://bsky.app/intent/compose?text={text}",
        "linkedin": f"https://www.linkedin.com/sharing/share-offsite/?url={url}",
        "facebook": f"https://www.facebook.com/sharer/sharer.php?u={url}",
        "x": f"https://x.com/intent/tweet?text={title}&url={url}",
    }


def share_links(
    networks: list[str], title: str, url: str, mastodon_instance: str
) -> list[ShareLink]:
    """The links of `networks`, in order; the native button is not a link."""
    urls = share_urls(title, url, mastodon_instance)
    return [
        ShareLink(network, LABELS[network], urls[network])
        for network in networks
        if network != NATIVE
    ]

"""Plain share links: one URL per network, built from the post's title and address.

They are ordinary links. No script, no image and no request reaches any of
these sites until the reader follows one. "native" is the browser's own share
sheet (the Web Share API): a button, not a link, that theme.js shows only
where the browser has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

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


def _query(params: dict[str, str]) -> str:
    # %20 rather than "+": mail clients and some share dialogs show "+" literally.
    return urlencode(params, quote_via=quote)


def share_url(network: str, title: str, url: str, mastodon_instance: str) -> str:
    """The address that opens `network`'s share dialog for the post `title` at `url`."""
    text = f"{title} {url}"
    if network == "email":
        return "mailto:?" + _query({"subject": title, "body": url})
    if network == "mastodon":
        return f"https://{mastodon_instance}/share?" + _query({"text": text})
    if network == "bluesky":
        return "https://bsky.app/intent/compose?" + _query({"text": text})
    if network == "linkedin":
        return "https://www.linkedin.com/sharing/share-offsite/?" + _query({"url": url})
    if network == "facebook":
        return "https://www.facebook.com/sharer/sharer.php?" + _query({"u": url})
    if network == "x":
        return "https://x.com/intent/tweet?" + _query({"text": title, "url": url})
    raise ValueError(f"unknown share link {network!r}; accepted: {list(LINK_NETWORKS)}")


def share_links(
    networks: list[str], title: str, url: str, mastodon_instance: str
) -> list[ShareLink]:
    """The links of `networks`, in order; the native button is not a link."""
    return [
        ShareLink(network, LABELS[network], share_url(network, title, url, mastodon_instance))
        for network in networks
        if network != NATIVE
    ]

"""JSON-LD for the page head: schema.org's BlogPosting and WebPage, as dicts.

The theme writes them with Jinja's `tojson`, which escapes `<`, `>`, `&` and
`'` so that no value can end the script element.
"""

from __future__ import annotations


def blog_posting(
    *,
    headline: str,
    url: str,
    published: str,
    modified: str,
    authors: list[str],
    site_name: str,
    sections: list[str],
    keywords: list[str],
    comment_count: int | None = None,
    comments: list[dict] | None = None,
) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": headline,
        "url": url,
        "datePublished": published,
        "publisher": {"@type": "Organization", "name": site_name},
    }
    # schema.org's dateModified is optional: said only when the post was
    # changed after it was published, as article:modified_time is.
    if modified != published:
        data["dateModified"] = modified
    if authors:
        data["author"] = [{"@type": "Person", "name": name} for name in authors]
    if sections:
        data["articleSection"] = sections
    if keywords:
        data["keywords"] = keywords
    if comment_count is not None:
        data["commentCount"] = comment_count
    if comments:
        data["comment"] = [
            {
                "@type": "Comment",
                "author": {"@type": "Person", "name": item["author"]},
                "dateCreated": item["created"],
                "text": item["text"],
                "url": item["url"],
            }
            for item in comments
        ]
    return data


def web_page(*, name: str, url: str, site_name: str, language: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": name,
        "url": url,
        "inLanguage": language,
        "isPartOf": {"@type": "WebSite", "name": site_name},
    }
    return data

"""JSON-LD for the page head, safe inside a <script> element.

`json.dumps` alone is not enough: a title containing `</script>` would end the
element. Escaping `<`, `>` and `&` as JSON unicode escapes keeps the data
identical for a JSON parser and inert for the HTML parser.
"""

from __future__ import annotations

import json

from markupsafe import Markup

_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_safe_json(data) -> Markup:
    """`data` as JSON that can be placed verbatim inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # U+2028/2029 are valid JSON but end a line in older JavaScript parsers.
    text = text.translate(_SCRIPT_SAFE).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def blog_posting(
    *,
    headline: str,
    url: str,
    description: str,
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
        "dateModified": modified,
        "publisher": {"@type": "Organization", "name": site_name},
    }
    if description:
        data["description"] = description
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


def web_page(*, name: str, url: str, description: str, site_name: str, language: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": name,
        "url": url,
        "inLanguage": language,
        "isPartOf": {"@type": "WebSite", "name": site_name},
    }
    if description:
        data["description"] = description
    return data

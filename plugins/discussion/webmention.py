"""Where the site advertises its Webmention endpoint (W3C Webmention, "Sender
discovers receiver endpoint"): the URL in every page's
`<link rel="webmention">` and in the HTTP `Link` header that
plugins/security_headers writes. Both read `endpoint_url`, so they never differ.
"""

from __future__ import annotations

from urllib.parse import quote

# Characters kept as they are in the advertised URL: RFC 3986's unreserved
# and reserved ones except ",", "$", "<", ">" and quotes. A Link header's
# target ends at ">" and its values split at ","; nginx expands "$" in a
# string; so those are percent-encoded, which names the same resource.
URL_SAFE = ":/?#[]@!&'()*+;=%~-._"


def endpoint_url(config: dict) -> str:
    """The Webmention endpoint to advertise, percent-encoded, or "" for none.

    `config` is the validated DISCUSSION setting. An `endpoint` given in
    DISCUSSION['webmention'] wins; else the Isso server's `webmention` path
    when Isso is the provider; else none (no comment server of the site's own).
    """
    options = config["webmention"]
    if not options["enabled"]:
        return ""
    chosen = options["endpoint"]
    if chosen is None and config["provider"] == "isso":
        chosen = config["isso"]["url"] + "webmention"
    return quote(chosen, safe=URL_SAFE) if chosen else ""


def link_header(endpoint: str) -> str:
    """The HTTP `Link` header's value that advertises `endpoint` (from `endpoint_url`)."""
    return f'<{endpoint}>; rel="webmention"'

"""This site's settings for local work (relative URLs, drafts visible,
the local comment server).

Commons' defaults come from the installed package (`commons.defaults`, in
pelican-commons): this file holds only what this site chose, so an upgrade
(`pip install -U pelican-commons`) brings the new defaults without a merge.
Set any other setting below the import to change its default.
"""

from commons.defaults import *  # noqa: F403
from commons.defaults import public_url

SITENAME = "First Release Makers"
SITESUBTITLE = ""
# The public address: publishconf.py makes it SITEURL (COMMONS_SITEURL overrides it).
PUBLIC_URL = public_url("https://first-release.org")
TIMEZONE = "America/Denver"
DEFAULT_LANG = "en"

# Uploads: folders copied as they are (images, a site-verification file in
# extra/...). They are never read for posts: a folder added here is excluded too.
STATIC_PATHS = ["images", "extra"]
ARTICLE_EXCLUDES = ["pages", *STATIC_PATHS]

# Links written with the site's own address are checked like relative ones.
GUARD = {**GUARD, "links": {**GUARD["links"], "site_urls": [PUBLIC_URL]}}  # noqa: F405

# Feed entry ids are tag: URIs built on these, never on the site's address: keep
# them as they are, or every subscriber sees every post again as new.
FEEDS = {
    **FEEDS,  # noqa: F405
    "id_authority": "first-release.org",
    "id_date": "2026-12",
}

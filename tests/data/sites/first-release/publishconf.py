"""This site's production settings (the public address, absolute URLs,
every feed, the search index, the security headers), from pelicanconf.py.

`commons publish` and `pelican content -s publishconf.py` read this file.
"""

from commons.defaults import local_settings, production

# The site's own comment server (COMMONS_ISSO_URL overrides it).
comments_url = "https://comments.first-release.org/"
globals().update(production(local_settings(__file__), comments_url=comments_url))

"""Site search with Pagefind: a static index built with the site, no server.

Before Pelican writes the site, this plugin cuts the published posts and pages
into shards of at most SEARCH['pages_per_bundle'] pages (sorted by path); as
soon as the last page of a shard is written, Pagefind indexes that shard in the
background, one shard at a time, while Pelican goes on writing. At the end the
bundles go into the site (inside the staging folder of an atomic build): the
first at SEARCH['bundle_dir'], the others under its `shards/` folder, listed in
its `shards.json`. The search page (`theme/templates/search.html`) loads
Pagefind's script from the first bundle only when a reader searches, and merges
the others into it. `plugin.py` gives the timeline: which Pelican signal does
what, and why the pages are written before the posts.
"""

from .plugin import SCHEMA, register

__all__ = ["SCHEMA", "register"]

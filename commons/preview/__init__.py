"""The editor's preview: one warm process that serves the site and rebuilds what a save changes.

`python -m commons.preview` (what `invoke livereload` runs) keeps Pelican
loaded: settings, plugins, templates and every post read. A save of a post
re-reads that file and writes its own page first (`engine.WarmSite.refresh_page`).
A save of one post's body, title or summary alone is then finished from the
site model kept in memory, rendering only the pages that show the post
(`engine.WarmSite.catch_up`); after any other save a full build, from the
in-memory posts and Pelican's content cache, is
written by a forked child into a staging folder and synced into the output,
file by file, only where the bytes differ (`sync.sync_tree`): the served site
always ends byte-identical to a fresh build. The browser is told to reload by
a small Server-Sent Events endpoint (`server`), which also shows a failed
save's error over the page.
"""

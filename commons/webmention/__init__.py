"""Webmention (W3C Recommendation) for Commons' comment server.

- `fetch`: fetching a stranger's page without letting it probe the server's
  network (address rule, size, time and redirect limits);
- `verify`: whether a source links to a target, and what its microformats say
  (author, content, reply / like / repost / mention);
- `store`: the mentions, the queue of those to verify and the blocked domains,
  in an SQLite file beside Isso's database;
- `endpoint`: the WSGI app in front of Isso (`POST /webmention`, and the
  approved mentions of a thread for the comment snapshot);
- `commands`: moderation, for the `comments-webmentions` task.

docs/webmention.md says what it receives, its limits and how to moderate.
"""

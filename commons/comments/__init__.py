"""The comment server around Isso: what runs outside Pelican for the discussion.

`guard` refuses forged cross-site requests before Isso sees them; `form`
takes comments from the posts' plain HTML form and holds every way to post
to the spam limits of `limits`; `serve`
runs Isso behind that guard on 127.0.0.1 for `invoke serve` and the tests;
`snapshot` fetches each thread's published comments into a cache folder that
the discussion plugin reads. For production
(docs/comment-server.md): `config` writes the server's files from the site's settings,
`wsgi` is what gunicorn loads, `database` backs up, restores and moves
threads, `check` asks the live server before a publish.
"""

"""A post's labels in the content cache point at the build's settings, not at a copy of their own.

Pelican caches what a reader returns for each file: its body and its metadata,
whose category, tags and authors are objects holding the settings they were
made with. Pickled with the cache and loaded again, the entries read by one
build share one copy of that build's settings, and an entry read again gets
the live settings, so every build that re-reads a file adds one more copy to
the cache, and to the memory of every later build that loads it (the
preview's grew by about 0.1 MiB a save at 200 posts). The cache's key covers
the settings, so the settings an entry was read with are equal to the
build's: this plugin hands each label the build's own settings as the file is
read, before the cache is saved, so the cache holds one copy whatever its age.
"""

from .cached_labels import register, share_settings

__all__ = ["register", "share_settings"]

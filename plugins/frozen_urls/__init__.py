"""Compute each post's and page's URL once.

Pelican formats `url` and `save_as` from the URL settings on every read, and a
theme reads them many times per page (listings, navigation, feeds, related
posts): about 36,000 formats for 1,000 posts. Once every generator has read its
content, the URLs cannot change any more, so this plugin stores them as
Pelican's own `override_url` / `override_save_as`. The content cache is
written before that point, so it never keeps a frozen URL across builds.
"""

from .frozen_urls import register

__all__ = ["register"]

"""Each post's and page's summary, made in time linear in its length.

Without a `Summary:` field, Pelican cuts the post's HTML after
SUMMARY_MAX_LENGTH words each time a template asks; its word counter finds
each entity's offset by rescanning every earlier line, so a 100 KB post of
20,000 `&gt;` lines (no word, so no early stop) took minutes. This plugin cuts
summaries by the same rules with a counter that keeps its place: each post and
page becomes, as Pelican makes it, an instance of a subclass of Article or Page
whose `get_summary` uses that counter (a Summary field is used as written).
"""

from .summaries import register, summary_of, truncate_words

__all__ = ["register", "summary_of", "truncate_words"]

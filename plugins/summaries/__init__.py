"""Each post's and page's summary, made in time linear in its length.

Without a `Summary:` field, Pelican cuts the post's HTML after
SUMMARY_MAX_LENGTH words each time a template asks; its word counter finds
each entity's offset by rescanning every earlier line, so a 100 KB post of
20,000 `&gt;` lines (no word, so no early stop) took minutes. This plugin cuts
the summary once, as the post is read (in parallel_read's workers too), with
the same rules and a counter that keeps its place, and gives it to Pelican as
the post's Summary field.
"""

from .summaries import register, summary_of, truncate_words

__all__ = ["register", "summary_of", "truncate_words"]

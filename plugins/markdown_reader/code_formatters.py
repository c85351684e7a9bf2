"""One Pygments formatter per distinct set of options, for codehilite's code blocks.

codehilite asks Pygments for a new formatter for every code block, and
Pygments' HtmlFormatter builds its whole stylesheet (every token type of the
style) when it is made: at 500 code blocks that is most of the cost of
highlighting them. A formatter's output depends only on its options, so
codehilite is handed, through its public `pygments_formatter` option (a name
or a callable), a callable that makes each distinct formatter once per reader
and gives it again for the next block with the same options.
"""

from __future__ import annotations

from pygments.formatters import HtmlFormatter, find_formatter_class

CODEHILITE_NAMES = ("markdown.extensions.codehilite", "codehilite")
DEFAULT_FORMATTER = "html"


class SharedFormatters:
    """codehilite's `pygments_formatter`: an HtmlFormatter, made once per set of options.

    An HtmlFormatter keeps nothing from one `format` to the next but its
    memo of the tags it opens for each token type, which depends on its
    options alone. codehilite calls a callable with `lang_str` as well; it does
    not pass it when it finds the formatter by name ("html"), so neither does
    this: the HTML is the same as with the name.
    """

    def __init__(self) -> None:
        self.formatters: dict[str, HtmlFormatter] = {}

    def __call__(self, lang_str: str | None = None, **options) -> HtmlFormatter:
        # repr tells apart the values codehilite passes (hl_lines is a list).
        key = repr(sorted(options.items()))
        formatter = self.formatters.get(key)
        if formatter is None:
            formatter = HtmlFormatter(**options)
            self.formatters[key] = formatter
        return formatter


def with_shared_formatters(markdown: dict) -> dict:
    """A copy of the MARKDOWN setting whose codehilite makes each formatter once.

    Left as it is when codehilite is not configured by name, or when its
    formatter is not Pygments' HtmlFormatter (another formatter, or a class
    of the site's own, is made as codehilite makes it).
    """
    configs = markdown.get("extension_configs") or {}
    for extension in CODEHILITE_NAMES:
        config = configs.get(extension)
        if config is None:
            continue
        name = config.get("pygments_formatter", DEFAULT_FORMATTER)
        if not isinstance(name, str) or find_formatter_class(name) is not HtmlFormatter:
            return markdown
        shared = {**config, "pygments_formatter": SharedFormatters()}
        return {**markdown, "extension_configs": {**configs, extension: shared}}
    return markdown

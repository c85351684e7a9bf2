"""Pages that a build writes from something other than their template alone.

The render record (plugins/render_record) and the preview's plan
(commons/preview/plan.py) both decide, page by page, whether to render a
template or hand back the bytes the last build wrote: each routes Pelican's
writer through one function here.
"""

from __future__ import annotations


def route_pages(writer, render) -> None:
    """Every page `writer` writes from now on gets its text from
    `render(template, context, localcontext)` (which may render the template,
    or hand back bytes it kept) instead of from the template alone."""
    write_file = writer.write_file

    def routed_file(name, template, context, *args, **kwargs):
        return write_file(name, RoutedTemplate(render, template, context), context, *args, **kwargs)

    writer.write_file = routed_file


class RoutedTemplate:
    """What the writer gets instead of a template: each page asks `render`."""

    def __init__(self, render, template, context: dict):
        self.choose = render
        self.template = template
        self.context = context
        self.name = getattr(template, "name", None)

    def render(self, localcontext) -> str:
        return self.choose(self.template, self.context, localcontext)

"""What the theme shows of a post's thread: its `Discussion`.

Whether a post has a thread, its state and its id come from its front matter
through commons/identity.py, which the importers and `invoke comments-move`
read too; this adds the provider, the widget's options, the snapshot and the
plain comment form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commons.comments.form import FORM_NEW_PATH, HONEYPOT_FIELD
from commons.discussion.providers import PROVIDERS, label
from commons.identity import ID_FIELD, STATE_FIELD, thread_id, thread_state

from .snapshot import ANCHOR_PREFIX

ANCHOR = "discussion"


@dataclass(frozen=True)
class Discussion:
    """Everything the theme needs about one post's thread; templates only read it."""

    enabled: bool
    state: str | None
    thread_id: str
    title: str
    url: str
    provider: str
    anchor: str = ANCHOR
    mode: str = "consent"
    label: str = ""
    notice: str = ""
    closed_text: str = ""
    # Show the widget? False for a closed thread when the provider cannot show
    # one read-only: then only the closed line is shown.
    show_thread: bool = False
    remember: bool = True
    counts: bool = False
    partial: str = ""
    count_partial: str = ""
    options: dict = field(default_factory=dict)
    web_url: str | None = None
    # The thread's comments as last fetched (plugins/discussion/snapshot.py),
    # or None when there is no snapshot; shown before the consent gate.
    snapshot: object = None
    # The plain HTML comment form (partials/discussion/form.html), for an open
    # thread on the comment server Commons runs: its action, its honeypot
    # field's name, and the prefix that makes a snapshot comment's id its anchor.
    form: dict | None = None

    @property
    def thread_path(self) -> str:
        """The thread id as a path ('/<id>'), for providers whose id must be one (Comentario)."""
        return "/" + self.thread_id.lstrip("/")

    @property
    def link(self) -> str:
        """The post's discussion link: its URL and the section's anchor."""
        return f"{self.url}#{self.anchor}"


def discussion_for(
    *,
    config: dict,
    metadata: dict,
    slug: str,
    title: str,
    url: str,
    is_page: bool,
    source: str,
    fields: dict | None = None,
) -> Discussion:
    """The Discussion of one article or page, from validated settings and its metadata."""
    default_open = config["pages"] if is_page else config["articles"]
    state = thread_state(metadata.get(STATE_FIELD), default_open, source)
    identifier = thread_id(
        metadata.get(ID_FIELD),
        slug,
        is_page,
        source,
        rule=config["page_thread_id" if is_page else "thread_id"],
        fields=fields,
    )
    provider = PROVIDERS[config["provider"]]
    options = config[provider.name]
    if state is None:
        return Discussion(
            enabled=False,
            state=None,
            thread_id=identifier,
            title=title,
            url=url,
            provider=provider.name,
        )
    read_only = provider.read_only or bool(options.get("read_only"))
    service = label(provider, options)
    # Only a custom provider's embed is a template, inert in the page until
    # consent; every other provider's is made by its adapter
    # (theme/static/js/discussion/<provider>.js) from the section's data-*.
    partial = options["template"] if provider.name == "custom" else ""
    counts = config["counts"] and provider.counts
    return Discussion(
        enabled=True,
        state=state,
        thread_id=identifier,
        title=title,
        url=url,
        provider=provider.name,
        mode=config["mode"],
        label=service,
        notice=config["consent_text"].format(provider=service),
        closed_text=config["closed_text"],
        # No widget at all without a provider: only the snapshot is shown.
        show_thread=provider.name != "none" and (state == "open" or read_only),
        remember=config["remember"],
        counts=counts,
        partial=partial,
        count_partial=f"partials/discussion/{provider.name}_count.html" if counts else "",
        options=options,
        web_url=provider.web_url(options, identifier),
        form=(
            {
                "action": options["url"] + FORM_NEW_PATH.lstrip("/"),
                "honeypot": HONEYPOT_FIELD,
                "anchor_prefix": ANCHOR_PREFIX,
            }
            if provider.name == "isso" and state == "open"
            else None
        ),
    )

"""Pagefind on its own, over the pages a Commons build indexed: the search half of the baseline.

Plain Pelican has no search, so "plain Pelican plus Pagefind" is plain
Pelican's build followed by Pagefind run by hand over the same pages Commons
indexes (the posts and pages), with the same options and the same shards
(plugins/search). It runs after the build has ended, when no Pelican holds
memory, and its cost is measured by the kernel like any build (bench/measure.py):
CPU summed over the shards, memory the largest shard's.

The bench corpus has no drafts or hidden posts, so the indexed pages are every
post (`YYYY/MM/slug/index.html`) and every page (`slug/index.html` for the
corpus's pages); the run checks their count against the pages Commons'
own index reports, and stops if they differ.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from bench.measure import Measurement, run_measured
from plugins.search.plugin import pagefind_options
from plugins.search.shards import pagefind_executable, plan_shards

POST_PAGES = "[0-9][0-9][0-9][0-9]/[0-9][0-9]/*/index.html"


class PagefindBaselineError(RuntimeError):
    """The pages found are not the pages Commons indexed."""


def indexed_pages(site: Path, corpus: Path) -> list[str]:
    """The site paths of the corpus's posts and pages in a Commons build of it."""
    pages = [path.relative_to(site).as_posix() for path in site.glob(POST_PAGES)]
    for source in sorted((corpus / "pages").glob("*.md")):
        page = site / source.stem / "index.html"
        if page.is_file():
            pages.append(page.relative_to(site).as_posix())
    return sorted(pages)


def commons_page_count(bundle: Path) -> int:
    """How many pages Commons' own index holds, summed over its bundles."""
    total = 0
    for entry in bundle.rglob("pagefind-entry.json"):
        languages = json.loads(entry.read_text(encoding="utf-8"))["languages"]
        total += sum(language["page_count"] for language in languages.values())
    return total


def measure(site: Path, corpus: Path, search: dict, lang: str, work: Path) -> Measurement:
    """Index `site`'s posts and pages with Pagefind alone, shard after shard; its cost."""
    pages = indexed_pages(site, corpus)
    expected = commons_page_count(site / search["bundle_dir"])
    if len(pages) != expected:
        raise PagefindBaselineError(
            f"{site}: found {len(pages)} post and page files, but Commons' index holds "
            f"{expected} pages; the baseline would not index the same pages"
        )
    options = pagefind_options(search, {"DEFAULT_LANG": lang})
    cpu, wall, peak = 0.0, 0.0, 0
    helper_peak = 0
    for number, shard in enumerate(plan_shards(pages, search["pages_per_bundle"]), start=1):
        mirror, bundle = work / f"site-{number}", work / f"bundle-{number}"
        for site_path in shard:  # untimed: Commons links them while Pelican writes
            (mirror / site_path).parent.mkdir(parents=True, exist_ok=True)
            os.link(site / site_path, mirror / site_path)
        command = [
            *pagefind_executable(),
            "--site",
            str(mirror),
            "--output-path",
            str(bundle),
            *options,
        ]
        taken = run_measured(command, work / f"pagefind-{number}.log")
        cpu += taken.cpu
        wall += taken.wall
        peak = max(peak, taken.max_rss)
        helper_peak = max(helper_peak, taken.tree_peak or 0)
        shutil.rmtree(mirror)
        shutil.rmtree(bundle)
    return Measurement(
        wall=wall, cpu=cpu, max_rss=peak, tree_peak=helper_peak or None, helper_peak=helper_peak
    )

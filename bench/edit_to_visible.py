"""Edit-to-visible: from saving a post to the served page showing the change.

Runs `hugo server` and Commons' preview (`python -m commons.preview`, what
`invoke livereload` runs) one after the other on the same corpus, in the same
run. Each edit changes the same post (the middle one): a paragraph appended
with a fresh marker, or (`--change title`) a new title holding it. The post's
URL (and for a title its neighbours' pages, which link to it by its title) is
fetched every POLL_S until the marker shows; then the server is waited for
until it is at rest, the whole site consistent: Commons' preview says so on
its status endpoint, Hugo has logged the end of one more build ("Built in …"
first, "Total in …" after each change). The figures are medians over the
edits, with the load average at each edit, and per save the CPU time of the
server's whole session and its resident memory after it (`--edits 100`: an
hour of editing).

    python -m bench.edit_to_visible --posts 1000 --edits 5 --work-dir /dev/shm
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench import corpus
from bench.measure import session_cpu, session_rss
from commons import DEV_SETTINGS, REPO_ROOT
from commons.servers import LOOPBACK, free_port

POLL_S = 0.01
# The preview's status is asked less often: each answer costs it CPU time.
REST_POLL_S = 0.05
SETTLE_S = 0.2
START_TIMEOUT_S = 900
VISIBLE_TIMEOUT_S = 120
# Saves whose CPU medians are compared: the first and the last.
WINDOW = 5


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fetch(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read()
    except (urllib.error.URLError, OSError):
        return None


def wait_for(url: str, process: subprocess.Popen, needle: bytes, timeout: float) -> float:
    """Poll `url` until its body contains `needle`; return the seconds it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with code {process.returncode}")
        body = fetch(url)
        if body is not None and needle in body:
            return time.perf_counter() - started
        time.sleep(POLL_S)
    raise TimeoutError(f"{url} did not show {needle!r} within {timeout:.0f} s")


def hugo_command(site: Path, port: int) -> list[str]:
    return [
        shutil.which("hugo") or "hugo",
        "server",
        "-s",
        str(site),
        "--bind",
        LOOPBACK,
        "--port",
        str(port),
        "--baseURL",
        f"http://{LOOPBACK}:{port}/",
        "--appendPort=false",
    ]


def commons_command(content: Path, output: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "commons.preview",
        "--settings",
        str(DEV_SETTINGS),
        "--content",
        str(content),
        "--output",
        str(output),
        "--port",
        str(port),
    ]


def commons_at_rest(port: int, rests: int, timeout: float = 600) -> None:
    """Wait until the preview has come to rest `rests` times since it served
    (the first build is not counted) and is not busy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = fetch(f"http://{LOOPBACK}:{port}/__commons/preview/status")
        if body is not None:
            state = json.loads(body)
            if not state["busy"] and state["rests"] >= rests:
                return
        time.sleep(REST_POLL_S)
    raise TimeoutError("Commons' preview stayed busy")


def hugo_at_rest(log: Path, builds: int, timeout: float = 900, settle: bool = True) -> None:
    """Wait until Hugo has logged the end of `builds` builds, then (`settle`) a moment more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if text.count("Built in") + text.count("Total in") >= builds:
            if settle:
                time.sleep(SETTLE_S)
            return
        time.sleep(POLL_S)
    raise TimeoutError(f"hugo server did not finish build {builds}")


def append_paragraph(post: Path, marker: str) -> None:
    with post.open("a", encoding="utf-8") as handle:
        handle.write(f"\n\nAn added paragraph, {marker}.\n")


def retitle(post: Path, marker: str) -> None:
    """A new title (the slug is set in every bench post: the address stays)."""
    lines = post.read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines):
        if line.startswith("Title: "):  # Pelican
            lines[number] = f"Title: A retitled post, {marker}"
            break
        if line.startswith("title: "):  # Hugo's front matter
            lines[number] = f'title: "A retitled post, {marker}"'
            break
    post.write_text("\n".join(lines), encoding="utf-8")


CHANGES = {"body": append_paragraph, "title": retitle}
CHANGE_NAMES = {"body": "append a paragraph to one post", "title": "retitle one post"}


def neighbour_paths(posts: list, chosen) -> list[str]:
    """The pages of the posts just before and after `chosen` by date: they link
    to it by its title (the whole site's other pages are as late as these)."""
    ordered = sorted(posts, key=lambda post: (post.date, post.slug))
    at = ordered.index(chosen)
    return [
        f"{post.date:%Y}/{post.date:%m}/{post.slug}/" for post in (ordered[at - 1], ordered[at + 1])
    ]


def measure_server(
    name: str,
    command: list[str],
    post: Path,
    url: str,
    edits: int,
    at_rest,
    log: Path,
    change=append_paragraph,
    others: tuple[str, ...] = (),
) -> dict:
    started = time.perf_counter()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(url, process, b"</html>", START_TIMEOUT_S)
        at_rest(0)
        start_s = time.perf_counter() - started
        progress(f"  {name}: serving after {start_s:.1f} s")
        samples = []
        site_samples = []
        rest_samples = []
        loads = []
        # CPU seconds of each save (the server's whole session), its resident
        # bytes after each.
        cpu: list[float] = []
        rss: list[int] = []
        for number in range(edits):
            at_rest(number)
            loads.append(os.getloadavg()[0])
            marker = f"marker-{secrets.token_hex(6)}"
            cpu_before = session_cpu(process.pid)
            began = time.perf_counter()
            change(post, marker)
            wait_for(url, process, marker.encode(), VISIBLE_TIMEOUT_S)
            samples.append(time.perf_counter() - began)
            for other in others:
                wait_for(other, process, marker.encode(), VISIBLE_TIMEOUT_S)
            site_samples.append(time.perf_counter() - began)
            # The whole site consistent: the server says it is done with the save.
            at_rest(number + 1, settle=False)
            rest_samples.append(time.perf_counter() - began)
            cpu.append(session_cpu(process.pid) - cpu_before)
            rss.append(session_rss(process.pid))
            progress(
                f"  {name}: edit {number + 1}/{edits} visible after {samples[-1]:.3f} s, "
                f"on the other pages after {site_samples[-1]:.3f} s, "
                f"whole site after {rest_samples[-1]:.3f} s (load {loads[-1]:.1f})"
            )
        return {
            "load_average": list(os.getloadavg()),
            "loads": loads,
            "start_s": start_s,
            "samples": samples,
            "median": statistics.median(samples),
            "min": min(samples),
            "max": max(samples),
            "site_samples": site_samples,
            "site_median": statistics.median(site_samples),
            "rest_samples": rest_samples,
            "rest_median": statistics.median(rest_samples),
            "cpu_samples": cpu,
            "rss_samples": rss,
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def measure(
    posts: int, edits: int, seed: int = 1, work_dir: Path | None = None, change: str = "body"
) -> dict:
    """Both servers on one corpus of `posts` posts; medians of `edits` edits each.

    `change` "title": the neighbours' pages must show the new title too.
    """
    root = Path(tempfile.mkdtemp(prefix="commons-edit-bench-", dir=work_dir))
    try:
        progress(f"Edit-to-visible N={posts}: writing the corpus")
        made = corpus.make_posts(posts, seed)
        chosen = made[posts // 2]
        neighbours = neighbour_paths(made, chosen) if change == "title" else []
        pelican_files = corpus.write_corpus(posts, seed, root / "corpus-pelican", "pelican")
        path = f"{chosen.date:%Y}/{chosen.date:%m}/{chosen.slug}/"
        results: dict = {
            "posts": posts,
            "edits": edits,
            "change": change,
            "path": path,
            "neighbours": neighbours,
            "servers": {},
        }
        if shutil.which("hugo"):
            hugo_files = corpus.write_corpus(posts, seed, root / "corpus-hugo", "hugo")
            post = next(p for p in hugo_files if p.stem == chosen.slug)
            port = free_port()
            results["servers"]["hugo"] = measure_server(
                "hugo server",
                hugo_command(root / "corpus-hugo", port),
                post,
                f"http://{LOOPBACK}:{port}/{path}",
                edits,
                lambda done, settle=True: hugo_at_rest(root / "hugo.log", done + 1, settle=settle),
                root / "hugo.log",
                CHANGES[change],
                tuple(f"http://{LOOPBACK}:{port}/{other}" for other in neighbours),
            )
        else:
            results["hugo_note"] = "Hugo is not installed: no Hugo figure."
        post = next(p for p in pelican_files if p.stem == chosen.slug)
        port = free_port()
        results["servers"]["commons"] = measure_server(
            "commons preview",
            commons_command(root / "corpus-pelican", root / "output", port),
            post,
            f"http://{LOOPBACK}:{port}/{path}",
            edits,
            lambda done, settle=True: commons_at_rest(port, done),
            root / "commons.log",
            CHANGES[change],
            tuple(f"http://{LOOPBACK}:{port}/{other}" for other in neighbours),
        )
        hugo = results["servers"].get("hugo")
        if hugo:
            results["ratio"] = results["servers"]["commons"]["median"] / hugo["median"]
        return results
    finally:
        shutil.rmtree(root, ignore_errors=True)


def session_lines(entry: dict) -> list[str]:
    """Per-save CPU and memory, and the time to a consistent site (results
    written before these were measured have none)."""
    if not entry.get("cpu_samples"):
        return []
    window = min(WINDOW, len(entry["cpu_samples"]))
    first, last = entry["cpu_samples"][:window], entry["cpu_samples"][-window:]
    return [
        f"  {'':<36} CPU per save: median {statistics.median(first):.2f} s "
        f"(first {window}), {statistics.median(last):.2f} s (last {window}); "
        f"memory {entry['rss_samples'][0] / 2**20:.0f} MiB after the first save, "
        f"{entry['rss_samples'][-1] / 2**20:.0f} MiB after the last",
        f"  {'':<36} whole site consistent: median {entry['rest_median']:.3f} s "
        f"(load average at each edit {min(entry['loads']):.1f}-{max(entry['loads']):.1f})",
    ]


def format_text(results: dict) -> list[str]:
    change = CHANGE_NAMES[results.get("change", "body")]
    lines = [
        f"Edit-to-visible at N={results['posts']:,} ({change}, poll its "
        f"URL every {POLL_S * 1000:.0f} ms; median of {results['edits']} edits)"
    ]
    labels = {"hugo": "hugo server", "commons": "Commons preview (invoke livereload)"}
    for key, entry in results["servers"].items():
        lines.append(
            f"  {labels[key]:<36} median {entry['median']:.3f} s "
            f"(min {entry['min']:.3f}, max {entry['max']:.3f}); serving after "
            f"{entry['start_s']:.1f} s; load average {entry['load_average'][0]:.1f}"
        )
        if results.get("neighbours"):
            lines.append(f"  {'':<36} neighbours' pages too: median {entry['site_median']:.3f} s")
        lines.extend(session_lines(entry))
    if "ratio" in results:
        lines.append(f"  Commons ÷ Hugo: {results['ratio']:.2f}")
    if results.get("hugo_note"):
        lines.append(f"  {results['hugo_note']}")
    return lines


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.edit_to_visible", description=__doc__)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument(
        "--change",
        choices=sorted(CHANGES),
        default="body",
        help="append a paragraph, or retitle the post (then its neighbours' pages are waited for)",
    )
    args = parser.parse_args(argv)
    # `kill` (or a background job's Ctrl-C) stops the servers too.
    signal.signal(signal.SIGTERM, _interrupt)
    results = measure(args.posts, args.edits, args.seed, args.work_dir, args.change)
    print("\n".join(format_text(results)))
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

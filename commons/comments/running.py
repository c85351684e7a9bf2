"""Is a comment server running on this database? Asked before a restore.

Isso opens its SQLite file for each request only, so an idle server holds no
lock on it. Two signs that do not depend on a request being under way:

- a process on this machine runs Isso with a configuration (`ISSO_SETTINGS`
  in its environment, as the systemd unit and `invoke preview` set it, or
  `isso -c FILE`) whose `dbpath` is this database (Linux's /proc; processes of
  other users are seen when run as root or as the server's user);
- something answers at `COMMENTS_SERVER['bind']`, when the database is the
  configured one.
"""

from __future__ import annotations

import configparser
import itertools
import socket
from contextlib import closing
from pathlib import Path

PROC = Path("/proc")


def listening(bind: str, timeout: float = 2) -> bool:
    """Whether something accepts connections at `bind` (host:port, [v6]:port, unix:/path)."""
    if bind.startswith("unix:"):
        family, address = socket.AF_UNIX, bind.removeprefix("unix:")
    else:
        host, _, port = bind.rpartition(":")
        host = host.strip("[]")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        address = (host, int(port))
    with closing(socket.socket(family, socket.SOCK_STREAM)) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError:
            return False
    return True


def _config_file(pid: Path) -> tuple[Path, Path] | None:
    """(the Isso configuration a process was started with, its working folder), if any.

    ISSO_SETTINGS wins over `-c`, as in Isso itself."""
    try:
        environ = (pid / "environ").read_bytes().split(b"\0")
        argv = (pid / "cmdline").read_bytes().split(b"\0")
        cwd = (pid / "cwd").readlink()
    except OSError:  # gone, or another user's process
        return None
    named = None
    is_isso = any(Path(word.decode(errors="replace")).name == "isso" for word in argv[:2])
    for flag, value in itertools.pairwise(argv):
        if is_isso and flag in (b"-c", b"--config"):
            named = value
    for entry in environ:
        if entry.startswith(b"ISSO_SETTINGS=") and len(entry) > len(b"ISSO_SETTINGS="):
            named = entry.removeprefix(b"ISSO_SETTINGS=")
    if not named:
        return None
    return cwd / named.decode(errors="surrogateescape"), cwd


def _dbpath(config: Path, cwd: Path) -> Path | None:
    """The database the configuration names; Isso opens a relative one from its working folder."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(config, encoding="utf-8")
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None
    value = parser.get("general", "dbpath", fallback="")
    return cwd / value if value else None


def processes_using(database: Path) -> list[int]:
    """The ids of the processes running Isso on `database` (empty where /proc is absent)."""
    target = Path(database).resolve()
    found = []
    for pid in PROC.glob("[0-9]*"):
        started = _config_file(pid)
        dbpath = _dbpath(*started) if started else None
        if dbpath is not None and dbpath.resolve() == target:
            found.append(int(pid.name))
    return sorted(found)

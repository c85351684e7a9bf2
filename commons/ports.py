"""Whether a local TCP port is free, and which program holds it when it is not.

Linux tells which sockets listen (/proc/net/tcp and tcp6, by inode) and which
process has each socket open (/proc/PID/fd). A process of another user, or a
system without /proc, cannot be seen: the holder is then unknown, never
guessed.
"""

from __future__ import annotations

import errno
import os
import socket
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# The state column of /proc/net/tcp for a listening socket.
TCP_LISTEN = "0A"


@dataclass(frozen=True)
class PortHolder:
    """A process with a listening socket open."""

    pid: int
    program: str

    def describe(self) -> str:
        # The name is the program's own choice: shown with its control
        # characters escaped, so it cannot rewrite the terminal.
        shown = self.program.encode("unicode_escape").decode("ascii")
        return f"{shown} (pid {self.pid})"


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now.

    SO_REUSEADDR as servers set it: a closed connection still in TIME_WAIT
    does not make the port busy; a listening socket does.
    """
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def listening_inodes(port: int, proc: Path = PROC) -> set[str]:
    """The inodes of the sockets listening on `port`, on any address, IPv4 or IPv6."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10 or fields[3] != TCP_LISTEN:
                continue
            local_port = int(fields[1].rpartition(":")[2], 16)
            if local_port == port:
                inodes.add(fields[9])
    return inodes


def port_holders(port: int, proc: Path = PROC) -> list[PortHolder]:
    """The processes that have a socket listening on `port` open (empty: unknown)."""
    sockets = {f"socket:[{inode}]" for inode in listening_inodes(port, proc)}
    if not sockets:
        return []
    holders = []
    for process in proc.iterdir():
        if not process.name.isdigit():
            continue
        if sockets.isdisjoint(open_files(process)):
            continue
        try:
            program = (process / "comm").read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue  # it ended while it was read
        holders.append(PortHolder(int(process.name), program))
    return sorted(holders, key=lambda holder: holder.pid)


def open_files(process: Path) -> set[str]:
    """What a process's file descriptors point at (empty for another user's process)."""
    targets = set()
    try:
        descriptors = list((process / "fd").iterdir())
    except OSError:
        return targets
    for descriptor in descriptors:
        try:
            targets.add(os.readlink(descriptor))
        except OSError:
            continue  # closed while the list was read
    return targets


def session_of(pid: int) -> int | None:
    """The session a process belongs to, or None when it has ended."""
    try:
        return os.getsid(pid)
    except (ProcessLookupError, PermissionError):
        return None

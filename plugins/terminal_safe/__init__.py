"""Every log message of a build is safe to show in a terminal.

A file name, title or comment can carry terminal escape sequences (OSC 52
writes the clipboard on some terminals, `ESC [2J` clears the screen) and
bidirectional overrides. Every message Pelican and the plugins log reaches a
terminal through `invoke build`, `check`, `preview` or `publish`; this plugin,
first in PLUGINS, makes each log record with those controls written as escapes
(`\\x1b`, `\\u202e`) the moment it is made, whatever handler prints it.
"""

from .terminal_safe import register, safe_record

__all__ = ["register", "safe_record"]

"""The one way Commons' tools write a file: inside a folder, never through a link.

Importers, `migrate-links`, `new-post`, the comment tools and the generated
redirects all take names from somewhere else: an export's post ids and
attachment names, a post's slug, a command line. A `Folder` is the only thing
that turns such a name into a written file. It

- takes a relative path of plain names (no `..`, no absolute path, no empty,
  hidden or control-character name), so the path it writes is the path it was
  given and was checked;
- walks to the file one folder at a time with `O_NOFOLLOW`, so a symbolic link
  planted anywhere on the way (or as the file) is refused, not followed;
- writes a temporary file beside the target and links it into place, so a file
  that is already there is never replaced without `force`, not even when it
  appears between the check and the write, and a reader never sees half a file;
- gives files and folders the modes it is told, whatever the umask.

The files Commons keeps for itself, at paths it chose, are written by
`replace_file`: the same temporary file beside the target, renamed over it.
"""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import stat
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from commons.errors import InputError

FILE_MODE = 0o644
DIR_MODE = 0o755
# Longest name most Linux file systems take, in bytes.
NAME_MAX = 255


class WriteRefused(InputError):
    """A write that would leave the folder, follow a link or replace a file; says the fix."""


def unsafe_character(name: str) -> str | None:
    """The first character of `name` no file name should hold, or None.

    Control characters reach terminals raw; bidirectional controls make a name
    read as another one.
    """
    for character in name:
        if unicodedata.category(character) in {"Cc", "Cf", "Zl", "Zp"}:
            return character
    return None


def name_problem(name: str) -> str | None:
    """Why `name` is not a plain file or folder name, or None when it is one."""
    if not name:
        return "an empty name"
    if name in {".", ".."}:
        return f"the name {name!r}"
    if "/" in name or "\\" in name:
        return "a name with a slash"
    if name.startswith("."):
        return "a hidden name (starting with '.')"
    character = unsafe_character(name)
    if character is not None:
        return f"a name with the control character U+{ord(character):04X}"
    if len(name.encode("utf-8", "surrogateescape")) > NAME_MAX:
        return f"a name longer than {NAME_MAX} bytes"
    return None


def plain_parts(relative: str | os.PathLike) -> tuple[str, ...]:
    """`relative`'s names, each checked with `name_problem`; raises WriteRefused."""
    text = os.fspath(relative)
    path = PurePosixPath(text)
    if path.is_absolute() or not path.parts or "\\" in text:
        raise WriteRefused(
            f"{text!r} is not a relative path inside the folder. Fix: give a path such as "
            "'posts/my-post.md'."
        )
    for part in path.parts:
        problem = name_problem(part)
        if problem is not None:
            raise WriteRefused(
                f"{text!r} has {problem}. Fix: use plain names (letters, digits, '-', '_', '.') "
                "that stay inside the folder."
            )
    return path.parts


def slug_name(text: str, settings: dict) -> str:
    """Pelican's slug of `text` (with the site's SLUG_REGEX_SUBSTITUTIONS) when it is a
    plain file name, else "".

    Names that come from elsewhere (a title, an export's post id, a slug) are
    reduced to this; a site's own substitutions may keep characters such as
    '.' or '/', so the slug is checked again, not trusted.
    """
    from pelican.settings import DEFAULT_CONFIG
    from pelican.utils import slugify

    substitutions = settings.get("SLUG_REGEX_SUBSTITUTIONS")
    if substitutions is None:
        substitutions = DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"]
    slug = slugify(text, regex_subs=substitutions)
    if name_problem(slug) is not None or name_problem(f"{slug}.md") is not None:
        return ""
    return slug


def open_regular(name: str | os.PathLike, *, shown: Path, dir_fd: int | None = None):
    """`name` opened for reading, refused (WriteRefused) when it is a link or not a file.

    `shown` is the path messages name; `dir_fd` the folder `name` is relative to.
    """
    try:
        descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise WriteRefused(
                f"{shown} is a symbolic link; Commons does not read through links. Fix: "
                "replace the link with the file itself."
            ) from error
        raise
    handle = os.fdopen(descriptor, "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise WriteRefused(f"{shown} is not a regular file. Fix: remove it, or give a file.")
    return handle


class Folder:
    """A folder that tools write into, by relative path; see the module's docstring."""

    def __init__(
        self,
        root: str | os.PathLike,
        *,
        force: bool = False,
        file_mode: int = FILE_MODE,
        dir_mode: int = DIR_MODE,
    ):
        self.root = Path(root)
        self.force = force
        self.file_mode = file_mode
        self.dir_mode = dir_mode

    def __repr__(self) -> str:
        return f"Folder({str(self.root)!r}, force={self.force})"

    def path(self, relative: str | os.PathLike) -> Path:
        """Where `relative` is, once checked (nothing is looked up on disk)."""
        return self.root.joinpath(*plain_parts(relative))

    def relative(self, path: str | os.PathLike) -> PurePosixPath:
        """`path` (absolute, or relative to the working folder) as a path inside the folder."""
        root = self.root.resolve()
        absolute = Path(os.path.abspath(path))
        parent = absolute.parent.resolve()
        if not parent.is_relative_to(root):
            raise WriteRefused(f"{path}: outside {self.root}. Fix: give a file inside {self.root}.")
        relative = PurePosixPath((parent / absolute.name).relative_to(root).as_posix())
        plain_parts(relative)
        return relative

    @contextmanager
    def _directory(self, parts: tuple[str, ...], *, create: bool) -> Iterator[int]:
        """A descriptor of the folder `parts` below the root, opened without following links."""
        if create:
            self.root.mkdir(parents=True, exist_ok=True, mode=self.dir_mode)
        descriptor = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for index, part in enumerate(parts):
                if create:
                    try:
                        os.mkdir(part, self.dir_mode, dir_fd=descriptor)
                        os.chmod(part, self.dir_mode, dir_fd=descriptor, follow_symlinks=False)
                    except FileExistsError:
                        pass
                try:
                    child = os.open(
                        part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=descriptor
                    )
                except OSError as error:
                    shown = self.root.joinpath(*parts[: index + 1])
                    if error.errno in {errno.ELOOP, errno.ENOTDIR}:
                        raise WriteRefused(
                            f"{shown} is a symbolic link or a file, not a folder; nothing was "
                            "written through it. Fix: remove it, or make it a real folder."
                        ) from error
                    raise
                os.close(descriptor)
                descriptor = child
            yield descriptor
        finally:
            os.close(descriptor)

    def exists(self, relative: str | os.PathLike) -> bool:
        """Whether anything (a file, a folder, a link) stands at `relative`."""
        parts = plain_parts(relative)
        try:
            with self._directory(parts[:-1], create=False) as directory:
                os.stat(parts[-1], dir_fd=directory, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            return False
        except WriteRefused:
            return True
        return True

    def refusal(self, relative: str | os.PathLike, *, force: bool | None = None) -> str | None:
        """Why writing `relative` now would be refused (the sentence with its fix), or None.

        Nothing is written: tools call this for every file first, so that one
        run lists every clash before it writes anything.
        """
        replace = self.force if force is None else force
        try:
            parts = plain_parts(relative)
            with self._directory(parts[:-1], create=False) as directory:
                existing = os.stat(parts[-1], dir_fd=directory, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except WriteRefused as refused:
            return str(refused)
        return _existing_problem(self.path(relative), existing, replace)

    def files(self, suffixes: tuple[str, ...]) -> tuple[list[str], list[str]]:
        """The regular files below the folder whose names end with one of `suffixes`
        (compared in lower case), as sorted relative paths; and, sorted, a sentence
        for each symbolic link (to a file or a folder) and each name that is not
        plain, which are left out: a link is never followed, not even inside."""
        found, skipped = [], []
        for directory, folders, names in os.walk(self.root):
            here = Path(directory)
            for name in folders:
                if (here / name).is_symlink():
                    skipped.append(f"{here / name}: a symbolic link to a folder, not followed")
            for name in names:
                if not name.lower().endswith(suffixes):
                    continue
                path = here / name
                if path.is_symlink():
                    skipped.append(f"{path}: a symbolic link, not followed")
                    continue
                relative = path.relative_to(self.root).as_posix()
                try:
                    plain_parts(relative)
                except WriteRefused as refused:
                    skipped.append(str(refused))
                    continue
                found.append(relative)
        return sorted(found), sorted(skipped)

    def read_bytes(self, relative: str | os.PathLike) -> bytes:
        """The file at `relative`, refused when it (or a folder on the way) is a link."""
        parts = plain_parts(relative)
        with (
            self._directory(parts[:-1], create=False) as directory,
            open_regular(parts[-1], shown=self.path(relative), dir_fd=directory) as handle,
        ):
            return handle.read()

    def read_text(self, relative: str | os.PathLike) -> str:
        return self.read_bytes(relative).decode("utf-8")

    def write_bytes(
        self, relative: str | os.PathLike, data: bytes, *, force: bool | None = None
    ) -> Path:
        """Write `data` to `relative`; returns the path written.

        An existing file is replaced only with `force` (the folder's, unless
        given here); a link, a folder or any other non-file there is never
        replaced.
        """
        return self._place(relative, lambda handle: handle.write(data), force)

    def write_from(
        self,
        relative: str | os.PathLike,
        fill: Callable[[BinaryIO], object],
        *,
        force: bool | None = None,
    ) -> Path:
        """Write `relative` by calling `fill` with its open binary handle; returns the path.

        For data written piece by piece, too large to hold as one string; the
        same checks and the same write-then-link as `write_bytes`.
        """
        return self._place(relative, fill, force)

    def _place(self, relative, fill, force: bool | None) -> Path:
        """Write a file at `relative` by calling `fill` with its open binary handle."""
        replace = self.force if force is None else force
        parts = plain_parts(relative)
        target = self.path(relative)
        with self._directory(parts[:-1], create=True) as directory:
            name = parts[-1]
            try:
                existing = os.stat(name, dir_fd=directory, follow_symlinks=False)
            except FileNotFoundError:
                existing = None
            if existing is not None:
                problem = _existing_problem(target, existing, replace)
                if problem is not None:
                    raise WriteRefused(problem)
            with _temporary_beside(directory, name, fill, self.file_mode) as temporary:
                if replace:
                    os.rename(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
                else:
                    # A hard link fails when the name exists, even one made since the check.
                    try:
                        os.link(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
                    except FileExistsError as error:
                        raise WriteRefused(
                            f"{target} appeared while it was being written; nothing was "
                            "written to it. Fix: run the command again."
                        ) from error
        return target

    def write_text(
        self, relative: str | os.PathLike, text: str, *, force: bool | None = None
    ) -> Path:
        return self.write_bytes(relative, text.encode("utf-8"), force=force)

    def copy_file(
        self, source: str | os.PathLike, relative: str | os.PathLike, *, force: bool | None = None
    ) -> Path:
        """Copy the regular file `source` (not a link to one) to `relative`."""
        with open_regular(source, shown=Path(source)) as reader:
            return self._place(relative, lambda handle: shutil.copyfileobj(reader, handle), force)


def replace_file(path: str | os.PathLike, data: bytes | str, *, mode: int = FILE_MODE) -> Path:
    """Put `data` (text is written as UTF-8) at `path` with `mode`, replacing what is there;
    returns the path.

    For the files Commons keeps for itself at paths it chose (a build's problem
    file, its cache record, the comment snapshots, the server files): the file
    is written whole beside `path`, then renamed over it, so a reader sees the
    old file or the new one, never half of one, and two writers never share a
    temporary file. Names that come from elsewhere go through a `Folder`.
    """
    path = Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with _temporary_beside(
            directory, path.name, lambda handle: handle.write(content), mode
        ) as temporary:
            os.replace(temporary, path.name, src_dir_fd=directory, dst_dir_fd=directory)
    finally:
        os.close(directory)
    return path


@contextmanager
def _temporary_beside(
    directory: int, name: str, fill: Callable[[BinaryIO], object], mode: int
) -> Iterator[str]:
    """The name of a new file in the folder `directory` (a descriptor), filled by `fill`
    and given `mode`, for the caller to rename or link to `name`; removed on exit
    when it is still there.

    Its name is new (`O_EXCL`, never through a link), so nothing planted or
    half-written by another writer is reused.
    """
    temporary = f".{name[: NAME_MAX - 20]}.{secrets.token_hex(6)}.tmp"
    descriptor = os.open(
        temporary,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
        0o600,
        dir_fd=directory,
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
        yield temporary
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=directory)


def _existing_problem(target: Path, existing: os.stat_result, replace: bool) -> str | None:
    """Why the thing standing at `target` may not be replaced, or None when it may."""
    if not stat.S_ISREG(existing.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(existing.st_mode) else "not a file"
        return (
            f"{target} is {kind}; nothing was written. Fix: remove it, then run the command again."
        )
    if not replace:
        return (
            f"{target} already exists; nothing was written to it. Fix: move it away, or run "
            "again with --force to replace it."
        )
    return None


__all__ = [
    "Folder",
    "WriteRefused",
    "name_problem",
    "plain_parts",
    "replace_file",
    "slug_name",
    "unsafe_character",
]

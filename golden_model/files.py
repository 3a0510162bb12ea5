"""Output files: checks done before any work, and atomic writes.

Every file the project writes for a user (``--json``, ``--plot``, ``--trace``, ``-o``, ``--markdown``, traces) goes
through :func:`atomic_write`: the data goes to a temporary file in the same folder, which replaces the target only
once it is complete (:func:`os.replace`), so a failure never leaves a half-written file or clobbers an old one.
:func:`check_output_file` and :func:`check_output_dir` say, before the work starts, whether a path can be written;
they raise :class:`OutputPathError` (a ``ValueError``) with a message that names the path and the problem, and
leave nothing behind. This module imports nothing of the project (every layer may use it).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["OutputPathError", "check_output_file", "check_output_dir", "atomic_write", "write_text"]


class OutputPathError(ValueError):
    """A path that cannot be written."""


def _probe_dir(folder: Path, what: str) -> None:
    """Create and remove a temporary file in ``folder``: the only reliable writability test (permissions,
    read-only mounts, root)."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".mgd-write-test-")
    except OSError as exc:
        raise OutputPathError(f"{what}: cannot create files in {str(folder)!r} ({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(name)


def check_output_file(path, what: str = "output file", suffixes=None) -> Path:
    """``path`` as a :class:`~pathlib.Path` if a file can be written there: not a directory, its folder exists and
    is writable, not an existing read-only file; ``suffixes`` (lower case, with the dot) restricts the extension.
    Raises :class:`OutputPathError` naming ``what`` otherwise; creates nothing."""
    path = Path(path)
    if str(path) in ("", "."):
        raise OutputPathError(f"{what}: empty path")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise OutputPathError(f"{what} {str(path)!r} must end in one of {', '.join(sorted(suffixes))}")
    if path.is_dir():
        raise OutputPathError(f"{what} {str(path)!r} is a directory, not a file")
    folder = path.parent
    if not folder.exists():
        raise OutputPathError(f"{what}: directory {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise OutputPathError(f"{what}: {str(folder)!r} is not a directory")
    if path.exists() and (not path.is_file() or not os.access(path, os.W_OK)):
        raise OutputPathError(f"{what} {str(path)!r} exists and is not a writable regular file")
    _probe_dir(folder, what)
    return path


def check_output_dir(path, what: str = "output directory") -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a writable directory or can be created (its nearest existing
    ancestor is a writable directory). Raises :class:`OutputPathError` otherwise; creates nothing."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise OutputPathError(f"{what} {str(path)!r} exists and is not a directory")
        _probe_dir(path, what)
        return path
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputPathError(f"{what} {str(path)!r} cannot be created: {str(ancestor)!r} is not a directory")
    _probe_dir(ancestor, what)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", **open_kwargs):
    """Open a temporary file next to ``path`` for writing (``mode`` "w" or "wb"); when the block ends without an
    exception it replaces ``path`` (with the permissions a new file would get), else it is removed."""
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path, "w", encoding="utf-8") as f:
        f.write(text)

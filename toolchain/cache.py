"""Content-addressed caches of tool results: keys that hash everything a result depends on, and directories of
result files stored so that a half-written entry is never taken for a finished one.

:func:`sha` is the key function (a short SHA-256 of its parts). A cache entry is a directory named by the key
holding the result files: :func:`fetch` copies them out when all are there, :func:`store` copies them into a
temporary directory next to the entry and renames it into place (when another process stored the same key first,
its entry is kept). :func:`recorded` reads a number a finished step left in a small JSON sidecar.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

__all__ = ["sha", "fetch", "store", "recorded"]


def sha(*parts) -> str:
    """A 20-hex-digit SHA-256 of ``parts`` (bytes as they are, anything else as ``str``), each followed by a NUL."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def fetch(entry: Path, names, workdir: Path) -> bool:
    """Copy the files ``names`` of the cache ``entry`` into ``workdir``; False (nothing copied) unless all exist."""
    entry = Path(entry)
    if not all((entry / name).is_file() for name in names):
        return False
    for name in names:
        shutil.copyfile(entry / name, Path(workdir) / name)
    return True


def store(entry: Path, names, workdir: Path) -> None:
    """Store the files ``names`` of ``workdir`` as the cache ``entry`` (atomically: a temporary directory renamed
    into place; an entry another process stored first is kept)."""
    entry = Path(entry)
    tmp = entry.with_name(entry.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(Path(workdir) / name, tmp / name)
    try:
        tmp.rename(entry)
    except OSError:  # another process stored the same key first
        shutil.rmtree(tmp, ignore_errors=True)


def recorded(path: Path, key: str) -> float | None:
    """A number recorded in a cache sidecar (the JSON object in ``path``, e.g. the seconds a cached step took when
    it was done), or None when the file, the key or a number is missing."""
    try:
        return float(json.loads(Path(path).read_text())[key])
    except (OSError, ValueError, KeyError, TypeError):
        return None

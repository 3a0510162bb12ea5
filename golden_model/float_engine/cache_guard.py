"""Keeps numba's on-disk cache of this package's kernels in step with all of the package's sources.

Numba checks a cached function against its own file only; :func:`~.kernel.run_steps` inlines functions of the
package's other modules, so an edit there would leave a stale compiled kernel in use. :func:`drop_stale_caches`
(run when the package is imported, before any kernel is compiled or loaded) hashes every ``*.py`` of the package
and, when the hash differs from the one recorded beside the cache, deletes the package's cache files
(``__pycache__/*.nbi``, ``*.nbc``), so the next call compiles afresh. Caches kept elsewhere (``NUMBA_CACHE_DIR``)
are not seen: clear them by hand after editing the engine.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["sources_digest", "drop_stale_caches"]

STAMP = "float_engine.sources"


def sources_digest(package_dir: Path) -> str:
    """SHA-256 over the names and contents of the package's ``*.py`` files, in name order."""
    h = hashlib.sha256()
    for path in sorted(Path(package_dir).glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def drop_stale_caches(package_dir: Path) -> bool:
    """Delete the package's numba cache files if its sources changed since they were recorded; returns whether it
    deleted any. A read-only install that cannot record the stamp keeps working (numba recompiles when it must)."""
    cache = Path(package_dir) / "__pycache__"
    stamp = cache / STAMP
    digest = sources_digest(package_dir)
    try:
        if stamp.read_text() == digest:
            return False
    except OSError:
        pass
    dropped = False
    for path in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
        try:
            path.unlink()
            dropped = True
        except OSError:
            pass
    try:
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:
        pass
    return dropped

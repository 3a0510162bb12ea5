"""The float engine's cache guard: an edit to any module of the package drops the compiled kernels' cache files."""

from mgd.golden_model.float_engine.cache_guard import STAMP, drop_stale_caches, sources_digest


def _package(tmp_path):
    (tmp_path / "kernel.py").write_text("def run_steps(): pass\n")
    (tmp_path / "network.py").write_text("def forward(): pass\n")
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    return cache


def _cached(cache):
    for name in ("kernel.run_steps-26.py311.nbi", "kernel.run_steps-26.py311.1.nbc"):
        (cache / name).write_bytes(b"compiled")


def test_unchanged_sources_keep_the_cache_and_an_edit_drops_it(tmp_path):
    cache = _package(tmp_path)
    _cached(cache)
    assert drop_stale_caches(tmp_path)  # no stamp yet: the cache cannot be trusted
    assert not list(cache.glob("*.nb?")) and (cache / STAMP).read_text() == sources_digest(tmp_path)
    _cached(cache)
    assert not drop_stale_caches(tmp_path)  # same sources: kept
    assert len(list(cache.glob("*.nb?"))) == 2
    (tmp_path / "network.py").write_text("def forward(): return 1\n")  # an inlined function's file, not kernel.py
    assert drop_stale_caches(tmp_path)
    assert not list(cache.glob("*.nb?"))


def test_the_digest_covers_every_module_and_its_name(tmp_path):
    _package(tmp_path)
    before = sources_digest(tmp_path)
    (tmp_path / "update.py").write_text("")
    assert sources_digest(tmp_path) != before
    (tmp_path / "update.py").rename(tmp_path / "state.py")
    assert sources_digest(tmp_path) not in (before,)

"""Output files (golden_model/files.py): the up-front path checks create nothing, and atomic writes either replace
the target whole or leave it (and its folder) exactly as it was. tests/test_bad_input.py checks the CLI's messages
for bad output paths; this file checks the module's own behaviour directly."""

import os
import stat

import pytest

from mgd.golden_model.files import OutputPathError, atomic_write, check_output_dir, check_output_file, write_text


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_atomic_write_creates_the_file_with_its_content_and_no_leftovers(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_write(target) as f:
        f.write("hello\n")
        assert not target.exists()  # nothing at the target until the block ends
    assert target.read_text() == "hello\n"
    assert _listing(tmp_path) == ["out.txt"]


def test_atomic_write_binary_mode(tmp_path):
    target = tmp_path / "out.bin"
    with atomic_write(target, "wb") as f:
        f.write(bytes(range(256)))
    assert target.read_bytes() == bytes(range(256))


def test_an_error_in_the_block_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old content")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as f:
            f.write("new, half-written")
            raise RuntimeError("boom")
    assert target.read_text() == "old content"
    assert _listing(tmp_path) == ["keep.txt"]


def test_an_error_before_any_file_existed_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):  # BaseException too: an interrupted write leaves no partial file
        with atomic_write(tmp_path / "new.json") as f:
            f.write("{")
            raise KeyboardInterrupt
    assert _listing(tmp_path) == []


def test_a_write_error_inside_the_file_leaves_nothing(tmp_path):
    with pytest.raises(UnicodeEncodeError):
        with atomic_write(tmp_path / "a.txt", "w", encoding="ascii") as f:
            f.write("θ")
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("mode", ["a", "r", "w+", "x"])
def test_only_write_modes_are_accepted(tmp_path, mode):
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "f", mode):
            pass
    assert _listing(tmp_path) == []


def test_replaced_file_gets_the_permissions_of_a_new_file(tmp_path):
    target = tmp_path / "perm.txt"
    old = os.umask(0o027)
    try:
        write_text(target, "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~0o027  # not mkstemp's 0o600


def test_write_text_is_utf8(tmp_path):
    write_text(tmp_path / "u.txt", "Δθ = 2^−4\n")
    assert (tmp_path / "u.txt").read_bytes() == "Δθ = 2^−4\n".encode()


def test_check_output_file_accepts_new_and_existing_files_and_creates_nothing(tmp_path):
    (tmp_path / "old.json").write_text("{}")
    assert check_output_file(tmp_path / "new.json") == tmp_path / "new.json"
    assert check_output_file(str(tmp_path / "old.json")) == tmp_path / "old.json"
    assert check_output_file(tmp_path / "Plot.PNG", suffixes={".png"}) == tmp_path / "Plot.PNG"  # case-insensitive
    assert _listing(tmp_path) == ["old.json"]
    assert (tmp_path / "old.json").read_text() == "{}"


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda d: d / "sub.png", "is a directory"),
        (lambda d: d / "missing" / "f.png", "does not exist"),
        (lambda d: d / "afile" / "f.png", "is not a directory"),
        (lambda d: d / "plot.txt", "must end in one of .pdf, .png"),
        (lambda d: "", "empty path"),
        (lambda d: ".", "empty path"),
    ],
)
def test_check_output_file_refusals_name_the_problem(tmp_path, make, match):
    (tmp_path / "sub.png").mkdir()
    (tmp_path / "afile").write_text("")
    before = _listing(tmp_path)
    with pytest.raises(OutputPathError, match=match) as info:
        check_output_file(make(tmp_path), what="--plot", suffixes={".png", ".pdf"})
    assert "--plot" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert _listing(tmp_path) == before


def test_an_existing_non_regular_file_is_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputPathError, match="exists and is not a writable regular file"):
        check_output_file(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files and folders")
def test_read_only_file_and_folder_are_refused(tmp_path):
    ro = tmp_path / "ro.txt"
    ro.write_text("")
    ro.chmod(0o444)
    with pytest.raises(OutputPathError, match="not a writable regular file"):
        check_output_file(ro)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputPathError, match="cannot create files"):
            check_output_file(folder / "f.txt")
        with pytest.raises(OutputPathError, match="cannot create files"):
            check_output_dir(folder / "new" / "deeper")
    finally:
        folder.chmod(0o755)
    assert _listing(folder) == []


def test_check_output_dir_accepts_existing_and_creatable_folders_without_creating_them(tmp_path):
    assert check_output_dir(tmp_path) == tmp_path
    deep = tmp_path / "a" / "b" / "c"
    assert check_output_dir(deep) == deep
    assert _listing(tmp_path) == []


def test_check_output_dir_refuses_files_on_the_way(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(OutputPathError, match="exists and is not a directory"):
        check_output_dir(tmp_path / "f", what="--build-dir")
    with pytest.raises(OutputPathError, match="cannot be created"):
        check_output_dir(tmp_path / "f" / "sub" / "deeper")
    assert _listing(tmp_path) == ["f"]

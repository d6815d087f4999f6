"""Keys kept by the bot itself: generated once, owner-only, the environment's wins."""

from __future__ import annotations

import os
from pathlib import Path

from adapters.matrix_crypto import LEGACY_PICKLE_KEY, crypto_store_key
from adapters.matrix_state import MatrixState
from bot.private_files import is_file, private_secret, write_private


def test_a_generated_key_is_kept_owner_only_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "matrix" / "pickle.key"
    first = private_secret(key_file, None)
    assert len(first) >= 40 and first != LEGACY_PICKLE_KEY
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert private_secret(key_file, None) == first
    assert private_secret(key_file, "aus-der-umgebung") == "aus-der-umgebung"


def test_the_matrix_crypto_store_never_gets_the_public_default(tmp_path: Path) -> None:
    assert crypto_store_key(tmp_path, None) != LEGACY_PICKLE_KEY  # a fresh install
    assert crypto_store_key(tmp_path, "geheim") == "geheim"
    older = tmp_path / "older"
    older.mkdir()
    (older / "@lotse:stadt.de_DEVICE.db").write_bytes(b"")  # pickled by an older version
    assert crypto_store_key(older, None) == LEGACY_PICKLE_KEY  # still readable, and warned


def test_an_erased_matrix_user_leaves_the_adapter_state(tmp_path: Path) -> None:
    state = MatrixState(tmp_path / "state.json")
    state.direct_rooms = {"@anna:stadt.de": "!dm-anna", "@bob:stadt.de": "!dm-bob"}
    state.save()
    state.forget("@anna:stadt.de")
    state.save()
    written = (tmp_path / "state.json").read_text(encoding="utf-8")
    assert "anna" not in written and "@bob:stadt.de" in written


def test_a_written_file_is_owner_only_and_never_written_through_a_link(tmp_path: Path) -> None:
    """Trial 23: `digest --out` into a planted link overwrote its target; into a file made
    readable for all it kept that mode."""
    victim = tmp_path / "victim.txt"
    victim.write_text("unverändert")
    link = tmp_path / "digest.html"
    link.symlink_to(victim)
    write_private(link, "<html>")
    assert victim.read_text() == "unverändert"
    assert not link.is_symlink() and link.read_text() == "<html>"
    planted = tmp_path / "export.json"
    planted.write_text("")
    planted.chmod(0o666)
    write_private(planted, b"{}")
    assert planted.stat().st_mode & 0o777 == 0o600 and planted.read_bytes() == b"{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "digest.html",
        "export.json",
        "victim.txt",
    ]


def test_what_is_no_file_is_written_as_it_is(tmp_path: Path) -> None:
    """Trial 24: `digest --out /dev/null` replaced the device with a file."""
    import stat

    write_private(Path("/dev/null"), "verworfen")
    assert stat.S_ISCHR(Path("/dev/null").stat().st_mode) and not is_file(Path("/dev/null"))
    assert is_file(tmp_path / "neu.md")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_private(pipe, "durch")  # ours: as `--out /dev/stdout` into a pipe
        assert os.read(reader, 100) == b"durch" and stat.S_ISFIFO(pipe.stat().st_mode)
    finally:
        os.close(reader)

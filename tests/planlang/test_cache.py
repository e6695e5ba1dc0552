"""lark's parse tables are cached in a directory of this user's only: the
cache is a pickle, and one in the shared temp directory under a predictable
name would let anyone who can write there run code in planlang."""

import os
import tempfile
from pathlib import Path

import pytest

from planlang.syntax.parser import cache_file

pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")


def test_the_cache_lives_in_a_private_directory(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = Path(cache_file())
    assert path.parent == tmp_path / "planlang"
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert not str(path).startswith(tempfile.gettempdir() + "/.lark_")


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_directory_others_can_write_is_not_used(tmp_path: Path, monkeypatch, mode):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "planlang").mkdir()
    (tmp_path / "planlang").chmod(mode)
    assert cache_file() is False


def test_a_symlinked_directory_is_not_used(tmp_path: Path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "planlang").symlink_to(elsewhere)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert cache_file() is False


def test_no_cache_when_the_directory_cannot_be_made(tmp_path: Path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert cache_file() is False

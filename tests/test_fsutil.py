"""fsutil: a failed write leaves the old file or folder whole and no temp files behind."""
from __future__ import annotations

import pytest

from assistant.fsutil import atomic_dir, atomic_write


class Boom(Exception):
    pass


def test_atomic_write_replaces_and_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "cache" / "model.pkl"
    atomic_write(target, b"first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"

    def fail(*args):
        raise Boom

    monkeypatch.setattr("assistant.fsutil.os.replace", fail)
    with pytest.raises(Boom):
        atomic_write(target, b"third")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["model.pkl"]


def test_atomic_dir_failure_keeps_the_old_folder(tmp_path):
    target = tmp_path / "shop"
    with atomic_dir(target) as tmp:
        (tmp / "a.csv").write_text("1")
    with pytest.raises(Boom), atomic_dir(target) as tmp:
        (tmp / "a.csv").write_text("2")
        raise Boom
    assert (target / "a.csv").read_text() == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["shop"]

"""Write folders so readers never see half of them.

    with atomic_dir(Path("data/my-shop")) as tmp:   # write into tmp; renamed into place on success
        (tmp / "products.csv").write_text(...)
    atomic_write(Path("cache/model.pkl"), pickle.dumps(obj))   # one file: temp beside it, then rename

    publish_build(Path("indexes"), Path("indexes/builds/2026...")) # atomically repoint indexes/current
    for n, row in csv_rows(Path("eval.csv"), ("request_id", "text")): ...   # rows numbered from 1 after the header
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import DataError


@contextlib.contextmanager
def atomic_dir(target: Path):
    """Yield an empty temp folder beside `target`; on success it replaces `target`, on error it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it into place: readers see the old file or the new."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def publish_build(index_root: Path, build_dir: Path, keep: int = 2) -> None:
    """Point `index_root/current` at `build_dir` with one atomic rename; prune old builds."""
    link = index_root / "current"
    tmp_link = index_root / f".current.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(build_dir, index_root), tmp_link)
    os.replace(tmp_link, link)
    builds = sorted((p for p in build_dir.parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
                    key=lambda p: p.stat().st_mtime)
    for old in builds[:-keep]:
        if old.resolve() != build_dir.resolve():
            shutil.rmtree(old, ignore_errors=True)


def file_sha256(path: Path, digest=None) -> str:
    """Hex sha256 of a file's bytes (or feed them into an existing `digest`)."""
    own = digest is None
    digest = digest or hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() if own else ""


def csv_rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """(row number from 1 after the header, row) of a UTF-8 CSV; a missing column raises DataError naming the file."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(Path(path).name, f"missing column(s) {missing}")
        yield from enumerate(reader, 1)

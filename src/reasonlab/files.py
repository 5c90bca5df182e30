"""Reading user files safely and writing files atomically.

Writes: a temp file in the target folder, fsync, then ``os.replace``, so a killed process leaves
either the old file or the new one, never half of one. The file gets the mode a plain ``open``
would give (0666 less the umask), not ``mkstemp``'s private 0600.

Reading user files safely is :mod:`reasonlab.validation`'s job (``read_text``, ``read_json``).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path


def current_umask() -> int:
    """The process umask (read without changing it for longer than one call)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, creating parent folders; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~current_umask())
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically; returns the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def publish_dir(staging: Path, target: Path) -> None:
    """Put the complete folder ``staging`` at ``target`` so that a reader, even one racing a
    kill, sees the old folder or the new one, never a mix: a plain rename when ``target`` is
    new, an atomic exchange when it exists (the old folder is then removed). Both must be on
    one file system (make ``staging`` a sibling of ``target``)."""
    if not target.exists():
        staging.rename(target)
        return
    if not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "a file is in the way of the output folder", str(target))
    if _renameat2_exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")  # no exchange: two renames
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)

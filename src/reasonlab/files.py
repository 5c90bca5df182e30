"""Reading user files safely and writing files atomically.

Writes: a temp file in the target folder, fsync, then ``os.replace``, so a killed process leaves
either the old file or the new one, never half of one. The file gets the mode a plain ``open``
would give (0666 less the umask), not ``mkstemp``'s private 0600.

Reads: :func:`read_text` and :func:`read_json` turn every way a user's file can be unusable (no
such file, a folder, not UTF-8, nested too deeply, not JSON) into one :class:`InputError` that
names the file and says what to do.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .validation import InputError

MAX_JSON_DEPTH = 200  # deeper JSON is refused before the parser can hit Python's recursion limit


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


def check_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` as a Path when it is an existing regular file, else one clear error."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what} {str(p)!r} is a folder, not a file; give the path of the file")
    if not p.is_file():
        raise InputError(f"{what} {str(p)!r} does not exist; check the path")
    return p


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """The UTF-8 text of ``path``; binary or UTF-16 files and unreadable paths are one clear error."""
    p = check_file(path, what)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"{what} {str(p)!r} cannot be read: {e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        hint = " (it looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise InputError(f"{what} {str(p)!r} is not UTF-8 text{hint}: byte {data[e.start]:#04x} "
                         f"at offset {e.start}; save it as UTF-8 text") from None
    if "\x00" in text:
        raise InputError(f"{what} {str(p)!r} holds NUL bytes (a binary file?); give a text file")
    return text.removeprefix("\ufeff")


def json_depth_ok(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets in ``text`` nest at most ``limit`` deep (strings are skipped)."""
    depth, in_str, escape = 0, False, False
    for ch in text:
        if in_str:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse_json(text: str, what: str = "JSON") -> Any:
    """``json.loads`` with one clear error for invalid, too-deep or duplicate-key JSON."""
    if not json_depth_ok(text):
        raise InputError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels; flatten it")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise InputError(f"{what} has the key {k!r} twice; keep one")
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=no_duplicates,
                          parse_constant=lambda c: _bad_constant(c, what))
    except json.JSONDecodeError as e:
        raise InputError(f"{what} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def _bad_constant(name: str, what: str) -> Any:
    raise InputError(f"{what} holds {name}, which is not a JSON number; use a finite number")


def read_json(path: str | os.PathLike, what: str = "JSON file") -> Any:
    """The parsed JSON of ``path``, every failure one :class:`InputError`."""
    return parse_json(read_text(path, what), f"{what} {str(path)!r}")


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
        raise InputError(f"output {str(target)!r} is a file, not a folder; remove it or choose another path")
    if _renameat2_exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")  # no exchange: two renames
    target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)

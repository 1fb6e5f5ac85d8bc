"""Reading files a repository holds, whatever they are.

A tree can hold a FIFO (a read blocks forever), a link to ``/dev/zero`` (a read never ends), a
socket, a device, or a file larger than memory. Every file wasec reads goes through
:func:`read_bytes`: only regular files, opened without blocking, read to a size limit that holds
even when the file grows or lies about its size. Anything else is an :class:`InputError` that says
what the file is.
"""

from __future__ import annotations

import os
import stat

from wasec.errors import InputError

MB = 1024 * 1024
_CHUNK = 1 << 20
_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def kind(mode: int) -> str:
    """What a file is, in words (for a message)."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def too_large(size: int, max_bytes: int) -> str:
    return f"skipped: {size / MB:.1f} MB is over the {max_bytes / MB:g} MB limit (--max-file-size)"


def head(path: str, n: int) -> bytes:
    """The first ``n`` bytes of a regular file (what it looks like), without blocking on anything else."""
    return read_bytes(path, n, truncate=True)


def read_bytes(path: str, max_bytes: int, truncate: bool = False) -> bytes:
    """The content of the regular file at ``path`` (symlinks followed), at most ``max_bytes``.

    Raises InputError naming what is wrong: not a regular file, over the limit (unless ``truncate``:
    then the first ``max_bytes``), or the OS error.
    """
    try:
        st = os.stat(path)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"not read: {kind(st.st_mode)}, not a regular file")
    if st.st_size > max_bytes and not truncate:
        raise InputError(too_large(st.st_size, max_bytes))
    try:
        # O_NONBLOCK: should the path become a FIFO between stat and open, opening must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"not read: {kind(st.st_mode)}, not a regular file")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:  # the file grew while it was read
                if truncate:
                    return b"".join(chunks)[:max_bytes]
                raise InputError(too_large(total, max_bytes))
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text(path: str, max_bytes: int, errors: str = "strict") -> str:
    """A UTF-8 text file (a BOM is dropped); binary content and invalid UTF-8 are InputErrors."""
    data = read_bytes(path, max_bytes)
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not text")
    try:
        return data.decode("utf-8-sig", errors)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"not valid UTF-8 (line {line}, byte {e.start})") from None


def is_regular(path: str) -> bool:
    """Whether ``path`` is a regular file (symlinks followed); never raises."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def inside(path: str, root: str) -> bool:
    """Whether ``path`` resolves (symlinks followed) to ``root`` or somewhere under it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)

"""Files of the data dir are the city's and the bot's alone, on a server other users share.

The data dir holds the database, exports, digests and the Matrix crypto store: personal data
and keys. It is made owner-only (0700) when the bot starts, and the process creates every file
owner-only (umask 077), so nothing depends on each writer remembering a mode.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077


def secure_data_dir(data_dir: Path) -> None:
    """Owner-only data dir, database files 0600, and owner-only files from now on."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_dir.chmod(0o700)
    for path in data_dir.iterdir():  # what an older version left readable at the top
        if path.is_file() and not path.is_symlink():
            path.chmod(0o600)


def private_folder(folder: Path) -> None:
    """``folder`` and any missing folder above it, owner-only (0700): the umask makes the
    ones above private too, which ``mkdir(mode=...)`` alone does not."""
    os.umask(PRIVATE_UMASK)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)


def private_secret(path: Path, environ_value: str | None) -> str:
    """A key from the environment, or one generated once and kept owner-only at ``path``."""
    if environ_value:
        return environ_value
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key


def is_file(path: Path) -> bool:
    """A file there, or nothing yet: not a device or a pipe (links followed)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        return True


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``path`` owner-only and never through a link: an export written to /tmp on a
    shared server must not land in a file another user planted there (a link to one of the
    bot's own files, or one made readable for all beforehand, trial 23). A new file takes the
    name at once (rename), so a reader never sees half of it.

    What is no file (/dev/null, /dev/stdout, a pipe) is written as it is, if it is ours or
    the system's: renaming over /dev/null replaced the device (trial 24); somebody else's
    pipe would pass the data on, so it is refused."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    if not is_file(path):
        found = path.stat()
        if found.st_uid not in (0, os.getuid()):
            raise PermissionError(f"{path} is not a file and belongs to somebody else")
        with path.open("wb") as out:
            out.write(content)
        return
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

"""Values that stop the process that unpickles them, for tests of the desk process's restarts.

Pickle calls ``os._exit`` in whichever process loads the value: the desk's child process, which
then dies as if it had crashed (a segfault in a C extension, the out-of-memory killer).
"""

from __future__ import annotations

import os
from pathlib import Path


def _text_or_exit(text: str, marker: str | None) -> str:
    """``text``, unless the child should die now: always without a marker, once with one."""
    if marker is None:
        os._exit(70)
    if not Path(marker).exists():
        Path(marker).touch()
        os._exit(70)
    return text


class DiesEveryTime(str):
    """Message text that kills the process unpickling it, every time."""

    def __reduce__(self) -> tuple:
        return _text_or_exit, (str(self), None)


class DiesOnce(str):
    """Message text that kills the first process unpickling it, then reads as plain text."""

    marker: str = ""

    def __new__(cls, text: str, marker: Path) -> DiesOnce:
        value = super().__new__(cls, text)
        value.marker = str(marker)
        return value

    def __reduce__(self) -> tuple:
        return _text_or_exit, (str(self), self.marker)

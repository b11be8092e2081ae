"""Owner handbook (业主手册): load it, and answer residents' questions from it.

Imports only the standard library and rapidfuzz: no bot, intents, telegram or database.
"""

from __future__ import annotations

import threading
from pathlib import Path

from knowledge.handbook import (
    EMERGENCY_KINDS,
    Entry,
    Handbook,
    HandbookError,
    HandbookWarning,
    fill_placeholders,
    load_handbook,
)
from knowledge.search import Answer

BUNDLED_HANDBOOK = Path(__file__).resolve().parent / "handbook"

_bundled: Handbook | None = None
_bundled_lock = threading.Lock()


def bundled_handbook() -> Handbook:
    """The handbook shipped with the desk, loaded once on first use."""
    global _bundled
    with _bundled_lock:
        if _bundled is None:
            _bundled = load_handbook(BUNDLED_HANDBOOK)
        return _bundled


def answer(question: str, handbook: Handbook | None = None) -> Answer | None:
    """The handbook entry answering the question, or None when the handbook does not cover it."""
    return (handbook if handbook is not None else bundled_handbook()).answer(question)


def suggest(question: str, handbook: Handbook | None = None, limit: int = 3) -> tuple[Entry, ...]:
    """Entries that may answer a question `answer` declined (offered as choices); () if none is plausible."""
    return (handbook if handbook is not None else bundled_handbook()).suggest(question, limit)


__all__ = [
    "BUNDLED_HANDBOOK",
    "EMERGENCY_KINDS",
    "Answer",
    "Entry",
    "Handbook",
    "HandbookError",
    "HandbookWarning",
    "answer",
    "bundled_handbook",
    "fill_placeholders",
    "load_handbook",
    "suggest",
]

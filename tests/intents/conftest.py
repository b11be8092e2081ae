"""Paths shared by the intents tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.evaluate import read_labelled

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEV_SET = REPO.parent / "shared" / "data" / "intents-dev.jsonl"
HELDOUT = HERE / "data" / "heldout.jsonl"


@pytest.fixture(scope="session")
def heldout_rows() -> list[dict]:
    """Our own held-out examples (never trained on)."""
    return read_labelled(HELDOUT.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def dev_rows() -> list[dict]:
    """The shared dev set, when this checkout sits beside ../shared."""
    if not DEV_SET.exists():
        pytest.skip(f"shared dev set not found at {DEV_SET} (the checkout is not beside ../shared)")
    return read_labelled(DEV_SET.read_text(encoding="utf-8"))

"""Paths, fixtures and helpers shared by the intents tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents import EmergencyKind, Intent, classifier, classify
from intents.evaluate import read_labelled
from intents.normalize import normalize

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


# The blind check files of rounds d–g: each test module names its own CHECK_FILE.
@pytest.fixture(scope="module")
def check_rows(request: pytest.FixtureRequest) -> list[dict]:
    """The rows of the requesting module's ``CHECK_FILE``."""
    return read_labelled(request.module.CHECK_FILE.read_text(encoding="utf-8"))


def trained_copies(rows: list[dict]) -> list[str]:
    """The texts of ``rows`` that some training file also holds (normalised): a check file must have none."""
    trained = {
        normalize(row["text"]).cjk
        for path in classifier.example_files()
        for row in read_labelled(path.read_text(encoding="utf-8"))
    }
    return [row["text"] for row in rows if normalize(row["text"]).cjk in trained]


def assert_reading(text: str, intent: Intent | None, kind: EmergencyKind | None) -> None:
    """``intent`` None: anything but an emergency; otherwise exactly this intent and kind."""
    result = classify(text)
    if intent is None:
        assert result.intent is not Intent.EMERGENCY, result.evidence
    else:
        assert (result.intent, result.emergency) == (intent, kind), result.evidence

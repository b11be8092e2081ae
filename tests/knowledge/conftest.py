"""Fixtures for knowledge tests: the mini handbook and a helper to write handbooks on tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge import Handbook, load_handbook

DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "mini"

WriteHandbook = Callable[..., Path]


@pytest.fixture(scope="session")
def mini() -> Handbook:
    """The 3-file mini handbook in tests/knowledge/data/mini (read-only, shared)."""
    return load_handbook(MINI)


@pytest.fixture
def write_handbook(tmp_path: Path) -> WriteHandbook:
    """Write files {relative name: text or bytes} into a fresh folder and return it."""

    def write(files: dict[str, str | bytes]) -> Path:
        folder = tmp_path / "handbook"
        for name, content in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8", newline="")
        return folder

    return write

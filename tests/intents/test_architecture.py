"""`intents` stands alone: standard library and rapidfuzz only."""

from __future__ import annotations

import subprocess
import sys

from tests.intents.conftest import REPO


def test_import_pulls_in_no_transport_database_or_bot() -> None:
    code = (
        "import sys, intents; intents.classify('电梯坏了'); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'telegram', 'sqlmodel', 'sqlalchemy', 'bot', 'knowledge', 'jinja2', 'apscheduler', 'numpy'}); "
        "print(','.join(bad))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60, check=True
    )
    assert proc.stdout.strip() == ""


def test_public_api() -> None:
    import intents

    for name in [
        "classify",
        "Classification",
        "Intent",
        "EmergencyKind",
        "Place",
        "UNSURE_BELOW",
        "parse_place",
    ]:
        assert hasattr(intents, name), name

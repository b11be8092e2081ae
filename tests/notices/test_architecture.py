"""Only bot/notices/telegram.py may import python-telegram-bot; the core of notices stays transport-free."""

from __future__ import annotations

import subprocess
import sys


def test_notices_core_imports_neither_telegram_nor_apscheduler() -> None:
    code = ("import sys, bot.notices.compose, bot.notices.store, bot.notices.broadcast, bot.notices.schedule, "
            "bot.notices.cli, bot.notices.refresh; "
            "print(sorted(m for m in ('telegram', 'apscheduler') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

"""The core stays transport-free: importing it pulls in neither Telegram nor the scheduler."""

from __future__ import annotations

import subprocess
import sys


def test_the_desk_and_the_console_import_no_telegram_and_no_scheduler():
    code = ("import sys, bot.desk, bot.desk_process, bot.console, bot.store, bot.workflow, bot.render, bot.config; "
            "print(sorted(m for m in ('telegram', 'apscheduler') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"

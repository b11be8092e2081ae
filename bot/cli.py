"""The `desk` command: one entry point, one sub-command per module.

Sub-commands are imported only when used, so `desk classify` does not pay for
Telegram or the database. Each target is ``module:function`` taking the
remaining arguments and returning an exit code.
"""

from __future__ import annotations

import importlib
import os
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "chat": ("bot.console:main", "talk to the desk in this terminal\n"
             "             (--as resident|agent|engineer|manager|security; --db FILE)"),
    "run": ("bot.telegram_app:main", "run the desk on Telegram (needs TELEGRAM_BOT_TOKEN)"),
    "classify": ("intents.cli:main", "classify messages, one per line on stdin (--eval FILE.jsonl)"),
    "ask": ("knowledge.cli:ask_main", "answer handbook questions, one per line on stdin (--raw)"),
    "handbook": ("knowledge.cli:handbook_main", "handbook tools: `desk handbook check DIR`"),
    "db": ("bot.dbcli:main", "database tools: `desk db upgrade`"),
    "report": ("bot.report:main", "the service plan's targets, measured (--from --to --format)"),
    "notice": ("bot.notices.cli:main", "notices to residents: send | schedule | list | cancel"),
}

USAGE = "usage: desk [COMMAND] [ARGS...]\n\ncommands:\n" + "".join(
    f"  {name:<10} {help_}\n" for name, (_, help_) in COMMANDS.items()
) + (
    "\nWith no command, `desk` runs on Telegram when TELEGRAM_BOT_TOKEN is set,\n"
    "and otherwise starts `desk chat` in this terminal.\n"
)


def _load(target: str):
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        if os.environ.get("TELEGRAM_BOT_TOKEN"):
            return _load(COMMANDS["run"][0])([])
        return _load(COMMANDS["chat"][0])(["--hint-telegram"])
    name, rest = args[0], args[1:]
    if name in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    if name not in COMMANDS:
        sys.stderr.write(f"desk: unknown command {name!r}\n\n{USAGE}")
        return 2
    return int(_load(COMMANDS[name][0])(rest) or 0)

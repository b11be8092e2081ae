"""The terminal and command-line problems of the new-user trial (items 5, 15, 17, 18).

Through real subprocesses where the terminal itself matters (bytes on stdin, Ctrl-C,
a closed pipe), in-process otherwise; real SQLite files throughout.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import console, dbcli, report
from bot.config import EXAMPLE_CONFIG
from bot.db import database_url
from bot.telegram_app import load_settings, parse_args

ENV = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}


@pytest.fixture(autouse=True)
def _terminal_logging_removed():
    """`desk chat` installs its log handlers on the root logger; take them away after each test."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_desk_chat", False)]:
        root.removeHandler(handler)
        handler.close()


def desk(args: list[str], stdin: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, cwd=cwd,
                          env=ENV, timeout=60, check=False)


def inbound_rows(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT outcome, text FROM inboundmessage ORDER BY id").fetchall()


# -- item 5: binary input ------------------------------------------------------------------
def test_binary_junk_on_stdin_is_kept_replaced_and_never_a_traceback(tmp_path):
    junk = bytes(random.Random(5).randrange(256) for _ in range(300)).replace(b"\n", b" ")
    lone_surrogate = b"\xed\xa0\x80"  # UTF-8 of U+D800: what surrogateescape smuggles through
    stdin = junk + b"\n" + b"\x00abc" + lone_surrogate + b"\xff tail\n" + "卫生间下水道堵了\n".encode()
    result = desk(["chat", "--db", "desk.db"], stdin, tmp_path)
    assert result.returncode == 0
    assert b"Traceback" not in result.stderr and b"UnicodeEncodeError" not in result.stderr
    out = result.stdout.decode("utf-8")
    assert "已保存" not in out and "saved" not in out  # no apology: nothing failed
    rows = inbound_rows(tmp_path / "desk.db")
    assert [outcome for outcome, _ in rows] == ["handled", "handled", "handled"]  # nothing lost
    assert "\ufffd" in rows[1][1] and rows[1][1].startswith("abc") and rows[1][1].endswith("tail")
    assert "\x00" not in rows[1][1]


def test_a_logged_failure_shows_one_line_in_the_terminal_not_a_traceback(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    console._setup_logging(None, debug=False)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("bot.desk").exception("handling message %s failed", "m-1")
    assert "handling message m-1 failed" in err.getvalue()
    assert "Traceback" not in err.getvalue() and "RuntimeError" not in err.getvalue()


# -- item 17: the terminal -----------------------------------------------------------------
def test_help_in_the_terminal_explains_photos_and_buttons(tmp_path):
    out = desk(["chat", "--db", "desk.db"], b"/help\n", tmp_path).stdout.decode()
    assert ":photo" in out
    staff = desk(["chat", "--as", "agent", "--db", "desk.db"], b"/help\n", tmp_path).stdout.decode()
    assert ":photo" in staff and "/take" in staff


def test_ctrl_c_ends_the_chat_without_a_traceback(tmp_path):
    command = [sys.executable, "-m", "bot", "chat", "--db", "desk.db"]
    process = subprocess.Popen(command, cwd=tmp_path, env=ENV,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        process.stdin.write(b"/help\n")
        process.stdin.flush()
        seen, deadline = b"", time.monotonic() + 30
        while b":photo" not in seen and time.monotonic() < deadline:  # the chat is up, waiting for a line
            ready, _, _ = select.select([process.stdout], [], [], 1)
            if ready:
                seen += os.read(process.stdout.fileno(), 4096)
        assert b":photo" in seen
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


def test_a_closed_pipe_ends_the_chat_quietly(tmp_path):
    script = f"yes /help | head -50 | {sys.executable} -m bot chat --db desk.db | head -1"
    result = subprocess.run(["bash", "-c", script], capture_output=True, cwd=tmp_path, env=ENV, timeout=60,
                            check=False)
    assert result.stdout.strip()  # head got its line
    assert b"Traceback" not in result.stderr and b"BrokenPipe" not in result.stderr


# -- item 15: --db is the same everywhere --------------------------------------------------
def test_database_url_turns_a_path_into_sqlite_and_keeps_urls(tmp_path):
    assert database_url("desk.db") == "sqlite:///desk.db"
    assert database_url(str(tmp_path / "a b.db")) == f"sqlite:///{tmp_path / 'a b.db'}"
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert database_url("sqlite://") == "sqlite://"


def test_db_upgrade_and_report_take_a_plain_file_path(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert dbcli.main(["upgrade", "--db", "plain.db"]) == 0
    assert (tmp_path / "plain.db").exists()
    assert "created the schema" in capsys.readouterr().out
    assert report.main(["--db", "plain.db", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)  # an empty database still gives the report's JSON
    assert report.main(["--db", "missing.db"]) == 1  # a path that does not exist: said, not created
    assert "no such database file" in capsys.readouterr().err


def test_desk_run_takes_db_too(tmp_path, monkeypatch):
    config = tmp_path / "desk.toml"
    config.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "# staff_group_id = -1001234567890", "staff_group_id = -1001234567890"), encoding="utf-8")
    args = parse_args(["--config", str(config), "--db", str(tmp_path / "run.db")])
    loaded, _, _ = load_settings(args, {}, "123456:ABCdefghijklmnopqrstuvwxyz0123456789")
    assert loaded.database_url == f"sqlite:///{tmp_path / 'run.db'}"
    default, _, _ = load_settings(parse_args(["--config", str(config)]), {},
                                  "123456:ABCdefghijklmnopqrstuvwxyz0123456789")
    assert default.database_url != loaded.database_url


# -- item 18: `desk db upgrade` on a database `desk chat` made ----------------------------------
def test_a_chat_database_is_migrated_at_start_and_db_upgrade_leaves_it_alone(tmp_path, monkeypatch, capsys):
    assert desk(["chat", "--db", "desk.db"], "你好\n".encode(), tmp_path).returncode == 0
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert dbcli.main(["upgrade", "--db", "desk.db"]) == 0
    said = capsys.readouterr().out
    assert "created the schema" not in said and "recorded it as revision" not in said
    assert "already up to date" in said
    assert inbound_rows(tmp_path / "desk.db")  # the chat's data is still there


@pytest.mark.parametrize("argv", [["--db", "x.db", "--log-file", "chat.log"]])
def test_log_file_gets_the_details(tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("/help\n"))
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert console.main(argv) == 0
    try:
        raise ValueError("detail")
    except ValueError:
        logging.getLogger("bot.desk").exception("failed once")
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = (tmp_path / "chat.log").read_text(encoding="utf-8")
    assert "failed once" in logged and "Traceback" in logged and "ValueError: detail" in logged

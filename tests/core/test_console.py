"""`desk chat` through a real subprocess with piped stdin, as scripts use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import EXAMPLE_CONFIG


def run_desk(args: list[str], stdin: str, cwd: Path, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=60, check=False)


@pytest.fixture
def db_url(database: tuple[str, str | None], tmp_path: Path) -> str:
    url, schema = database
    if schema is not None:
        pytest.skip("the console takes a plain URL; PostgreSQL schemas are covered by the desk tests")
    return url


def test_a_resident_reports_a_repair_from_a_script(tmp_path, db_url):
    result = run_desk(["chat", "--db", db_url], "你好\n3-2-501\n卫生间下水道堵了\n/my\n1\n", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "房号" in out and "3栋2单元501" in out
    assert "R-" in out and "[1]" in out
    assert "> " not in out  # no prompts when stdin is not a terminal
    assert "Traceback" not in result.stderr


def test_staff_work_the_queue_on_the_same_database(tmp_path, db_url):
    run_desk(["chat", "--db", db_url], "3-2-501\n卫生间下水道堵了\n", tmp_path)
    result = run_desk(["chat", "--as", "engineer", "--db", db_url], "/queue\n/grab " +
                      _first_code(tmp_path, db_url) + "\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "待办队列" in result.stdout
    assert "accept" in result.stdout


def _first_code(tmp_path: Path, db_url: str) -> str:
    result = run_desk(["chat", "--db", db_url, "--chat", "1"], "/my\n", tmp_path)
    return next(word for word in result.stdout.split() if word.startswith("R-"))


def test_no_arguments_and_no_token_explains_telegram_then_chats_on_a_fresh_clone(tmp_path):
    result = run_desk([], "/help\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.index("TELEGRAM_BOT_TOKEN") < result.stdout.index("/my")
    assert (tmp_path / "desk.db").exists()  # the example config's local SQLite file


def test_database_url_from_the_environment(tmp_path):
    result = run_desk(["chat"], "/help\n", tmp_path, env={"DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "env.db").exists()


def test_unknown_staff_and_bad_config_are_clear_errors(tmp_path):
    result = run_desk(["chat", "--as", "agent", "--name", "无名氏"], "", tmp_path)
    assert result.returncode == 2
    assert "无名氏" in result.stderr and "李客服" in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('hotline = "0571-8888 6666"', ""),
                   encoding="utf-8")
    result = run_desk(["chat", "--config", str(bad)], "", tmp_path)
    assert result.returncode == 2 and "community.hotline" in result.stderr


def test_button_numbers_out_of_range_are_explained(tmp_path, db_url):
    result = run_desk(["chat", "--db", db_url], "你好\n7\n", tmp_path)
    assert "no choice 7" in result.stdout

"""`desk chat`: through a real subprocess with piped stdin (as scripts use it), and in-process."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import console
from bot.config import EXAMPLE_CONFIG


def run_desk(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=60, check=False)


def chat(monkeypatch, argv: list[str], stdin: str) -> tuple[int, str, str]:
    """Run `desk chat` in this process with ``stdin`` piped in."""
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = console.main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db_url(database: tuple[str, str | None]) -> str:
    url, schema = database
    if schema is not None:
        pytest.skip("the console takes a plain URL; PostgreSQL schemas are covered by the desk tests")
    return url


def test_a_resident_reports_a_repair_from_a_piped_script(tmp_path):
    result = run_desk(["chat", "--db", str(tmp_path / "desk.db")],
                      "你好\n3-2-501\n卫生间下水道堵了\n/my\n1\n", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "房号" in out and "3栋2单元501" in out
    assert "R-" in out and "[1]" in out
    assert "> " not in out  # no prompts when stdin is not a terminal
    assert "Traceback" not in result.stderr


def test_no_arguments_and_no_token_explains_telegram_then_chats_on_a_fresh_clone(tmp_path):
    result = run_desk([], "/help\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.index("TELEGRAM_BOT_TOKEN") < result.stdout.index("/my")
    assert (tmp_path / "desk.db").exists()  # the example config's local SQLite file


def test_staff_work_the_queue_on_the_same_database(monkeypatch, db_url):
    chat(monkeypatch, ["--db", db_url], "3-2-501\n卫生间下水道堵了\n")
    code, out, err = chat(monkeypatch, ["--as", "engineer", "--db", db_url], "/queue\n")
    assert code == 0, err
    ticket = next(word for word in out.split() if word.startswith("R-"))
    code, out, err = chat(monkeypatch, ["--as", "engineer", "--name", "张师傅", "--db", db_url], f"/grab {ticket}\n")
    assert ticket in out and "张师傅" in out
    assert "[to resident" in out  # staff see what their step told the resident


def test_buttons_are_pressed_by_number_and_out_of_range_numbers_are_explained(monkeypatch, db_url):
    _, out, _ = chat(monkeypatch, ["--db", db_url], "你好\n7\n1\n")
    assert "no choice 7" in out
    assert "稍后再登记" in out  # [1] was the skip button


def test_a_pretend_photo_is_attached(monkeypatch, db_url):
    _, out, _ = chat(monkeypatch, ["--db", db_url], "3-2-501\n卫生间下水道堵了\n:photo 堵住的地漏\n")
    assert "已补充到工单" in out


def test_database_url_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.chdir(tmp_path)
    code, _, err = chat(monkeypatch, [], "/help\n")
    assert code == 0, err
    assert (tmp_path / "env.db").exists()


def test_unknown_staff_and_bad_config_are_clear_errors(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, _, err = chat(monkeypatch, ["--as", "agent", "--name", "无名氏", "--db", str(tmp_path / "x.db")], "")
    assert code == 2
    assert "无名氏" in err and "李客服" in err
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace('hotline = "0571-8888 6666"', ""),
                   encoding="utf-8")
    code, _, err = chat(monkeypatch, ["--config", str(bad)], "")
    assert code == 2 and "community.hotline" in err

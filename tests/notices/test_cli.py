"""`desk notice send|schedule|list|cancel` on a SQLite file, with the example configuration."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.notices.cli import main
from tests.notices.conftest import NOW

FORM = "时间: 2026-11-25 09:00-17:00\n区域: 3号楼\n原因: 二次供水水箱清洗\n"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no desk.toml here: the example configuration
    db = str(tmp_path / "desk.db")

    def run(*argv: str, stdin: str = "") -> tuple[int, str]:
        out = io.StringIO()
        code = main([*argv, "--db", db], stdin=io.StringIO(stdin), stdout=out, now=NOW)
        return code, out.getvalue()

    return run


def test_send_stores_the_notice_and_its_reminder_for_the_running_desk(run) -> None:
    code, out = run("send", "停水", "--to", "3号楼", "--pin", "--json", stdin=FORM)
    assert code == 0
    sent = json.loads(out)
    assert (sent["code"], sent["kind"], sent["status"], sent["buildings"], sent["pin"]) == (
        "N-0001", "water_cut", "scheduled", ["3"], True)
    assert sent["send_at"] == NOW.isoformat()
    assert sent["reminders"] == [{"purpose": "cut_reminder", "send_at": "2026-11-24T23:00:00+00:00"}]
    code, out = run("list")
    assert code == 0 and out.splitlines() == [
        "N-0001  scheduled  2026年11月23日(周一) 10:00  3           停水通知",
        "N-0002  scheduled  2026年11月25日(周三) 07:00  3           停水通知 (cut_reminder)",
    ]


def test_a_late_cut_needs_yes(run) -> None:
    late = FORM.replace("2026-11-25 09:00-17:00", "2026-11-24 08:00-12:00")
    code, out = run("send", "停水", stdin=late)
    assert code == 3 and "⚠️ 计划性停水应提前24小时通知业主" in out and "--yes" in out
    assert run("list") == (0, "no notices scheduled\n")
    assert run("send", "停水", "--yes", stdin=late)[0] == 0


def test_schedule_with_fields_then_cancel_once(run) -> None:
    code, out = run("schedule", "通用", "--field", "标题=电梯年检", "--field", "内容=周三上午年检,请走楼梯。",
                    "--at", "2026-11-24 09:00")
    assert code == 0 and out == "N-0001 通用 stored; goes at 2026年11月24日(周二) 09:00.\n"
    assert json.loads(run("cancel", "N-0001", "--json")[1]) == {"code": "N-0001", "cancelled": True,
                                                                "status": "cancelled"}
    assert run("cancel", "1") == (1, "N-0001 is already cancelled: nothing to cancel\n")
    assert run("cancel", "N-0042") == (1, "N-0042: no such notice\n")
    rows = json.loads(run("list", "--all", "--json")[1])
    assert [(r["code"], r["status"]) for r in rows] == [("N-0001", "cancelled")]


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (("send", "停水"), "区域: 3号楼\n", "缺少开始"),
    (("send", "周报"), FORM, "不认识的通知类型"),
    (("send", "通用", "--field", "颜色=红"), "", "unknown field"),
    (("send", "通用", "--field", "标题"), "", "NAME=VALUE"),
    (("schedule", "通用", "--field", "标题=a", "--field", "内容=b", "--at", "2026-11-01 09:00"), "", "已经过去"),
    (("cancel", "N-abc"), "", "not a notice code"),
], ids=["missing-field", "unknown-kind", "unknown-field", "no-value", "past", "bad-code"])
def test_bad_input_exits_2_with_a_message(run, capsys, argv, stdin, message) -> None:
    code, out = run(*argv, stdin=stdin)
    assert code == 2 and out == "" and message in capsys.readouterr().err


def test_a_binary_form_file_is_refused(run, tmp_path: Path, capsys) -> None:
    form = tmp_path / "form.txt"
    form.write_bytes(b"\xff\xfe\x00garbage\x89PNG")
    assert run("send", "通用", "--file", str(form))[0] == 2
    assert "not UTF-8 text" in capsys.readouterr().err
    assert run("send", "通用", "--file", str(tmp_path / "missing.txt"))[0] == 2


def test_dry_run_previews_without_storing(run) -> None:
    code, out = run("send", "温馨提示", "--dry-run", stdin="内容: 天气转凉,请注意保暖。")
    assert code == 0 and out.startswith("通知预览(温馨提示):") and "天气转凉" in out
    assert run("list") == (0, "no notices scheduled\n")


def test_send_deliver_sends_from_the_terminal_and_prints_the_report(cli_setup, emulator) -> None:
    send, _, group = cli_setup
    code, out = send("--json")
    assert code == 0
    assert json.loads(out)["report"] == {"total": 1, "sent": 1, "failed": 0, "inactive": 0,
                                         "unknown": 0, "pending": 0, "pinned": 0}
    assert "今晚大风,请关好门窗。" in emulator.texts(group)[0]


# -- the new-user trial (item 16) ------------------------------------------------------------
def test_send_warns_when_no_residents_group_will_receive_it(run, capsys) -> None:
    code, out = run("send", "停水", "--to", "3号楼", stdin=FORM)
    assert code == 0 and "stored" in out
    err = capsys.readouterr().err
    assert "no residents' group is registered for 3号楼" in err
    assert "`desk chat` shows none" in err
    code, out = run("send", "停水", "--to", "3号楼", "--json", stdin=FORM)
    assert any("nobody will receive" in note for note in json.loads(out)["notes"])


def test_no_group_warning_goes_once_a_group_serves_the_buildings(run, tmp_path: Path, capsys) -> None:
    from bot.db import make_engine
    from bot.notices.store import NoticeStore
    from bot.store import create_tables

    run("list")  # creates the database
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    create_tables(engine)
    NoticeStore(engine).register_group(channel="telegram", chat_id="-100", title="3号楼业主群", buildings=("3",),
                                       by="cli", now=NOW)
    engine.dispose()
    capsys.readouterr()
    assert run("send", "停水", "--to", "3号楼", stdin=FORM)[0] == 0
    assert "no residents' group" not in capsys.readouterr().err
    assert run("send", "停水", "--to", "5号楼", stdin=FORM.replace("3号楼", "5号楼"))[0] == 0
    assert "no residents' group is registered for 5号楼" in capsys.readouterr().err


def test_errors_speak_the_command_line_not_telegram(run, capsys) -> None:
    code, _ = run("send", "停水", stdin=FORM + "颜色: 红\n")
    err = capsys.readouterr().err
    assert code == 2 and "颜色" in err and "见 /notice" not in err and "区域" in err
    code, _ = run("send", "通用", "--field", "标题=x", "--field", "内容=y", "--field", "发送=2020-01-01 10:00")
    err = capsys.readouterr().err
    assert code == 2 and "「发送: 立即」" not in err and "desk notice send" in err


@pytest.mark.parametrize(("at", "goes_at"), [
    ("tomorrow", "2026年11月24日(周二) 09:00"),
    ("明天", "2026年11月24日(周二) 09:00"),
    ("tomorrow 6pm", "2026年11月24日(周二) 18:00"),
    ("tomorrow 6:30 pm", "2026年11月24日(周二) 18:30"),
    ("in 2 hours", "2026年11月23日(周一) 12:00"),
    ("+30m", "2026年11月23日(周一) 10:30"),
    ("3小时后", "2026年11月23日(周一) 13:00"),
    ("2026-11-24 18:00", "2026年11月24日(周二) 18:00"),
])
def test_schedule_at_takes_everyday_english_and_chinese(run, at: str, goes_at: str) -> None:
    code, out = run("schedule", "通用", "--field", "标题=电梯年检", "--field", "内容=请走楼梯。", "--at", at)
    assert (code, out) == (0, f"N-0001 通用 stored; goes at {goes_at}.\n")


def test_schedule_at_nonsense_lists_what_it_takes(run, capsys) -> None:
    code, _ = run("schedule", "通用", "--field", "标题=x", "--field", "内容=y", "--at", "whenever")
    err = capsys.readouterr().err
    assert code == 2 and "whenever" in err and "tomorrow" in err and "in 2 hours" in err
    assert run("list") == (0, "no notices scheduled\n")


# -- the second new-user trial (findings 5, 6, 15) --------------------------------------------
def test_deliver_without_a_usable_token_stores_nothing(run, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    code, out = run("send", "温馨提示", "--field", "内容=测试", "--deliver")
    err = capsys.readouterr().err
    assert code == 2 and out == "" and "TELEGRAM_BOT_TOKEN is not set" in err and "nothing stored" in err
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    code, out = run("send", "温馨提示", "--field", "内容=测试", "--deliver")
    err = capsys.readouterr().err
    assert code == 2 and "does not look like a bot token" in err and "not-a-token" not in err
    assert run("list", "--all") == (0, "no notices scheduled\n")


def test_deliver_with_the_bot_api_unreachable_says_so_and_keeps_the_notice(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import socket

    from bot.config import EXAMPLE_CONFIG

    with socket.socket() as probe:  # a local port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "desk.toml").write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        '# base_url = "https://api.telegram.org/bot"', f'base_url = "http://127.0.0.1:{port}/bot"'),
        encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCdefGHIjkl")
    code, out = run("send", "温馨提示", "--field", "内容=测试", "--deliver")
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "cannot reach the Bot API" in err and "N-0001" in err and "stored" in err
    assert "ABCdefGHIjkl" not in err + out
    code, out = run("list")
    assert code == 0 and out.startswith("N-0001  scheduled")


@pytest.mark.parametrize(("argv", "message"), [
    (("--to", "99号楼 abc"), "abc"),
    (("--to", "号楼"), "--to"),
    (("--field", "标题=电梯\x07年检"), "control character"),
    (("--field", "标题=电梯\x1b[31m年检"), "control character"),
], ids=["letters-as-building", "no-building", "bell", "escape"])
def test_bad_audience_or_control_characters_on_the_command_line_are_refused(run, capsys, argv, message) -> None:
    code, out = run("send", "通用", "--field", "内容=周三上午年检", *(argv if "--field" in argv else
                                                                ("--field", "标题=电梯年检", *argv)))
    assert code == 2 and out == "" and message in capsys.readouterr().err
    assert run("list", "--all") == (0, "no notices scheduled\n")


def test_a_building_with_a_number_or_a_letter_is_accepted(run) -> None:
    code, out = run("send", "通用", "--field", "标题=电梯年检", "--field", "内容=周三上午年检",
                    "--to", "3号楼 A栋 12-1", "--json")
    assert code == 0 and json.loads(out)["buildings"] == ["3", "A", "12-1"]

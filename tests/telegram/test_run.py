"""`desk run` for real: polling loops, the webhook with its secret token, start-up checks, quiet logs."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.config import EXAMPLE_CONFIG
from bot.telegram_app import ALLOWED_UPDATES, main
from tests.support.bot_api import BotApiEmulator
from tests.telegram.conftest import STAFF_IDS, Desk

REPO = Path(__file__).resolve().parents[2]


async def test_the_real_polling_loop_serves_residents(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    api.user_says(resident, "/start")
    api.user_says(resident, "3栋2单元501")
    await d.app.start()
    await d.app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    try:
        await api.wait_for(lambda: len(api.sent_to(resident["id"])) >= 2)
        api.user_says(resident, "卫生间下水道堵了")  # arrives during a long poll
        await api.wait_for(lambda: len(api.sent_to(resident["id"])) >= 3)
        await api.wait_for(lambda: api.sent_to(d.staff_group, d.rooms["engineering"]))
    finally:
        await d.app.updater.stop()
        await d.app.stop()
    assert re.search(r"R-\d{8}-\d{4}", api.texts(resident["id"])[2])
    assert api.count_calls("deleteWebhook") == 1  # polling starts by clearing any webhook


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode_checks_the_secret_token(desk_on_telegram: Desk) -> None:
    pytest.importorskip("tornado", reason="webhook mode needs python-telegram-bot[webhooks]")
    d, api = desk_on_telegram, desk_on_telegram.api
    port = free_port()
    resident = d.resident()
    await d.app.start()
    await d.app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                      webhook_url=f"http://127.0.0.1:{port}/telegram", secret_token="s3cret-Token",
                                      allowed_updates=ALLOWED_UPDATES)
    try:
        assert api.webhook == {"url": f"http://127.0.0.1:{port}/telegram", "secret_token": "s3cret-Token"}
        api.user_says(resident, "/start")
        await api.wait_for(lambda: api.sent_to(resident["id"]))
        forged = {"update_id": 999, "message": {"message_id": 50, "date": 1, "text": "/start",
                                                "chat": {"id": resident["id"], "type": "private"},
                                                "from": resident}}
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/telegram", json.dumps(forged).encode(),
                                             {"Content-Type": "application/json", **headers})
            with pytest.raises(urllib.error.HTTPError) as refused:
                await _in_thread(urllib.request.urlopen, request, timeout=5)
            assert refused.value.code == 403
            refused.value.close()
    finally:
        await d.app.updater.stop()
        await d.app.stop()
    assert len(api.sent_to(resident["id"])) == 1  # the forged updates did nothing
    assert api.webhook_deliveries and all(status == 200 for _, status in api.webhook_deliveries)


async def _in_thread(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    import asyncio

    return await asyncio.to_thread(func, *args, **kwargs)


def write_config(tmp_path: Path, *, staff_group: int | None) -> Path:
    """The example configuration with the staff group of this test (or none)."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///desk.db"', f'url = "sqlite:///{tmp_path / "desk.db"}"')
    if staff_group is not None:
        text = text.replace("# staff_group_id = -1001234567890", f"staff_group_id = {staff_group}")
    path = tmp_path / "desk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({}, [], "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "123456:ABCdefGHI"}, ["--no-staff-group"], "staff_group_id is missing"),
        ({"TELEGRAM_BOT_TOKEN": "123456:ABCdefGHI"}, ["--webhook", "https://desk.example.com/tg"],
         "secret token"),
        ({"TELEGRAM_BOT_TOKEN": "123456:ABCdefGHI", "TELEGRAM_WEBHOOK_SECRET": "bad secret!"},
         ["--webhook", "https://desk.example.com/tg"], "only letters, digits"),
        ({"TELEGRAM_BOT_TOKEN": "123456:ABCdefGHI"}, ["--config", "/nonexistent/desk.toml"], "no such configuration"),
    ],
    ids=["no-token", "no-staff-group", "webhook-without-secret", "bad-secret", "missing-config"],
)
def test_startup_fails_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], env: dict[str, str],
                                            args: list[str], message: str) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if "--no-staff-group" in args:
        args = ["--config", str(write_config(tmp_path, staff_group=None))]
    elif "--config" not in args:
        args = ["--config", str(write_config(tmp_path, staff_group=-1001234567890)), *args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert "ABCdefGHI" not in err


def run_desk(tmp_path: Path, api: BotApiEmulator, group: int, *extra: str,
             env_extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`desk run` in a subprocess, configured for the emulator."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_BASE_URL": api.base_url,
           "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config",
                             str(write_config(tmp_path, staff_group=group)), *extra],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_desk_run_with_debug_logging_never_logs_the_token(tmp_path: Path) -> None:
    with BotApiEmulator() as api:
        staff = [api.add_user("staff", user_id=uid) for uid in STAFF_IDS.values()]
        group = api.add_group("物业服务中心", forum=True, admins=staff)
        resident = api.add_user("张三")
        process = run_desk(tmp_path, api, group, "--log-level", "DEBUG")
        try:
            wait_until(lambda: api.count_calls("getUpdates") > 0 or process.poll() is not None)
            api.user_says(resident, "/start")
            wait_until(lambda: api.sent_to(resident["id"]) or process.poll() is not None)
        finally:
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=20)
        assert api.sent_to(resident["id"]), err[-2000:]
        assert process.returncode == 0, err[-2000:]
        assert "DEBUG" in err  # debug logging was really on
        assert api.token not in out + err
        assert api.token.split(":", 1)[1] not in out + err


def test_desk_run_in_webhook_mode(tmp_path: Path) -> None:
    pytest.importorskip("tornado", reason="webhook mode needs python-telegram-bot[webhooks]")
    port = free_port()
    with BotApiEmulator() as api:
        staff = [api.add_user("staff", user_id=uid) for uid in STAFF_IDS.values()]
        group = api.add_group("物业服务中心", forum=True, admins=staff)
        resident = api.add_user("张三")
        process = run_desk(tmp_path, api, group, "--webhook", f"http://127.0.0.1:{port}/telegram",
                           "--port", str(port), env_extra={"TELEGRAM_WEBHOOK_SECRET": "hook-Secret_1"})
        try:
            wait_until(lambda: api.webhook is not None or process.poll() is not None)
            assert api.webhook == {"url": f"http://127.0.0.1:{port}/telegram", "secret_token": "hook-Secret_1"}
            api.user_says(resident, "/start")
            wait_until(lambda: api.sent_to(resident["id"]) or process.poll() is not None)
        finally:
            process.send_signal(signal.SIGINT)
            _out, err = process.communicate(timeout=20)
        assert api.sent_to(resident["id"]), err[-2000:]
        assert process.returncode == 0, err[-2000:]
        assert "hook-Secret_1" not in err


def test_desk_run_refuses_a_staff_group_that_is_not_a_forum(tmp_path: Path) -> None:
    with BotApiEmulator() as api:
        group = api.add_group("普通群", supergroup=True)
        process = run_desk(tmp_path, api, group)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "is not a forum" in err and "Traceback" not in err


def test_desk_run_refuses_a_token_telegram_rejects(tmp_path: Path) -> None:
    with BotApiEmulator() as api:
        group = api.add_group("物业服务中心", forum=True)
        process = run_desk(tmp_path, api, group, env_extra={"TELEGRAM_BOT_TOKEN": "654321:WRONGtokenXYZ"})
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "rejected TELEGRAM_BOT_TOKEN" in err and "Traceback" not in err
    assert "WRONGtokenXYZ" not in err

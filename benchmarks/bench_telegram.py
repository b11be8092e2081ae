"""Benchmark the Telegram front-end: updates per second through the whole desk, beside an echo bot.

    python benchmarks/bench_telegram.py [--residents N] [--runs N] [--db URL] [--concurrency N] [--connections N]
                                        [--in-process]

Both bots are real python-telegram-bot Applications long-polling the same
local Bot API emulator (tests/support/bot_api.py, in a process of its own, as
Telegram is on another machine) over HTTP, in the same run,
with the same queued updates: residents' conversations (registration,
repairs, complaints, handbook questions, an emergency, /my). The echo bot
sends each text back; the desk classifies, stores, answers, alerts staff
topics. As `desk run` does, the desk's core runs in a child process of its
own (bot/desk_process.py; `--in-process` keeps it in the bot's process). A run
is timed from the start of polling until the last update has been handled. The desk's own send pacing (max_messages_per_second, 25 in
production to respect Telegram's limits) is lifted here, so the figure is the
front-end's capacity, not Telegram's allowance. Target: desk >= 0.5 x echo.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from sqlalchemy import text
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, TypeHandler, filters

import bot.telegram_store  # noqa: F401  (the front-end's tables)
from bot.config import EXAMPLE_CONFIG, Config, load_config
from bot.db import make_engine, normalise_url
from bot.desk import ServiceDesk
from bot.desk_process import DeskProcess, spec_for
from bot.messages import ChatRef, Inbound
from bot.render import Templates
from bot.store import TicketStore, create_tables
from bot.telegram_app import ALLOWED_UPDATES, TelegramSettings, build_application
from knowledge import BUNDLED_HANDBOOK, load_handbook
from tests.support.bot_api import BotApiEmulator

RATIO_TARGET = 0.5
STAFF_IDS = (100001, 100002, 100003, 100004, 100005)

# Whole conversations of one resident each (at most 5 messages: under the flood limit).
CONVERSATIONS = [
    ["/start", "{flat}", "厨房水管漏水了"],
    ["/start", "{flat}", "卫生间下水道堵了,水排不下去", "/my"],
    ["/start", "{flat}", "物业费怎么交"],
    ["/start", "{flat}", "楼上每天晚上很吵,能不能管一下"],
    ["/start", "{flat}", "停车费多少钱一个月", "谢谢"],
    ["/start", "{flat}", "门禁卡刷不开了"],
    ["/start", "{flat}", "快递放哪里"],
    ["/start", "{flat}", "楼道灯坏了", "/my"],
]
EMERGENCY = ["/start", "{flat}", "3号楼电梯卡住了,我妈在里面出不来!"]


def queue_conversations(api: BotApiEmulator, residents: int) -> int:
    """Queue every resident's conversation, interleaved as they would arrive; returns the update count."""
    scripts = []
    for n in range(residents):
        user = api.add_user(f"住户{n}")
        lines = EMERGENCY if n % 50 == 49 else CONVERSATIONS[n % len(CONVERSATIONS)]
        flat = f"{n % 12 + 1}栋{n % 3 + 1}单元{(n % 30 + 1) * 100 + n % 4 + 1}"
        scripts.append((user, [line.format(flat=flat) for line in lines]))
    count = 0
    for step in range(max(len(lines) for _, lines in scripts)):
        for user, lines in scripts:
            if step < len(lines):
                api.user_says(user, lines[step])
                count += 1
    return count


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) process ``pid`` has used so far; None where /proc cannot tell."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


@dataclasses.dataclass
class Timed:
    """One timed run: seconds, and CPU seconds each process used meanwhile (None: unreadable)."""

    seconds: float
    cpu: dict[str, float | None]


async def timed_polling(app: Application, expected: int, pids: dict[str, int | None]) -> Timed:
    """Time from the start of polling until ``expected`` updates have been handled, and the CPU used.

    ``pids`` names the processes to read: the bot's own and, as the run has them, the emulator's
    and the desk's core process. CPU per update is steadier than a rate on a shared machine, and
    it says which process bounds the rate.
    """
    done = asyncio.Event()
    handled = 0

    async def count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        nonlocal handled
        handled += 1
        if handled >= expected:
            done.set()

    app.add_handler(TypeHandler(Update, count), group=99)  # runs after the bot's own handler
    await app.start()
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = time.perf_counter() - started
    after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    await app.updater.stop()
    await app.stop()
    used = {name: (after[name] - before[name] if after[name] is not None and before[name] is not None else None)
            for name in pids}
    return Timed(elapsed, used)


def warm_up_messages(channel: str = "warm-up") -> list[Inbound]:
    """One of each conversation, in chats of their own."""
    now = datetime.now(UTC)
    return [Inbound(ChatRef(channel, str(n)), str(i), now, text=line.format(flat="1栋1单元101"),
                    sender_id=f"{channel}{n}")
            for n, lines in enumerate([*CONVERSATIONS, EMERGENCY]) for i, line in enumerate(lines)]


def warm_up(desk: ServiceDesk) -> None:
    """Steady state, as a server that has been up a while: templates compiled, statements cached."""
    for inbound in warm_up_messages():
        desk.handle(inbound)


def serve_emulator(conn: Any, residents: int) -> None:
    """In a process of its own (as Telegram is elsewhere): the emulator with the community and its updates."""
    with BotApiEmulator(record_calls=False) as api:
        staff = [api.add_user("staff", user_id=uid) for uid in STAFF_IDS]
        group = api.add_group("物业服务中心", forum=True, admins=staff)
        topics = {name: api.add_topic(group, name) for name in ("duty", "engineering", "agents", "manager")}
        expected = queue_conversations(api, residents)
        conn.send({"base_url": api.base_url, "token": api.token, "group": group, "topics": topics,
                   "expected": expected})
        conn.recv()  # until the benchmark is done with it


class Emulator:
    """A BotApiEmulator in a child process, as a context manager giving its coordinates."""

    def __init__(self, residents: int) -> None:
        self._residents = residents

    def __enter__(self) -> dict[str, Any]:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=serve_emulator, args=(child, self._residents), daemon=True)
        self._process.start()
        return {**self._conn.recv(), "pid": self._process.pid}

    def __exit__(self, *exc: object) -> None:
        self._conn.send("stop")
        self._process.join(timeout=10)


def per_update_ms(timed: Timed, updates: int) -> dict[str, float | None]:
    """CPU milliseconds an update, by process."""
    return {name: (used * 1000 / updates if used is not None else None) for name, used in timed.cpu.items()}


async def run_echo(residents: int) -> tuple[float, dict[str, float | None]]:
    """Updates per second of a minimal echo bot, and CPU ms an update by process."""
    with Emulator(residents) as api:

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            message = update.effective_message
            if message is not None and message.text:
                await context.bot.send_message(message.chat_id, message.text)

        app = Application.builder().token(api["token"]).base_url(api["base_url"]).job_queue(None).build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            timed = await timed_polling(app, api["expected"], {"bot": os.getpid(), "emulator": api["pid"]})
        return api["expected"] / timed.seconds, per_update_ms(timed, api["expected"])


async def run_desk(residents: int, config: Config, handbook: Any, make_db: Callable[[], tuple[str, str | None]],
                   drop_db: Callable[[], None], concurrency: int | None = None,
                   in_process: bool = False, connections: int | None = None) -> tuple[float, int, dict[str, float | None]]:
    """Updates per second through the whole desk; also how many messages it sent, and CPU ms an update."""
    with Emulator(residents) as api:
        topics = api["topics"]
        telegram = dataclasses.replace(
            config.telegram, staff_group_id=api["group"], duty_topic_id=topics["duty"],
            engineering_topic_id=topics["engineering"], agents_topic_id=topics["agents"],
            manager_topic_id=topics["manager"])
        config = dataclasses.replace(config, telegram=telegram)
        url, schema = make_db()
        engine = make_engine(url, search_path=schema)
        try:
            create_tables(engine)
            desk = ServiceDesk(config=config, store=TicketStore(engine), handbook=handbook,
                               templates=Templates(config.timezone))
            extra: dict[str, Any] = {"concurrency": concurrency} if concurrency else {}
            if connections:
                extra["http_connections"] = connections
            if in_process:
                extra["desk_process"] = False
            settings = TelegramSettings.from_config(config, api["token"], base_url=api["base_url"],
                                                    max_messages_per_second=1_000_000.0, **extra)
            # Like the flood control above, the shared 30 msg/s budget of notices is Telegram's
            # limit, not the desk's cost: the echo bot has none, so neither does this run.
            # As `desk run` builds it: the core in a process of its own when the configuration says so.
            process = DeskProcess(spec_for(config, url, search_path=schema)) if settings.desk_process else None
            running = build_application(settings, desk, config, start_scheduler=False, notices=False,
                                        desk_process=process)
            async with running.app:
                await running.app.post_init(running.app)
                if process is None:  # warm the desk that answers the updates
                    warm_up(desk)
                else:
                    for inbound in warm_up_messages("warm-up-process"):
                        await process.handle(inbound)
                pids = {"bot": os.getpid(), "core": process.pid if process is not None else None,
                        "emulator": api["pid"]}
                try:
                    timed = await timed_polling(running.app, api["expected"], pids)
                finally:
                    if process is not None:
                        await process.close()
            running.frontend.close()
            sent = running.transport.delivered
        finally:
            engine.dispose()
            drop_db()
        return api["expected"] / timed.seconds, sent, per_update_ms(timed, api["expected"])


def run_core_alone(residents: int, config: Config, handbook: Any, make_db: Callable[[], tuple[str, str | None]],
                   drop_db: Callable[[], None]) -> float:
    """Messages per second of ``ServiceDesk.handle`` alone on the same conversations (no Telegram at all)."""
    url, schema = make_db()
    engine = make_engine(url, search_path=schema)
    try:
        create_tables(engine)
        desk = ServiceDesk(config=config, store=TicketStore(engine), handbook=handbook,
                           templates=Templates(config.timezone))
        warm_up(desk)
        inbounds = []
        now = datetime.now(UTC)
        for n in range(residents):
            lines = EMERGENCY if n % 50 == 49 else CONVERSATIONS[n % len(CONVERSATIONS)]
            flat = f"{n % 12 + 1}栋{n % 3 + 1}单元{(n % 30 + 1) * 100 + n % 4 + 1}"
            chat = ChatRef("telegram", str(5000 + n))
            inbounds += [Inbound(chat, str(i), now, text=line.format(flat=flat), sender_id=chat.id)
                         for i, line in enumerate(lines)]
        started = time.perf_counter()
        for inbound in inbounds:
            desk.handle(inbound)
        return len(inbounds) / (time.perf_counter() - started)
    finally:
        engine.dispose()
        drop_db()


def database_factory(url: str | None, workdir: Path) -> tuple[Callable[[], tuple[str, str | None]],
                                                              Callable[[], None]]:
    """Fresh database per run: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    state: dict[str, Any] = {}

    def make() -> tuple[str, str | None]:
        if url is None:
            path = workdir / f"desk-{uuid.uuid4().hex[:8]}.db"
            state["path"] = path
            return f"sqlite:///{path}", None
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = make_engine(normalise_url(url))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        state["schema"] = schema
        return normalise_url(url), schema

    def drop() -> None:
        if "schema" in state:
            admin = make_engine(normalise_url(url or ""))
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{state.pop("schema")}" CASCADE'))
            admin.dispose()
        if "path" in state:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{state['path']}{suffix}").unlink(missing_ok=True)
            state.pop("path")

    return make, drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=150, help="residents per run (about 3.5 updates each)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default=None, help="PostgreSQL URL (default: a SQLite file per run)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="updates the desk handles at once (default: the front-end's default)")
    parser.add_argument("--connections", type=int, default=None,
                        help="the desk's pooled connections to the Bot API (default: the front-end's default)")
    parser.add_argument("--in-process", action="store_true",
                        help="run the core in the bot's process ([telegram] desk_process = false)")
    args = parser.parse_args(argv)
    config = load_config(EXAMPLE_CONFIG)
    handbook = load_handbook(BUNDLED_HANDBOOK)
    echo_rates, desk_rates, core_rates = [], [], []
    echo_cpu: list[dict[str, float | None]] = []
    desk_cpu: list[dict[str, float | None]] = []
    sent = 0
    with tempfile.TemporaryDirectory() as tmp:
        make_db, drop_db = database_factory(args.db, Path(tmp))
        for run in range(args.runs):  # alternate, so drift in the machine hits both alike
            order = ("echo", "desk") if run % 2 == 0 else ("desk", "echo")
            for which in order:
                if which == "echo":
                    rate, cpu = asyncio.run(run_echo(args.residents))
                    echo_rates.append(rate)
                    echo_cpu.append(cpu)
                else:
                    rate, sent, cpu = asyncio.run(run_desk(args.residents, config, handbook, make_db, drop_db,
                                                           args.concurrency, args.in_process,
                                                           args.connections))
                    desk_rates.append(rate)
                    desk_cpu.append(cpu)
            core_rates.append(run_core_alone(args.residents, config, handbook, make_db, drop_db))
    echo, desk, core = (statistics.median(r) for r in (echo_rates, desk_rates, core_rates))
    ratio = desk / echo
    database = "PostgreSQL" if args.db else "SQLite"
    print(f"Telegram front-end on the local Bot API emulator ({args.residents} residents, "
          f"{args.runs} runs, {database}, medians)")
    print(f"  echo bot:   {echo:8.1f} updates/s   (runs: {', '.join(f'{r:.0f}' for r in echo_rates)})")
    where = "core in the bot's process" if args.in_process else "core in its own process"
    print(f"  whole desk: {desk:8.1f} updates/s   (runs: {', '.join(f'{r:.0f}' for r in desk_rates)}; "
          f"{sent} messages sent in the last run; {where})")
    print(f"  ratio desk/echo: {ratio:.2f}   target >= {RATIO_TARGET}   {'OK' if ratio >= RATIO_TARGET else 'BELOW'}")
    print(f"  for reference, ServiceDesk.handle alone (no Telegram, one at a time): {core:.1f} msg/s "
          f"(runs: {', '.join(f'{r:.0f}' for r in core_rates)}); desk on Telegram / core alone: {desk / core:.2f}")
    print(f"  CPU ms an update, medians (read from /proc over the timed part): echo {describe_cpu(echo_cpu)}; "
          f"desk {describe_cpu(desk_cpu)}")
    return 0


def describe_cpu(runs: list[dict[str, float | None]]) -> str:
    """``bot 1.10, emulator 0.52`` from each run's CPU ms an update; processes /proc could not read are left out."""
    names = [name for name in runs[0] if all(run[name] is not None for run in runs)] if runs else []
    if not names:
        return "not measured"
    return ", ".join(f"{name} {statistics.median(run[name] for run in runs):.2f}" for name in names)


if __name__ == "__main__":
    raise SystemExit(main())

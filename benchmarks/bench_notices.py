"""Time to deliver one notice to N groups on the Bot API emulator, against the floor Telegram's limits allow.

    python benchmarks/bench_notices.py                # N = 1,000 at Telegram's limits (about 35 s)
    python benchmarks/bench_notices.py --scale 10     # both limits ×10, N = 10,000 (seconds)
    python benchmarks/bench_notices.py --db postgresql://postgres@127.0.0.1:5432/test

The emulator enforces ``30 × scale`` messages/s overall and ``20 × scale`` per
group per minute and answers 429 to anything beyond; the desk is configured
with the same limits. The floor is N ÷ (30 × scale) seconds. Target: ratio
≤ 1.15 and no 429 caused by the desk.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

import bot.models  # noqa: E402,F401
from bot.db import make_engine, normalise_url  # noqa: E402
from bot.notices.broadcast import Broadcaster, SendLimiter, SendLimits  # noqa: E402
from bot.notices.compose import NoticeTemplates, compose, parse_draft  # noqa: E402
from bot.notices.models import NoticeGroup  # noqa: E402
from bot.notices.store import NoticeStore  # noqa: E402
from bot.notices.telegram import TelegramNoticeSender  # noqa: E402
from tests.support.bot_api import TOKEN, BotApiEmulator, Limits  # noqa: E402

TARGET_RATIO = 1.15


def serve_emulator(conn: Connection, per_second: int, per_group_per_minute: int, n: int) -> None:
    """The emulator in its own process, as Telegram would be: its CPU is not the desk's."""
    with BotApiEmulator(limits=Limits(global_per_second=per_second, group_per_minute=per_group_per_minute),
                        record_calls=False) as api:
        groups = [api.add_group(f"group {i}") for i in range(n)]
        conn.send((api.base_url, groups))
        conn.recv()  # "count"
        counts = [len(api.sent_to(g)) for g in groups]
        conn.send((min(counts), max(counts), sum(counts), api.throttled))
        conn.recv()  # "stop"


async def one_run(n: int, scale: float, db_url: str, schema: str | None,
                  concurrency: int = 8) -> tuple[float, int, float]:
    """(seconds, 429s answered, the desk's CPU seconds) for one notice to n fresh groups."""
    engine = make_engine(db_url, search_path=schema)
    SQLModel.metadata.create_all(engine)
    store = NoticeStore(engine)
    limits = SendLimits().scaled(scale)
    now = datetime.now(UTC)
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    server = multiprocessing.get_context("fork").Process(
        target=serve_emulator, args=(theirs, limits.per_second, limits.per_group_per_minute, n), daemon=True)
    server.start()
    try:
        base_url, groups = ours.recv()
        with engine.begin() as conn:
            conn.execute(insert(NoticeGroup), [
                {"channel": "telegram", "chat_id": str(g), "title": f"group {i}", "community": True,
                 "buildings": "", "active": True, "inactive_reason": "", "registered_by": "bench",
                 "registered_at": now, "updated_at": now} for i, g in enumerate(groups)])
        c = compose(parse_draft("通用\n标题: 电梯年检\n内容: 本周三上午电梯年检,请走楼梯。"), now=now,
                    templates=NoticeTemplates())
        notice = store.create_notice(c, created_by="bench", report_to="", now=now)
        store.claim_notice(notice.id, now=now)
        bot = Bot(TOKEN, base_url=base_url, request=HTTPXRequest(connection_pool_size=concurrency + 2))
        async with bot:
            broadcaster = Broadcaster(store, TelegramNoticeSender(bot), SendLimiter(limits), concurrency=concurrency)
            started, cpu = time.perf_counter(), time.process_time()
            report = await broadcaster.deliver(notice.id, c.text)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        ours.send("count")
        least, most, delivered, throttled = ours.recv()
        ours.send("stop")
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.kill()
    assert report.sent == n == delivered and least == most == 1, (report, least, most, delivered)
    engine.dispose()
    return elapsed, throttled, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply both limits (default 1)")
    parser.add_argument("--groups", type=int, help="N (default 1,000 × scale)")
    parser.add_argument("--runs", type=int, default=1, help="repeat and report the median (default 1)")
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--concurrency", type=int, default=8, help="broadcast workers (default 8, the desk's)")
    args = parser.parse_args(argv)
    n = args.groups or int(1000 * args.scale)
    per_second = SendLimits().scaled(args.scale).per_second
    floor = n / per_second
    print(f"notice to N = {n:,} groups, limits ×{args.scale:g} ({per_second}/s overall, "
          f"{SendLimits().scaled(args.scale).per_group_per_minute}/min per group); floor N ÷ {per_second} = {floor:.2f} s")
    times, throttles = [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            schema = None
            url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
            if args.db and normalise_url(args.db).startswith("postgresql"):
                schema = f"bench_{uuid.uuid4().hex[:12]}"
                admin = make_engine(args.db)
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                elapsed, throttled, cpu = asyncio.run(one_run(n, args.scale, url, schema, args.concurrency))
            finally:
                if schema:
                    with admin.begin() as conn:
                        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                    admin.dispose()
        times.append(elapsed)
        throttles.append(throttled)
        print(f"  run {run + 1}: {elapsed:.2f} s, ratio {elapsed / floor:.3f}, 429s {throttled}, "
              f"desk CPU {cpu:.1f} s ({1000 * cpu / n:.2f} ms/message; the limit allows {1000 / per_second:.2f})")
    median = statistics.median(times)
    ratio = median / floor
    ok = ratio <= TARGET_RATIO and max(throttles) == 0
    print(f"median time      {median:.2f} s   (floor {floor:.2f} s)")
    print(f"ratio to floor   {ratio:.3f}    (target ≤ {TARGET_RATIO})")
    print(f"429s by the desk {max(throttles)}        (target 0)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the desk's core: messages handled per second, and the queue and ticket list at a million tickets.

    python benchmarks/bench_core.py [--db URL] [--messages N] [--runs N] [--tickets N] [--skip-million]

Without --db it runs on SQLite files under benchmarks/out/; with a PostgreSQL
URL, in schemas of their own (the million-ticket one is kept as a cache).

1. Throughput: residents' messages (registration, repairs, complaints,
   handbook questions, emergencies, renovation, /my) through
   ``ServiceDesk.handle`` end to end — classify, store, ticket, render — on a
   migrated database, in one thread (so at most one core; --pin to pin it to
   one CPU, which on a shared machine also stops it from moving to an idle
   one). Target >= 300 msg/s.
2. Latency with 1,000,000 tickets (benchmarks/seed.py): the agent queue and a
   resident's ticket list, as store queries and as the `/queue` and `/my`
   commands through the desk. Target <= 50 ms (median and p99 shown).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from seed import OUT, RESIDENTS, SEED_END, seeded
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.config import EXAMPLE_CONFIG, load_config
from bot.db import make_engine
from bot.dbcli import upgrade
from bot.desk import ServiceDesk
from bot.messages import ChatRef, Inbound
from bot.render import Templates
from bot.store import TicketStore, Work
from knowledge import BUNDLED_HANDBOOK, load_handbook

THROUGHPUT_TARGET = 300.0  # messages per second, one core
LATENCY_TARGET_MS = 50.0

# What residents say, as whole conversations; the first message of a new chat may be asked for the flat.
CONVERSATIONS = [
    ["厨房水管漏水了", "{flat}"],
    ["{flat}", "卫生间下水道堵了，水排不下去"],
    ["{flat}", "物业费怎么交"],
    ["{flat}", "楼上每天晚上很吵，能不能管一下", "/my"],
    ["{flat}", "停车费多少钱一个月"],
    ["电梯困人了！快来人", "{flat}"],
    ["{flat}", "我想装修厨房"],
    ["Hello", "{flat}", "the light in the corridor is broken"],
    ["{flat}", "快递放哪里", "谢谢"],
    ["{flat}", "门禁卡刷不开了", "/my"],
    ["{flat}", "垃圾几点收"],
    ["{flat}", "小区里有人遛狗不牵绳"],
]


def pin_to_one_core() -> str:
    """Run this process on one CPU, as the target is per core."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned (no sched_setaffinity here)"


def build(engine: Engine) -> ServiceDesk:
    """A desk on ``engine`` as production wires it, after `desk db upgrade`."""
    config = load_config(EXAMPLE_CONFIG, environ={})
    return ServiceDesk(
        config=config,
        store=TicketStore(engine),
        handbook=load_handbook(BUNDLED_HANDBOOK),
        templates=Templates(config.timezone),
    )


def stream(run: int, count: int, rng: random.Random) -> list[Inbound]:
    """``count`` messages from residents talking at once, interleaved as they would arrive."""
    start = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    chats: list[list[str]] = []
    while sum(len(c) for c in chats) < count:
        flat = f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 33)}0{rng.randint(1, 4)}"
        chats.append([m.format(flat=flat) for m in rng.choice(CONVERSATIONS)])
    messages: list[Inbound] = []
    pending = [(i, list(c)) for i, c in enumerate(chats)]
    seq = 0
    while pending and len(messages) < count:
        i, conv = pending[rng.randrange(len(pending))]
        chat = ChatRef("bench", f"r{run}-c{i}")
        messages.append(
            Inbound(
                chat=chat,
                message_id=str(len(conv)),
                sender_id=chat.id,
                received_at=start + timedelta(seconds=seq),
                text=conv.pop(0),
            )
        )
        seq += 1
        pending = [(j, c) for j, c in pending if c]
    return messages


def throughput(url: str | None, messages: int, runs: int) -> tuple[list[float], list[float]]:
    """Messages per second per run (by wall clock, and by this process's CPU time), fresh database each."""
    rates: list[float] = []
    cpu_rates: list[float] = []
    rng = random.Random(11)
    for run in range(runs + 1):  # run 0 warms up (imports, templates, classifier tables)
        engine, cleanup = fresh_database(url)
        try:
            upgrade(engine)
            desk = build(engine)
            batch = stream(run, messages if run else 100, rng)
            started, cpu_started = time.perf_counter(), time.process_time()
            for msg in batch:
                desk.handle(msg)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            with engine.connect() as conn:  # an apology is fast: make sure none was needed
                failed = conn.execute(text("SELECT count(*) FROM inboundmessage WHERE outcome = 'failed'"))
                if failed.scalar_one():
                    raise SystemExit("some messages failed: the figures would be meaningless")
            if run:
                rates.append(len(batch) / elapsed)
                cpu_rates.append(len(batch) / cpu)
        finally:
            cleanup()
    return rates, cpu_rates


def fresh_database(url: str | None) -> tuple[Engine, Callable[[], None]]:
    if url is None:
        OUT.mkdir(exist_ok=True)
        path = OUT / f"bench_core_{uuid.uuid4().hex[:8]}.db"
        engine = make_engine(f"sqlite:///{path}")

        def cleanup() -> None:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return engine, cleanup
    schema = f"bench_core_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, search_path=schema)

    def cleanup_pg() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return engine, cleanup_pg


def timed(fn: Callable[[int], object], calls: int) -> tuple[float, float]:
    """Median and p99 of ``fn(i)`` in milliseconds over ``calls`` calls (after 5 warm-up calls).

    Warm-up calls get indexes ``calls`` to ``calls + 4``, so no measured call repeats a message id
    (a repeated id is a duplicate delivery, which the desk answers without doing anything).
    """
    for i in range(calls, calls + 5):
        fn(i)
    samples = []
    for i in range(calls):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.99 * len(samples)))]


def million(
    url: str | None, tickets: int, calls: int
) -> tuple[list[tuple[str, float, float]], list[tuple[str, float, float]]]:
    """Latency of the queue and a resident's ticket list on the seeded database."""
    data = seeded(url, tickets)
    engine = data.engine
    store = TicketStore(engine)
    desk = build(engine)
    rng = random.Random(5)
    residents = [
        ChatRef("telegram", str(7_000_000_000 + rng.randint(1, RESIDENTS))) for _ in range(calls + 5)
    ]
    agent = ChatRef("staff", "agents")
    run_id = uuid.uuid4().hex[:8]
    at = SEED_END + timedelta(hours=1)

    def desk_queue(i: int) -> object:
        return desk.handle(
            Inbound(
                chat=agent, message_id=f"q-{run_id}-{i}", sender_id="100001", received_at=at, text="/queue"
            )
        )

    def desk_my(i: int) -> object:
        chat = residents[i]
        return desk.handle(
            Inbound(chat=chat, message_id=f"my-{run_id}-{i}", sender_id=chat.id, received_at=at, text="/my")
        )

    def sweep(query: Callable[[Work], object]) -> Callable[[int], object]:
        def run(_: int) -> object:
            with Session(engine) as session:  # read only: rolled back, so the cache stays as seeded
                return query(Work(session))

        return run

    with engine.connect() as conn:
        open_count = conn.execute(text("SELECT count(*) FROM ticket WHERE is_open")).scalar_one()
    print(f"  {tickets:,} tickets, {open_count:,} open, in {data.where}")

    results = [
        ("store.queue(limit=20) (ix_ticket_queue)", *timed(lambda i: store.queue(limit=20), calls)),
        ("store.tickets_of_chat(resident)", *timed(lambda i: store.tickets_of_chat(residents[i]), calls)),
        ("desk /queue (agent, end to end)", *timed(desk_queue, calls)),
        ("desk /my (resident, end to end)", *timed(desk_my, calls)),
    ]
    sweeps = [  # no stated target; on SQLite a sweep holds the write lock while it reads
        ("sweep read: overdue(now)", *timed(sweep(lambda w: w.overdue(at)), 20)),
        (
            "sweep read: unacknowledged_emergencies",
            *timed(sweep(lambda w: w.unacknowledged_emergencies()), 20),
        ),
        ("sweep read: unrated(48 h ago)", *timed(sweep(lambda w: w.unrated(at - timedelta(hours=48))), 20)),
    ]
    engine.dispose()
    return results, sweeps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the desk's core.")
    parser.add_argument(
        "--db", metavar="URL", help="PostgreSQL URL (default: SQLite files in benchmarks/out/)"
    )
    parser.add_argument("--messages", type=int, default=1000, help="messages per run (default 1000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets for the latency part")
    parser.add_argument("--calls", type=int, default=200, help="calls per latency measurement")
    parser.add_argument("--skip-million", action="store_true", help="only the throughput part")
    parser.add_argument("--pin", action="store_true", help="pin the process to one CPU")
    args = parser.parse_args(argv)
    database = "PostgreSQL" if args.db else "SQLite"

    where = pin_to_one_core() if args.pin else "one thread, not pinned"
    print(f"bench_core on {database}, {where}")
    rates, cpu_rates = throughput(args.db, args.messages, args.runs)
    median = statistics.median(rates)
    ok = "OK" if median >= THROUGHPUT_TARGET else "MISSED"
    print(
        f"  messages handled end to end: median {median:.0f} msg/s over {len(rates)} runs of "
        f"{args.messages} (min {min(rates):.0f}, max {max(rates):.0f})   target >= {THROUGHPUT_TARGET:.0f} "
        f"msg/s  {ok}"
    )
    # On a busy machine the wall clock also counts time spent waiting for the CPU; the
    # desk's own CPU time shows what one free core gives (for SQLite all the work is here).
    print(
        f"  by this process's CPU time:  median {statistics.median(cpu_rates):.0f} msg/s "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    if args.skip_million:
        return 0
    missed = median < THROUGHPUT_TARGET
    results, sweeps = million(args.db, args.tickets, args.calls)
    for name, p50, p99 in results:
        ok = "OK" if p50 <= LATENCY_TARGET_MS and p99 <= LATENCY_TARGET_MS else "MISSED"
        missed |= ok == "MISSED"
        print(
            f"  {name:<40} median {p50:6.1f} ms  p99 {p99:6.1f} ms   "
            f"target <= {LATENCY_TARGET_MS:.0f} ms  {ok}"
        )
    for name, p50, p99 in sweeps:
        print(f"  {name:<40} median {p50:6.1f} ms  p99 {p99:6.1f} ms   (no target; informational)")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())

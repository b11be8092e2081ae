"""Fast bulk generation of a realistic year of the desk's data, for the benchmarks.

    python benchmarks/seed.py [--db URL] [--tickets N]

A large estate (100 buildings, 50,000 residents) and N tickets (default
1,000,000) opened over the year before SEED_END: repairs, complaints,
inquiries handed to a person, renovations and emergencies, most of them
followed up, rated and archived, the recent ones still moving. The schema is
made by the real migrations (`bot.dbcli.upgrade`); rows go in with
executemany in one transaction on SQLite and COPY on PostgreSQL, so a million
tickets take well under a minute. Ticket events and messages are not
generated: the targets and the benchmarked queries do not read them.

The result is cached: a SQLite file under benchmarks/out/, or a schema of its
own on PostgreSQL, named after the seed's version and size, reused when it
already holds the expected number of tickets and its schema is still the
code's (a new index in bot/models.py rebuilds it).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.db import make_engine, normalise_url
from bot.dbcli import schema_differences, upgrade
from bot.migrations import target_metadata
from bot.models import PRIORITY_RANK, Priority, Rating, Resident, Staff, Ticket, TicketKind
from bot.store import CODE_PREFIX

OUT = Path(__file__).resolve().parent / "out"
SEED_VERSION = 2
SEED_END = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # fixed, so a cached seed stays valid
SEED_DAYS = 365
RECENT = timedelta(days=14)  # tickets opened since then are still moving through their workflow
RESIDENTS = 50_000
BUILDINGS = 100
SHANGHAI_OFFSET = timedelta(hours=8)  # ticket numbers use the community's day; no DST in Asia/Shanghai

KIND_WEIGHTS = {
    TicketKind.REPAIR: 55,
    TicketKind.COMPLAINT: 14,
    TicketKind.INQUIRY: 21,
    TicketKind.RENOVATION: 5,
    TicketKind.EMERGENCY: 5,
}
REPAIR_CATEGORIES = {
    "漏水": 22,
    "电梯": 12,
    "门禁": 10,
    "灯": 9,
    "堵塞": 9,
    "停电": 6,
    "墙面": 6,
    "窗户": 5,
    "水压": 4,
    "燃气": 2,
    "空调": 3,
    "对讲": 3,
}
COMPLAINT_CATEGORIES = {
    "噪音": 25,
    "停车": 18,
    "卫生": 14,
    "宠物": 10,
    "装修扰民": 10,
    "绿化": 6,
    "快递": 6,
    "服务态度": 6,
    "收费": 5,
}
EMERGENCY_CATEGORIES = {
    "flood": 30,
    "elevator": 25,
    "outage": 15,
    "fire": 5,
    "gas": 5,
    "security": 10,
    "medical": 10,
}
DESCRIPTIONS = {
    TicketKind.REPAIR: [
        "厨房水管漏水",
        "卫生间下水道堵了",
        "楼道灯不亮",
        "电梯按钮失灵",
        "门禁卡刷不开",
        "阳台窗户关不上",
        "家里停电了",
        "天花板渗水",
        "the kitchen tap is leaking",
    ],
    TicketKind.COMPLAINT: [
        "楼上晚上太吵",
        "车位被别人占了",
        "垃圾没有及时清运",
        "邻居的狗乱叫",
        "装修噪音太大",
        "the parking lot is always full",
    ],
    TicketKind.INQUIRY: [
        "物业费能开发票吗",
        "想问一下车位租赁",
        "快递柜满了怎么办",
        "who do I ask about a parking permit",
    ],
    TicketKind.RENOVATION: ["厨房和卫生间翻新", "全屋装修", "更换窗户", "阳台封闭"],
    TicketKind.EMERGENCY: ["家里水管爆了", "电梯困人", "楼道有烟", "闻到煤气味", "整栋楼停电"],
}
# Minutes from opening to the first staff action and to the work being done (lognormal medians).
RESPOND_MEDIAN = {
    TicketKind.REPAIR: 20,
    TicketKind.COMPLAINT: 45,
    TicketKind.INQUIRY: 8,
    TicketKind.RENOVATION: 600,
    TicketKind.EMERGENCY: 3,
}
RESOLVE_MEDIAN = {
    TicketKind.REPAIR: 360,
    TicketKind.COMPLAINT: 2880,
    TicketKind.INQUIRY: 20,
    TicketKind.RENOVATION: 60 * 24 * 45,
    TicketKind.EMERGENCY: 60,
}
# (respond, resolve) minutes, as in desk.example.toml.
SLA = {
    (TicketKind.EMERGENCY, Priority.URGENT): (5, 120),
    (TicketKind.REPAIR, Priority.URGENT): (15, 240),
    (TicketKind.REPAIR, Priority.HIGH): (30, 720),
    (TicketKind.REPAIR, Priority.NORMAL): (60, 1440),
    (TicketKind.REPAIR, Priority.LOW): (240, 4320),
    (TicketKind.COMPLAINT, Priority.HIGH): (30, 1440),
    (TicketKind.COMPLAINT, Priority.NORMAL): (60, 4320),
    (TicketKind.RENOVATION, Priority.NORMAL): (1440, 4320),
    (TicketKind.INQUIRY, Priority.NORMAL): (15, 240),
}
# The workflow's states in order, up to "done" (rated, then followed up and archived).
PATH = {
    TicketKind.REPAIR: ["reported", "dispatched", "accepted", "in_progress", "completed"],
    TicketKind.COMPLAINT: ["recorded", "analysing", "planned", "handled"],
    TicketKind.RENOVATION: ["applied", "approved", "signed", "construction", "inspected", "refunded"],
    TicketKind.EMERGENCY: ["alarmed", "on_site", "resolved"],
    TicketKind.INQUIRY: ["handed_over", "answered"],
}
CANCELLABLE = {
    TicketKind.REPAIR: "reported",
    TicketKind.COMPLAINT: "recorded",
    TicketKind.RENOVATION: "applied",
}
SCORES = {5: 800, 4: 160, 3: 20, 2: 12, 1: 8}
STAFF = [
    ("李客服", "agent", "100001"),
    ("王师傅", "engineer", "100002"),
    ("张师傅", "engineer", "100003"),
    ("赵保安", "security", "100004"),
    ("陈主任", "manager,agent", "100005"),
]


@dataclass(frozen=True, slots=True)
class Seeded:
    """Where the seeded data is: the engine to use and how many tickets it holds."""

    engine: Engine
    tickets: int
    seconds: float  # spent seeding now (0 when the cache was reused)
    where: str


def seeded(url: str | None, tickets: int = 1_000_000, *, quiet: bool = False) -> Seeded:
    """The seeded database for ``url`` (None: a SQLite file under benchmarks/out/), seeding it if needed."""
    name = f"seed_v{SEED_VERSION}_{tickets}"
    if url is None or normalise_url(url).startswith("sqlite"):
        OUT.mkdir(exist_ok=True)
        path = OUT / f"{name}.db"
        engine = make_engine(f"sqlite:///{path}")
        where = str(path)
    else:
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{name}"'))
        admin.dispose()
        engine = make_engine(url, search_path=name)
        where = f"{engine.url.render_as_string(hide_password=True)} schema {name}"
    if _ticket_count(engine) == tickets and _schema_is_current(engine, quiet=quiet):
        return Seeded(engine, tickets, 0.0, where)  # seeded before, and the schema is the code's
    if not quiet:
        print(f"seeding {tickets:,} tickets into {where} …", flush=True)
    started = time.perf_counter()
    _reset(engine)
    upgrade(engine)
    load(engine, tickets)
    seconds = time.perf_counter() - started
    if not quiet:
        print(f"seeded in {seconds:.1f} s", flush=True)
    return Seeded(engine, tickets, seconds, where)


def _schema_is_current(engine: Engine, *, quiet: bool) -> bool:
    """True when the cached schema is the code's; indexes added to the code since are built in place."""
    diffs = schema_differences(engine)
    if diffs and all(d.startswith("add_index: ") for d in diffs):
        indexes = {i.name: i for table in target_metadata().tables.values() for i in table.indexes}
        for name in (d.removeprefix("add_index: ") for d in diffs):
            if not quiet:
                print(f"creating index {name} on the cached data …", flush=True)
            indexes[name].create(engine)
        diffs = schema_differences(engine)
    return not diffs


def _ticket_count(engine: Engine) -> int | None:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ticket")).scalar_one()
    except Exception:  # no table yet: not seeded
        return None


def _reset(engine: Engine) -> None:
    """Empty a half-seeded or outdated cache (benchmark data only)."""
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database or "")
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))


# ======================================================================================
# generation
# ======================================================================================
def _weighted(rng: random.Random, weights: dict[Any, int], n: int) -> list[Any]:
    return rng.choices(list(weights), weights=list(weights.values()), k=n)


def _lognormal_minutes(rng: random.Random, median: float) -> float:
    return median * math.exp(rng.gauss(0.0, 0.8))


def _naive(dt: datetime) -> datetime:
    """Storage form of a UTC instant (what bot.models.UTCDateTime writes)."""
    return dt.replace(tzinfo=None)


def residents() -> Iterator[dict[str, Any]]:
    rng = random.Random(1)
    for i in range(1, RESIDENTS + 1):
        building = (i - 1) % BUILDINGS + 1
        yield {
            "id": i,
            "channel": "telegram",
            "chat_id": str(7_000_000_000 + i),
            "name": f"业主{i}",
            "phone": None,
            "building": str(building),
            "unit": str(rng.randint(1, 4)),
            "room": f"{rng.randint(1, 33)}{rng.randint(1, 4):02d}",
            "language": "en" if i % 9 == 0 else "zh",
            "verified": i % 3 != 0,
            "reachable": True,
            "created_at": _naive(SEED_END - timedelta(days=400 + i % 300)),
        }


def generate_tickets(
    count: int, flats: dict[int, tuple[str, str, str]], ratings: list[dict]
) -> Iterator[dict]:
    """``count`` tickets opened over the year before SEED_END; ratings given are appended to ``ratings``."""
    rng = random.Random(SEED_VERSION)
    span = SEED_DAYS * 86_400
    start = SEED_END - timedelta(days=SEED_DAYS)
    offsets = sorted(rng.random() * span for _ in range(count))
    kinds = _weighted(rng, KIND_WEIGHTS, count)
    day_numbers: dict[tuple[str, str], int] = {}
    for i, (offset, kind) in enumerate(zip(offsets, kinds, strict=True), start=1):
        opened = start + timedelta(seconds=offset)
        resident_id = rng.randint(1, RESIDENTS)
        building, unit, room = flats[resident_id]
        priority = Priority.NORMAL
        category = None
        if kind == TicketKind.EMERGENCY:
            priority, category = Priority.URGENT, _weighted(rng, EMERGENCY_CATEGORIES, 1)[0]
        elif kind == TicketKind.REPAIR:
            priority = _weighted(
                rng, {Priority.URGENT: 5, Priority.HIGH: 10, Priority.NORMAL: 80, Priority.LOW: 5}, 1
            )[0]
            category = _weighted(rng, REPAIR_CATEGORIES, 1)[0]
        elif kind == TicketKind.COMPLAINT:
            priority = Priority.HIGH if rng.random() < 0.1 else Priority.NORMAL
            category = _weighted(rng, COMPLAINT_CATEGORIES, 1)[0]
        day = (opened + SHANGHAI_OFFSET).strftime("%Y%m%d")
        prefix = CODE_PREFIX[kind]
        number = day_numbers[(prefix, day)] = day_numbers.get((prefix, day), 0) + 1
        respond_sla, resolve_sla = SLA[(kind, priority)]
        row: dict[str, Any] = {
            "id": i,
            "code": f"{prefix}-{day}-{number:04d}",
            "kind": kind.value,
            "priority": priority.value,
            "priority_rank": PRIORITY_RANK[priority],
            "category": category,
            "resident_id": resident_id,
            "building": building,
            "unit": unit,
            "room": room,
            "place": f"{building}栋{unit}单元{room}" if rng.random() < 0.8 else f"{building}栋电梯厅",
            "description": rng.choice(DESCRIPTIONS[kind]),
            "details": "{}",
            "assignee_id": None,
            "agent_id": None,
            "opened_at": opened,
            "respond_due": opened + timedelta(minutes=respond_sla),
            "resolve_due": opened + timedelta(minutes=resolve_sla),
            "responded_at": None,
            "resolved_at": None,
            "closed_at": None,
            "followed_up_at": None,
            "escalated_at": None,
            "last_alert_at": None,
            "alert_count": 0,
            "rating_requested_at": None,
            "rating_reminded_at": None,
            "rating": None,
            "status": PATH[kind][0],
            "is_open": True,
            "updated_at": opened,
        }
        _advance(rng, row, kind, opened, recent=opened >= SEED_END - RECENT)
        _sweeps(row, kind)
        if row["rating"] is not None:
            ratings.append(
                {
                    "id": len(ratings) + 1,
                    "ticket_id": i,
                    "resident_id": resident_id,
                    "score": row["rating"],
                    "comment": "" if row["rating"] >= 3 else "还是没修好",
                    "at": row["followed_up_at"] or row["updated_at"],
                }
            )
        yield row


def _advance(
    rng: random.Random, row: dict[str, Any], kind: TicketKind, opened: datetime, *, recent: bool
) -> None:
    """Move one ticket along its workflow as far as a real desk would have by SEED_END."""
    path = PATH[kind]
    age = SEED_END - opened
    responded = opened + timedelta(minutes=_lognormal_minutes(rng, RESPOND_MEDIAN[kind]))
    resolved = responded + timedelta(minutes=_lognormal_minutes(rng, RESOLVE_MEDIAN[kind]))
    followed = resolved + timedelta(hours=rng.uniform(2, 72))
    roll = rng.random()
    if kind in CANCELLABLE and roll < 0.015:
        status, final_at = "cancelled", opened + timedelta(minutes=rng.uniform(1, 120))
        row.update(status=status, closed_at=final_at, updated_at=final_at, is_open=False)
        return
    stuck = 0.6 if recent else 0.005  # still before "done": recent work, or a forgotten ticket
    if roll < stuck or resolved > SEED_END:
        step = rng.randrange(len(path) - 1)
        status = path[step]
        row.update(status=status, is_open=True, updated_at=min(responded, SEED_END) if step else opened)
        if step and responded < SEED_END:
            row["responded_at"] = responded
        return
    row.update(responded_at=responded, resolved_at=resolved, updated_at=resolved)
    if kind == TicketKind.INQUIRY:
        closed = resolved + timedelta(minutes=rng.uniform(1, 600))
        row.update(status="closed" if closed < SEED_END else "answered", is_open=closed >= SEED_END)
        if closed < SEED_END:
            row.update(closed_at=closed, updated_at=closed)
        return
    row["rating_requested_at"] = resolved
    not_followed = 0.5 if recent else 0.025
    if followed > SEED_END or rng.random() < not_followed:
        row.update(status=path[-1], is_open=True)  # done, waiting for 回访
        return
    rated = rng.random() < 0.85
    row.update(
        status="archived",
        followed_up_at=followed,
        closed_at=followed,
        updated_at=followed,
        is_open=False,
        rating=_weighted(rng, SCORES, 1)[0] if rated else None,
    )
    if age < timedelta(days=3):
        row.update(status="followed_up", closed_at=None, is_open=True)


def _sweeps(row: dict[str, Any], kind: TicketKind) -> None:
    """What the desk's sweeps would have recorded: alerts, escalations, rating reminders."""
    if kind == TicketKind.EMERGENCY:
        row.update(alert_count=1, last_alert_at=row["opened_at"])
    if row["status"] == "cancelled":
        return
    missed = [
        due
        for due, done in ((row["respond_due"], row["responded_at"]), (row["resolve_due"], row["resolved_at"]))
        if (done or SEED_END) > due
    ]
    if missed:  # the overdue check runs every 5 minutes and escalates a ticket once
        escalated = min(missed) + timedelta(minutes=5)
        if escalated < SEED_END:
            row["escalated_at"] = escalated
    asked = row["rating_requested_at"]
    if asked is not None and row["rating"] is None:
        reminder = asked + timedelta(hours=48)
        if reminder < (row["followed_up_at"] or SEED_END):
            row["rating_reminded_at"] = reminder


# ======================================================================================
# loading
# ======================================================================================
def load(engine: Engine, count: int) -> None:
    """Insert staff, residents, ``count`` tickets and their ratings, then ANALYZE."""
    people = list(residents())
    flats = {r["id"]: (r["building"], r["unit"], r["room"]) for r in people}
    staff = [
        {
            "id": i,
            "name": name,
            "roles": roles,
            "telegram_id": tg,
            "phone": None,
            "on_duty": True,
            "active": True,
        }
        for i, (name, roles, tg) in enumerate(STAFF, start=1)
    ]
    ratings: list[dict] = []
    tickets = generate_tickets(count, flats, ratings)
    insert = _insert_sqlite if engine.dialect.name == "sqlite" else _copy_postgresql
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "sqlite":
            # A benchmark cache, rebuilt if a crash corrupts it: no journal while loading (a
            # million rows through the WAL would be written twice), WAL again afterwards.
            cur.execute("PRAGMA journal_mode=OFF").fetchall()
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
        insert(cur, Staff.__table__, iter(staff))
        insert(cur, Resident.__table__, iter(people))
        insert(cur, Ticket.__table__, tickets)
        insert(cur, Rating.__table__, iter(ratings))  # filled while the tickets streamed in
        raw.commit()
        if engine.dialect.name == "sqlite":
            cur.execute("PRAGMA journal_mode=WAL").fetchall()
        cur.close()
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _storage(value: Any, sqlite: bool) -> Any:
    if isinstance(value, datetime):
        value = _naive(value)
        # SQLAlchemy's SQLite storage format, so the desk's textual comparisons stay exact.
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value
    return value


def _insert_sqlite(cur: Any, table: Any, rows: Iterator[dict]) -> None:
    first = next(rows, None)
    if first is None:
        return
    cols = [c.name for c in table.columns if c.name in first]
    sql = f'INSERT INTO "{table.name}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
    cur.executemany(sql, ([_storage(r[c], True) for c in cols] for r in _chain(first, rows)))


def _copy_postgresql(cur: Any, table: Any, rows: Iterator[dict]) -> None:
    first = next(rows, None)
    if first is None:
        return
    cols = [c.name for c in table.columns if c.name in first]
    with cur.copy(f'COPY "{table.name}" ({", ".join(cols)}) FROM STDIN') as copy:
        for r in _chain(first, rows):
            copy.write_row([_storage(r[c], False) for c in cols])
    cur.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
        f'(SELECT max(id) FROM "{table.name}"))'
    )


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", metavar="URL", help="PostgreSQL URL (default: a SQLite file in benchmarks/out/)"
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    result = seeded(args.db, args.tickets)
    print(
        f"{result.tickets:,} tickets in {result.where}"
        + (f" (seeded in {result.seconds:.1f} s)" if result.seconds else " (cached)")
    )
    result.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

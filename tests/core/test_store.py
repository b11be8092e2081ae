"""The store on SQLite and PostgreSQL: time stamps, ticket numbers, first-come ownership, the queue."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import event

from bot.config import StaffMember
from bot.messages import ChatRef, Role
from bot.models import Priority, Staff, TicketKind
from bot.store import TicketStore
from bot.workflow import Status

SHANGHAI = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 23, 23, 30, tzinfo=SHANGHAI)


def open_ticket(store: TicketStore, *, chat="1", kind=TicketKind.REPAIR, priority=Priority.NORMAL,
                at=T0, respond=timedelta(hours=1), day="20261123"):
    with store.work() as w:
        resident = w.resident(ChatRef("test", chat)) or w.add_resident(
            ChatRef("test", chat), name="r", language="zh", at=at)
        return w.open_ticket(
            code=w.next_code(kind, day), kind=kind, status=Status.REPORTED, priority=priority, resident=resident,
            description="d", place="p", building="3", unit="2", room="501", category=None, at=at,
            respond_due=at + respond, resolve_due=at + respond * 24, actor="test",
        )


def test_timestamps_round_trip_as_the_same_aware_instant(store):
    ticket = open_ticket(store)
    again = store.ticket(ticket.code)
    assert again.opened_at == T0
    assert again.opened_at.tzinfo is not None
    assert again.opened_at.utcoffset() == timedelta(0)
    assert again.respond_due == T0 + timedelta(hours=1)
    assert store.events(ticket.code)[0].at == T0


def test_naive_datetimes_are_refused(store):
    with pytest.raises(Exception, match="naive datetime"):
        open_ticket(store, at=datetime(2026, 11, 23, 12, 0))


def test_ticket_numbers_count_per_kind_and_day(store):
    codes = [open_ticket(store).code, open_ticket(store).code,
             open_ticket(store, kind=TicketKind.COMPLAINT).code, open_ticket(store, day="20261124").code]
    assert codes == ["R-20261123-0001", "R-20261123-0002", "C-20261123-0001", "R-20261124-0001"]


def test_concurrent_workers_never_share_a_ticket_number(store):
    codes: list[str] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                codes.append(open_ticket(store, chat=f"{n}-{i}").code)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(codes) == 30
    assert sorted(codes) == [f"R-20261123-{n:04d}" for n in range(1, 31)]


def test_the_first_to_take_a_chat_owns_it(store):
    ticket = open_ticket(store)
    store.sync_staff([StaffMember("甲", (Role.AGENT,), "1"), StaffMember("乙", (Role.AGENT,), "2")])
    with store.work() as w:
        first, second = w.staff_by_name("甲"), w.staff_by_name("乙")
        row = w.ticket(ticket.code, lock=True)
        assert w.claim_chat(row, first) is True
        assert w.claim_chat(row, second) is False
        assert row.agent_id == first.id


def test_queue_puts_urgent_first_then_the_earliest_deadline(store):
    late = open_ticket(store, respond=timedelta(hours=4))
    soon = open_ticket(store, respond=timedelta(minutes=30))
    urgent = open_ticket(store, kind=TicketKind.EMERGENCY, priority=Priority.URGENT, respond=timedelta(hours=9))
    closed = open_ticket(store, respond=timedelta(minutes=1))
    with store.work() as w:
        row = w.ticket(closed.code)
        w.set_status(row, Status.CANCELLED, at=T0, actor="test")
    assert [t.code for t in store.queue()] == [urgent.code, soon.code, late.code]


def test_staff_follow_the_configuration(store):
    store.sync_staff([StaffMember("甲", (Role.AGENT, Role.MANAGER), "1", on_duty=True),
                      StaffMember("乙", (Role.ENGINEER,), "2")])
    store.sync_staff([StaffMember("甲", (Role.AGENT,), "1")])
    with store.work() as w:
        assert [s.name for s in w.staff_list()] == ["甲"]
        assert w.staff_by_sender("1").roles == "agent"
        assert w.staff_by_sender("2") is None
    assert store.count(Staff) == 2  # the removed member is kept (inactive) for the audit trail


def test_dialogue_state_survives_in_the_database(store):
    chat = ChatRef("test", "9")
    with store.work() as w:
        w.set_dialogue(chat, "report", {"kind": "repair", "words": "水管漏水"}, at=T0)
    with store.work() as w:
        state = w.dialogue(chat)
    assert state.state == "report"
    assert state.get("words") == "水管漏水"


def test_a_failed_work_unit_writes_nothing(store):
    with pytest.raises(RuntimeError), store.work() as w:
        w.add_resident(ChatRef("test", "x"), name="x", language="zh", at=datetime.now(UTC))
        raise RuntimeError("boom")
    assert store.resident(ChatRef("test", "x")) is None


def test_the_rating_reminder_sweep_reads_its_index(store, engine):
    """The sweep runs every 10 minutes over every ticket ever opened: it must not scan them (bench_core)."""
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "rating_reminded_at IS NULL" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with store.work() as w:
            w.unrated(T0)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    (statement, parameters), = statements
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        else:  # an empty table is cheapest to scan: ask whether the index can serve the query at all
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(str(row) for row in cursor.fetchall())
    assert "ix_ticket_rating_sweep" in plan, plan

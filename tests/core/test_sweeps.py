"""Timed work with fixed times: emergency alerts repeat then reach the manager, overdue tickets escalate,
unrated tickets get one reminder; the scheduler wiring; failed deliveries."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import AGENTS_ROOM, DUTY_ROOM, MANAGER_ROOM, ChatRef
from bot.models import EventKind
from bot.scheduler import build_scheduler
from tests.support.chat import actions, to_resident

E1 = "E-20261123-0001"
R1 = "R-20261123-0001"


def rooms(out) -> list[ChatRef]:
    return [o.to for o in out]


def test_unacknowledged_emergency_alert_repeats_every_two_minutes_then_reaches_the_manager(desk, resident, clock):
    opened = clock.now
    resident.send("地下车库B区水管爆了,水一直往外冒")
    assert desk.repeat_alerts(now=opened + timedelta(seconds=90)) == []
    second = desk.repeat_alerts(now=opened + timedelta(minutes=2, seconds=5))
    assert rooms(second) == [DUTY_ROOM]
    assert "第2次" in second[0].text and second[0].urgent and f"ack:{E1}" in actions(second[0])
    assert desk.repeat_alerts(now=opened + timedelta(minutes=3)) == []
    third = desk.repeat_alerts(now=opened + timedelta(minutes=5, seconds=10))  # past the 5-minute SLA
    assert rooms(third) == [DUTY_ROOM, MANAGER_ROOM]
    fourth = desk.repeat_alerts(now=opened + timedelta(minutes=7, seconds=20))
    assert rooms(fourth) == [DUTY_ROOM]  # the manager is told once
    alerts = [e for e in desk.store.events(E1) if e.kind == EventKind.ALERT]
    assert len(alerts) == 3


def test_acknowledging_stops_the_alerts(desk, resident, guard, clock):
    opened = clock.now
    resident.send("地下车库B区水管爆了,水一直往外冒")
    guard.send(f"/ack {E1}")
    assert desk.repeat_alerts(now=opened + timedelta(minutes=10)) == []
    assert desk.store.ticket(E1).responded_at is not None


def test_overdue_tickets_are_escalated_to_the_manager_once(desk, resident, clock):
    opened = clock.now
    resident.send("卫生间下水道堵了")  # high: respond within 30 min, resolve within 12 h
    assert desk.escalate_overdue(now=opened + timedelta(minutes=29)) == []
    out = desk.escalate_overdue(now=opened + timedelta(minutes=31))
    assert rooms(out) == [MANAGER_ROOM]
    assert R1 in out[0].text and "响应时限" in out[0].text
    assert desk.escalate_overdue(now=opened + timedelta(hours=13)) == []


def test_a_ticket_responded_to_in_time_is_escalated_only_when_its_resolution_is_late(desk, resident, engineer,
                                                                                     clock):
    opened = clock.now
    resident.send("卫生间下水道堵了")
    engineer.send(f"/grab {R1}")
    assert desk.escalate_overdue(now=opened + timedelta(hours=2)) == []
    out = desk.escalate_overdue(now=opened + timedelta(hours=12, minutes=1))
    assert "处理时限" in out[0].text


def finish_repair(resident, agent, engineer) -> None:
    resident.send("卫生间下水道堵了")
    agent.send(f"/dispatch {R1} 王师傅")
    engineer.send(f"/accept {R1}")
    engineer.send(f"/done {R1}")


def test_an_unrated_ticket_gets_one_reminder_after_48_hours(desk, resident, agent, engineer, clock):
    finish_repair(resident, agent, engineer)
    done = clock.now
    assert desk.remind_unrated(now=done + timedelta(hours=47)) == []
    out = desk.remind_unrated(now=done + timedelta(hours=48, minutes=1))
    reminder = to_resident(out, resident.chat)
    assert len(reminder) == 1 and R1 in reminder[0].text
    assert f"rate:{R1}:5" in actions(reminder[0])
    assert desk.remind_unrated(now=done + timedelta(hours=100)) == []


def test_a_rated_ticket_gets_no_reminder(desk, resident, agent, engineer, clock):
    finish_repair(resident, agent, engineer)
    resident.press(f"rate:{R1}:5")
    assert desk.remind_unrated(now=clock.now + timedelta(days=3)) == []


def test_sweeps_are_recorded_as_outbound_messages(desk, resident, clock):
    from bot.models import OutboundMessage

    resident.send("地下车库B区水管爆了,水一直往外冒")
    before = desk.store.count(OutboundMessage)
    desk.repeat_alerts(now=clock.now + timedelta(minutes=3))
    assert desk.store.count(OutboundMessage) == before + 1


def test_the_scheduler_runs_each_sweep_under_its_own_id(desk, config):
    class NoTransport:
        async def deliver(self, messages) -> None:  # pragma: no cover - never started here
            raise AssertionError("not started")

    scheduler = build_scheduler(desk, NoTransport(), config)
    jobs = {job.id: str(job.trigger) for job in scheduler.get_jobs()}
    assert jobs == {
        "repeat-alerts": "interval[0:00:30]",
        "escalate-overdue": "interval[0:05:00]",
        "remind-unrated": "interval[0:10:00]",
    }


async def test_a_scheduled_sweep_delivers_what_the_desk_returns(desk, resident, config, clock, monkeypatch):
    from bot import scheduler as scheduler_module

    delivered = []

    class Recorder:
        async def deliver(self, messages) -> None:
            delivered.extend(messages)

    resident.send("地下车库B区水管爆了,水一直往外冒")

    def late_sweep(*, now):  # the job passes the wall clock; pin it to the test clock instead
        return desk.repeat_alerts(now=clock.now + timedelta(minutes=3))

    await scheduler_module.run_sweep(late_sweep, Recorder())
    assert rooms(delivered) == [DUTY_ROOM]


def test_a_failed_delivery_marks_the_resident_unreachable_and_asks_staff_to_phone(desk, resident, clock):
    resident.send("卫生间下水道堵了")
    out = desk.delivery_failed(resident.chat, reason="Forbidden: bot was blocked by the user", now=clock.now,
                               ticket=R1)
    assert rooms(out) == [AGENTS_ROOM]
    assert "3栋" in out[0].text and R1 in out[0].text
    assert desk.store.resident(resident.chat).reachable is False
    assert desk.delivery_failed(resident.chat, reason="again", now=clock.now, ticket=R1) == []
    resident.send("/my")  # writing again makes them reachable
    assert desk.store.resident(resident.chat).reachable is True
    assert desk.delivery_failed(DUTY_ROOM, reason="topic deleted", now=clock.now) == []
    assert desk.delivery_failed(ChatRef("test", "nobody"), reason="x", now=clock.now) == []

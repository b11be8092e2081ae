"""A reply to "where is it?" that tells a danger of another kind (session 9, found trying the desk).

A false fire alarm ("救命 楼上装修又炸了") was followed by "家里成水帘洞了 水一直往下冒 🆘": the reply
named the flat, so it was taken as the fire's place, and the resident never got the flood guidance.
The reply stays on the same ticket (it is the same incident as far as anyone can tell), but the new
kind's guidance goes out at once and the duty room is told what it is now.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.messages import DUTY_ROOM
from bot.models import Ticket, add_told_kind, told_kinds
from tests.support.chat import emergency_codes, to_resident, to_staff

FLOOD_GUIDANCE = "【水管爆裂、家里或车库进水怎么办?】"
MEDICAL_GUIDANCE = "【有人受伤或突然晕倒怎么办?】"


def the_ticket(person, code: str) -> Ticket:
    with person.desk.store.work() as w:
        return w.session.exec(select(Ticket).where(Ticket.code == code)).one()


def test_a_flood_told_as_the_answer_to_where_the_fire_is_gets_the_flood_guidance(resident):
    code = to_staff(resident.send("着火了 好大的烟"), DUTY_ROOM)[0].ticket
    out = resident.send("家里成水帘洞了 水一直往下冒 🆘")
    mine = [o.text for o in to_resident(out, resident.chat)]
    assert any(FLOOD_GUIDANCE in m for m in mine)
    assert "3栋2单元501" in mine[0]  # still the place: 家里 is the registered flat
    duty = to_staff(out, DUTY_ROOM)
    assert len(duty) == 1 and duty[0].ticket == code and duty[0].urgent
    assert "新情况：水浸/爆管" in duty[0].text
    assert emergency_codes(resident) == [code]  # the same incident, one ticket
    assert told_kinds(the_ticket(resident, code)) == ["flood"]


def test_a_worse_turn_without_a_place_gets_its_guidance_and_we_still_ask_where(resident):
    code = to_staff(resident.send("闻到很大的煤气味"), DUTY_ROOM)[0].ticket
    out = resident.send("人已经晕过去了 你们快点")
    mine = [o.text for o in to_resident(out, resident.chat)]
    assert any(MEDICAL_GUIDANCE in m for m in mine)
    assert "具体位置" in mine[-1]
    duty = to_staff(out, DUTY_ROOM)
    assert len(duty) == 1 and "新情况：急病/受伤" in duty[0].text and duty[0].ticket == code


@pytest.mark.parametrize("reply", ["快点来啊", "救命啊"])
def test_a_bare_alarm_is_no_new_kind_whatever_kind_the_classifier_guesses(resident, reply):
    code = to_staff(resident.send("闻到很大的煤气味"), DUTY_ROOM)[0].ticket
    out = resident.send(reply)
    assert not any("【" in o.text for o in to_resident(out, resident.chat))  # no second guidance
    assert "新情况" not in to_staff(out, DUTY_ROOM)[0].text
    assert told_kinds(the_ticket(resident, code)) == []


def test_the_same_kind_told_again_is_no_new_kind(resident):
    code = to_staff(resident.send("着火了 好大的烟"), DUTY_ROOM)[0].ticket
    out = resident.send("火越来越大了 楼道里全是烟")
    assert not any("【" in o.text for o in to_resident(out, resident.chat))
    assert told_kinds(the_ticket(resident, code)) == []


def test_the_repeated_alert_names_every_kind_told(desk, resident, clock):
    opened = clock.now
    resident.send("着火了 好大的烟")
    resident.send("家里成水帘洞了 水一直往下冒 🆘")
    repeat = desk.repeat_alerts(now=opened + timedelta(minutes=2, seconds=5))
    assert repeat and "火情、水浸/爆管" in repeat[0].text


def test_told_kinds_reads_nothing_from_details_it_did_not_write() -> None:
    assert told_kinds(Ticket(code="E-1", kind="emergency", status="reported", resident_id=1,
                             details="not json")) == []
    assert told_kinds(Ticket(code="E-1", kind="emergency", status="reported", resident_id=1,
                             details='{"more_kinds": "flood"}')) == []


def test_an_english_resident_is_told_in_english(resident):
    resident.send("/lang en")
    resident.send("fire!! smoke everywhere")
    out = resident.send("now water is pouring through the ceiling of my flat, it is everywhere")
    mine = [o.text for o in to_resident(out, resident.chat)]
    assert any("told about the flooding too" in m and FLOOD_GUIDANCE in m for m in mine)


def test_a_kind_told_later_is_added_to_details_kept_as_they_were() -> None:
    ticket = Ticket(code="E-1", kind="emergency", status="reported", resident_id=1, details='{"note": "x"}')
    add_told_kind(ticket, "flood")
    add_told_kind(ticket, "medical")
    assert told_kinds(ticket) == ["flood", "medical"]
    assert '"note": "x"' in ticket.details

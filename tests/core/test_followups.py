"""Follow-ups of issues 4 and 5: engineer buttons, rating after a hand-over, edits, media relays, wording."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from bot.desk import ServiceDesk
from bot.messages import ENGINEERING_ROOM, Attachment, AttachmentKind, ChatRef, ticket_room
from bot.models import EventKind, InboundMessage, Staff, Ticket
from bot.render import plain_markdown
from bot.workflow import Status
from intents import classify as real_classify
from intents.labels import Classification, EmergencyKind, Intent
from tests.core.conftest import TEST_UNSURE_BELOW
from tests.support.chat import Person, actions, to_resident, to_staff

R1 = "R-20261123-0001"
Q1 = "Q-20261123-0001"
PHOTO = Attachment(AttachmentKind.PHOTO, "photo-after")


def labels(message) -> list[str]:
    return [b.label for row in message.buttons for b in row]


def staff_id(desk: ServiceDesk, name: str) -> int:
    with desk.store.work() as w:
        return w.session.exec(select(Staff).where(Staff.name == name)).one().id


# -- 1. unknown commands on first contact -----------------------------------------------------
@pytest.mark.parametrize("command", ["/take", "/take R-20261123-0001", "/dispatch x y", "/%%%"])
def test_a_first_contact_with_an_unknown_command_is_told_so_not_apologised_to(desk, clock, command):
    person = Person(desk, ChatRef("test", "new"), clock, name="新业主")
    reply = person.says(command)
    assert len(reply) == 1
    assert "/help" in reply[0] and "抱歉，处理您的消息时出了问题" not in reply[0]
    with desk.store.work() as w:
        assert w.session.exec(select(InboundMessage.outcome)).all() == ["handled"]


# -- 2. dispatch with 接单 / 退单 / 转单 / 完成 ------------------------------------------------
def test_dispatch_offers_the_four_engineer_buttons_and_each_step_tells_the_resident(
        resident, agent, engineer, engineer2):
    resident.send("卫生间下水道堵了")
    out = agent.send(f"/dispatch {R1} 王师傅")
    card = to_staff(out, ENGINEERING_ROOM)[0]
    assert labels(card) == ["接单", "退单", "转单", "完成"]
    assert actions(card) == [f"do:{R1}:accept", f"do:{R1}:return", f"xfer:{R1}", f"do:{R1}:done"]

    out = engineer.send("", action=f"do:{R1}:accept")
    assert "王师傅已接单" in to_resident(out, resident.chat)[0].text
    assert labels(to_staff(out, ENGINEERING_ROOM)[0]) == ["退单", "转单", "完成"]

    choose = engineer.send("", action=f"xfer:{R1}")[0]
    assert labels(choose) == ["张师傅"]  # the other engineers, not the one who has it
    out = engineer.send("", action=actions(choose)[0])
    assert "张师傅" in to_resident(out, resident.chat)[0].text
    assert resident.desk.store.ticket(R1).status == Status.DISPATCHED

    out = engineer2.send("", action=f"do:{R1}:return")
    assert "重新安排" in to_resident(out, resident.chat)[0].text
    assert resident.desk.store.ticket(R1).status == Status.REPORTED


def test_finishing_asks_the_engineer_for_a_photo_which_is_attached_to_the_ticket(resident, engineer):
    resident.send("卫生间下水道堵了")
    engineer.press(f"grab:{R1}")
    out = engineer.send("", action=f"do:{R1}:done")
    assert resident.desk.store.ticket(R1).status == Status.COMPLETED
    assert any("完工照片" in o.text for o in to_staff(out, ENGINEERING_ROOM))
    assert "rate:" in actions(to_resident(out, resident.chat)[0])[0]  # the resident is asked to rate
    out = engineer.send("", attachments=(PHOTO,))
    assert "已附上完工照片 1 张" in out[0].text
    assert to_resident(out, resident.chat) == []  # filed on the ticket, not relayed as a chat message
    assert [f.ref for f in resident.desk.store.files(R1)] == ["photo-after"]
    # Only the first photo after 完成 is the finishing photo: the next is an ordinary message again.
    out = engineer.send("", attachments=(Attachment(AttachmentKind.PHOTO, "other"),))
    assert len(resident.desk.store.files(R1)) == 1


def test_done_straight_from_the_dispatch_card_accepts_and_finishes(resident, agent, engineer, engineer2):
    resident.send("卫生间下水道堵了")
    agent.send(f"/dispatch {R1} 王师傅")
    assert "assigned to 王师傅" in engineer2.send("", action=f"do:{R1}:done")[0].text
    out = engineer.send("", action=f"do:{R1}:done")
    trail = [e.to_status for e in resident.desk.store.events(R1) if e.kind == EventKind.STATUS]
    assert trail == ["dispatched", "accepted", "completed"]
    assert "rate:" in actions(to_resident(out, resident.chat)[0])[0]


def test_a_finishing_photo_sent_much_later_is_not_filed(resident, engineer, clock):
    resident.send("卫生间下水道堵了")
    engineer.press(f"grab:{R1}")
    engineer.press(f"do:{R1}:done")
    clock.advance(hours=3)
    engineer.send("", attachments=(PHOTO,))
    assert resident.desk.store.files(R1) == []


def test_done_with_a_photo_needs_no_second_photo(resident, engineer):
    resident.send("卫生间下水道堵了")
    engineer.press(f"grab:{R1}")
    out = engineer.send(f"/done {R1} 换了管子", attachments=(PHOTO,))
    assert not any("完工照片" in o.text for o in out)
    assert [f.ref for f in resident.desk.store.files(R1)] == ["photo-after"]


def test_transfer_by_button_to_an_unknown_id_lists_the_engineers_again(desk, resident, engineer):
    resident.send("卫生间下水道堵了")
    engineer.press(f"grab:{R1}")
    reply = engineer.send("", action=f"xfer:{R1}:999999")[0]
    assert labels(reply) == ["张师傅"]
    assert actions(reply) == [f"xfer:{R1}:{staff_id(desk, '张师傅')}"]
    assert desk.store.ticket(R1).status == Status.ACCEPTED


# -- 3. /close of a hand-over asks for the rating -----------------------------------------------
def test_closing_a_hand_over_asks_the_resident_to_rate_it(resident, agent, clock):
    resident.send("转人工")
    agent.send(f"/take {Q1}")
    room = Person(resident.desk, ticket_room(Q1), clock, sender_id="100001")
    room.send("车位下午可以来办理")
    out = room.send("/close")
    told = to_resident(out, resident.chat)
    assert len(told) == 1 and "打分" in told[0].text
    assert actions(told[0]) == [f"rate:{Q1}:{n}" for n in range(1, 6)]
    assert "5" in resident.press(f"rate:{Q1}:5")[0]
    ticket = resident.desk.store.ticket(Q1)
    assert ticket.rating == 5 and ticket.status == Status.CLOSED


def test_a_low_rating_of_a_hand_over_reaches_the_manager(resident, agent, clock):
    resident.send("转人工")
    agent.send(f"/take {Q1}")
    agent.send(f"/close {Q1}")
    resident.press(f"rate:{Q1}:1")
    out = resident.send("客服态度很差")
    assert any("客服态度很差" in o.text for o in out if o.to == ChatRef("staff", "manager"))


# -- 4. an agent's media without a caption -------------------------------------------------------
def test_an_agents_photo_without_words_is_relayed_with_the_name_as_caption(resident, agent, clock):
    resident.send("转人工")
    agent.send(f"/take {Q1}")
    room = Person(resident.desk, ticket_room(Q1), clock, sender_id="100001")
    out = to_resident(room.send("", attachments=(PHOTO, Attachment(AttachmentKind.PHOTO, "p2"))), resident.chat)
    assert len(out) == 1
    assert out[0].text == ""
    assert out[0].attachments[0].caption == "【客服 李客服】" and out[0].attachments[1].caption is None
    words = to_resident(room.send("这是示意图", attachments=(PHOTO,)), resident.chat)[0]
    assert words.text.endswith("这是示意图") and words.attachments == (PHOTO,)


# -- 5. handbook Markdown as plain text ----------------------------------------------------------
def test_markdown_becomes_plain_text():
    text = ("### 收费标准\n\n**物业费**按面积收取：\n\n| 类型 | 价格 |\n|---|:---:|\n| 高层 | 2.50 元 |\n"
            "\n- 按季度*预交*\n* 可用 `APP` 缴费\n1. 第一步\n> 注意\n---\n详见[公告](https://x.cn/a)")
    assert plain_markdown(text) == (
        "收费标准\n\n物业费按面积收取：\n\n类型 | 价格\n高层 | 2.50 元\n\n• 按季度预交\n• 可用 APP 缴费\n"
        "1. 第一步\n注意\n详见公告 (https://x.cn/a)"
    )


@pytest.mark.parametrize("text", ["2*3*4 = 24", "file_name_here", "a * b", "| only one bar", ""])
def test_plain_text_without_markup_is_left_alone(text):
    assert plain_markdown(text) == text.strip()


def test_handbook_answers_reach_residents_without_markup(resident):
    for question in ("物业费多少钱一平米", "物业服务中心有哪些部门?", "24小时服务热线是多少?"):
        reply = resident.says(question)[0]
        assert "来源" in reply, question
        for marker in ("**", "|---", "###", "{{"):
            assert marker not in reply, (question, marker)


# -- 6. edits -----------------------------------------------------------------------------------
def test_an_edit_is_recorded_on_the_ticket_and_has_no_other_effect(desk, resident):
    message = resident.inbound("卫生间下水道堵了")
    desk.handle(message)
    edit = replace(message, text="卫生间下水道堵了,还返臭味", edited=True,
                   received_at=message.received_at.replace(minute=5))
    assert desk.handle(edit) == []
    assert desk.handle(edit) == []  # the same edit delivered again
    assert desk.store.count(Ticket) == 1
    edits = [e.text for e in desk.store.events(R1) if e.kind == EventKind.EDITED]
    assert edits == ["卫生间下水道堵了,还返臭味"]
    with desk.store.work() as w:
        rows = w.session.exec(select(InboundMessage.text, InboundMessage.outcome)
                              .where(InboundMessage.chat_id == resident.chat.id)).all()
    assert ("卫生间下水道堵了", "handled") in rows and ("卫生间下水道堵了,还返臭味", "edit") in rows
    second = replace(edit, text="卫生间和厨房的下水道都堵了", received_at=edit.received_at.replace(minute=6))
    desk.handle(second)  # a second, different edit is recorded too
    assert len([e for e in desk.store.events(R1) if e.kind == EventKind.EDITED]) == 2


def test_an_edit_in_a_chat_an_agent_owns_is_relayed_to_the_ticket_room(desk, resident, agent):
    resident.send("转人工")
    agent.send(f"/take {Q1}")
    message = resident.inbound("我想租个车位")
    desk.handle(message)
    out = desk.handle(replace(message, text="我想租两个车位", edited=True))
    assert [o.to for o in out] == [ticket_room(Q1)]
    assert "我想租两个车位" in out[0].text and "我想租个车位" in out[0].text


def test_an_edit_of_a_message_about_no_ticket_or_of_a_missing_original_changes_nothing(desk, resident):
    message = resident.inbound("你好")
    desk.handle(message)
    assert desk.handle(replace(message, text="卫生间下水道堵了", edited=True)) == []
    early = resident.inbound("厨房水管漏水了")
    assert desk.handle(replace(early, text="厨房水管爆了", edited=True)) == []  # the edit came first
    assert desk.store.count(Ticket) == 0
    assert desk.handle(early)  # the original, arriving late, is still handled as itself
    assert desk.store.count(Ticket) == 1


def test_staff_edits_are_recorded_but_not_acted_on(desk, resident, agent):
    resident.send("卫生间下水道堵了")
    command = agent.inbound(f"/dispatch {R1} 王师傅")
    desk.handle(command)
    assert desk.handle(replace(command, text=f"/dispatch {R1} 张师傅", edited=True)) == []
    assert desk.store.ticket(R1).assignee_id == staff_id(desk, "王师傅")


# -- 7. numbers are never alarms, whatever the classifier says ------------------------------------
def alarmist(text: str) -> Classification:
    """A classifier that takes anything with a digit for a fire (the calibration risk of issue 5)."""
    if any(ch.isdigit() for ch in text):
        return Classification(intent=Intent.EMERGENCY, confidence=0.99, emergency=EmergencyKind.FIRE)
    return real_classify(text)


@pytest.fixture
def alarmist_desk(config, store, handbook, templates) -> ServiceDesk:
    return ServiceDesk(config=config, store=store, handbook=handbook, templates=templates,
                       unsure_below=TEST_UNSURE_BELOW, classify=alarmist)


@pytest.mark.parametrize("flat", ["3栋2单元501", "3-2-501", "Building 3 Unit 2 Room 501"])
def test_a_flat_number_is_never_an_emergency(alarmist_desk, clock, flat):
    person = Person(alarmist_desk, ChatRef("test", "n"), clock)
    person.send("/start")
    registered = person.says(flat)[0]
    assert "3栋2单元501" in registered or "Building 3 Unit 2 Room 501" in registered  # in the reply's language
    assert person.says("3-2-501")  # out of context too
    assert alarmist_desk.store.count(Ticket) == 0


def test_dates_in_a_renovation_application_are_not_emergencies(alarmist_desk, clock):
    person = Person(alarmist_desk, ChatRef("test", "r"), clock)
    person.send("/start")
    person.send("3栋2单元501")
    person.press("reno:start")
    person.send("12月1日到12月20日")
    assert alarmist_desk.store.count(Ticket) == 0
    assert alarmist_desk.store.resident(person.chat) is not None


# -- 8. emergency guidance for English residents ---------------------------------------------------
def test_english_residents_get_an_english_lead_before_the_chinese_guidance(desk, clock, config):
    person = Person(desk, ChatRef("test", "en-fire"), clock, language="en")
    person.send("/start")
    person.send("Building 3 Unit 2 Room 501")
    reply = person.says("着火了!3栋楼道里全是烟")[0]
    lead, _, rest = reply.partition("【")
    assert "property's emergency guidance" in lead and "119" in lead
    assert config.community.placeholders()["hotline"] in lead
    assert "火" in rest  # the handbook's own Chinese guidance follows


def test_chinese_residents_get_no_english_lead(resident):
    reply = resident.says("着火了!3栋楼道里全是烟")[0]
    assert "guidance" not in reply

"""The second new-user trial's findings in the desk core (2026-11-24: items 1, 2, 7–12)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

import intents
from bot.desk import ServiceDesk
from bot.messages import ENGINEERING_ROOM, Attachment, AttachmentKind, ChatRef, ticket_room
from bot.models import InboundMessage, Resident, Ticket
from tests.support.chat import Clock, Person, emergency_codes, to_resident

R1 = "R-20261123-0001"
Q1 = "Q-20261123-0001"


def tickets_of(person: Person) -> list[Ticket]:
    with person.desk.store.work() as w:
        return list(w.session.exec(select(Ticket).order_by(Ticket.id)).all())


def the_resident(person: Person) -> Resident:
    with person.desk.store.work() as w:
        return w.session.exec(select(Resident).where(Resident.chat_id == person.chat.id)).one()


@pytest.fixture
def production_desk(config, store, handbook, templates) -> ServiceDesk:
    """The desk with the classifier's production threshold, as the trial ran it."""
    return ServiceDesk(config=config, store=store, handbook=handbook, templates=templates,
                       unsure_below=intents.UNSURE_BELOW)


@pytest.fixture(params=["test threshold", "production threshold"])
def any_desk(request, desk, production_desk) -> ServiceDesk:
    return desk if request.param == "test threshold" else production_desk


def newcomer(desk: ServiceDesk, clock: Clock) -> Person:
    return Person(desk, ChatRef("test", "701"), clock, name="新业主")


# -- 1. a problem sent together with the flat ---------------------------------------------------
@pytest.mark.parametrize("first", ["9栋3单元701客厅灯不亮了", "3栋2单元501卫生间下水道堵了"])
def test_a_first_message_with_flat_and_problem_registers_the_flat_and_opens_a_ticket(any_desk, clock, first):
    person = newcomer(any_desk, clock)
    out = person.send(first)
    [ticket] = tickets_of(person)
    assert ticket.kind == "repair" and ticket.description == first
    assert the_resident(person).building == first[0]
    assert any(o.to == ENGINEERING_ROOM and ticket.code in o.text for o in out)


@pytest.mark.parametrize("greeting, answer", [
    ("你好", "9栋3单元701 厨房水龙头一直滴水，麻烦尽快派人来修一下"),
    ("hello", "Building 9 Unit 3 Room 701, the kitchen light is broken"),
])
def test_answering_the_flat_prompt_with_flat_and_problem_opens_the_ticket(any_desk, clock, greeting, answer):
    person = newcomer(any_desk, clock)
    person.send(greeting)
    out = person.send(answer)
    [ticket] = tickets_of(person)
    assert ticket.kind == "repair" and ticket.description == answer and ticket.building == "9"
    resident = the_resident(person)
    assert (resident.building, resident.unit, resident.room) == ("9", "3", "701")
    assert any(o.to == ENGINEERING_ROOM for o in out)


@pytest.mark.parametrize("answer", ["9栋3单元701", "我住9栋3单元701", "my flat is Building 9 Unit 3 Room 701"])
def test_a_flat_alone_only_registers(any_desk, clock, answer):
    person = newcomer(any_desk, clock)
    person.send("你好")
    person.send(answer)
    assert tickets_of(person) == []
    assert the_resident(person).room == "701"


# -- 2. taking a chat again after handing it back ------------------------------------------------
def test_taking_a_chat_again_after_close_brings_it_back_to_the_agent(resident, agent):
    resident.send("楼下邻居晚上装修太吵了，我要投诉")
    code = tickets_of(resident)[0].code
    agent.send(f"/take {code}")
    agent.send(f"/close {code}")
    out = agent.send(f"/take {code}")
    assert not any("已经由您负责" in o.text for o in out)
    out = resident.send("还是很吵")
    assert any(o.to == ticket_room(code) and "还是很吵" in o.text for o in out)


def test_after_close_another_agent_may_take_the_chat(resident, agent, manager):
    resident.send("楼下邻居晚上装修太吵了，我要投诉")
    code = tickets_of(resident)[0].code
    agent.send(f"/take {code}")
    agent.send(f"/close {code}")
    out = manager.send(f"/take {code}")
    assert not any("接管" in o.text and "李客服" in o.text for o in out)
    out = resident.send("还是很吵")
    assert any(o.to == ticket_room(code) for o in out)


def test_take_twice_while_the_chat_is_with_the_agent_says_already_yours(resident, agent):
    resident.send("楼下邻居晚上装修太吵了，我要投诉")
    code = tickets_of(resident)[0].code
    agent.send(f"/take {code}")
    assert any("已经由您负责" in o.text for o in agent.send(f"/take {code}"))


# -- 7. answering the kept application after /close ----------------------------------------------
def hand_over_mid_application(resident: Person, agent: Person) -> None:
    resident.send("我要装修，想申请")
    resident.send("12月1日到12月31日")
    resident.send("/human")
    agent.send(f"/take {Q1}")
    agent.send(f"/close {Q1}")


def test_after_close_the_next_answer_continues_the_kept_application(resident, agent):
    hand_over_mid_application(resident, agent)
    assert any("装修范围" in text for text in resident.says("美家装修公司 张师傅 13800000000"))
    resident.says("厨房卫生间翻新、刷墙、不动结构")
    resident.press("skip")
    [application] = [t for t in tickets_of(resident) if t.kind == "renovation"]
    answers = json.loads(application.details)
    assert answers["dates"] == "12月1日到12月31日"
    assert answers["contractor"].startswith("美家装修公司")
    assert answers["scope"] == "厨房卫生间翻新、刷墙、不动结构"


def test_after_close_choosing_renovation_again_continues_the_kept_application(resident, agent):
    hand_over_mid_application(resident, agent)
    replies = resident.says("我要装修")
    assert not any("第一步" in text for text in replies)
    assert any("装修公司" in text for text in replies)  # the kept step is asked again
    resident.says("美家装修公司 张师傅")
    resident.says("刷墙")
    resident.press("skip")
    [application] = [t for t in tickets_of(resident) if t.kind == "renovation"]
    assert json.loads(application.details)["dates"] == "12月1日到12月31日"


# -- 10. digits, codes and junk are not offered an emergency ------------------------------------
@pytest.mark.parametrize("text", ["3-2-501", "5", "1", "#12", "R-20261123-0042"])
def test_a_message_without_words_asks_for_a_description_instead_of_choices(production_desk, clock, text):
    person = Person(production_desk, ChatRef("test", "501"), clock, name="王女士")
    person.send("3栋2单元501")
    out = to_resident(person.send(text), person.chat)
    assert [b.action for o in out for row in o.buttons for b in row] == []
    assert any("描述" in o.text for o in out)
    assert tickets_of(person) == []


def test_unsure_choices_offer_no_emergency_without_a_clue_for_one(production_desk, clock):
    person = Person(production_desk, ChatRef("test", "501"), clock, name="王女士")
    person.send("3栋2单元501")
    out = to_resident(person.send("qwzx plok"), person.chat)
    offered = [b.action for o in out for row in o.buttons for b in row]
    assert "intent:repair" in offered and "intent:emergency" not in offered


# A story the classifier's rules overrule (laughter about the cat, a neighbour's stone-cutting): the model
# alone read them as emergencies, and until session 13 the choices still offered 紧急情况 first.
@pytest.mark.parametrize("text", ["哈哈哈 我家猫从柜子上摔下来了 没事", "隔壁切石头 滋滋滋的"])
def test_a_story_overruled_as_no_danger_is_not_offered_as_an_emergency(production_desk, clock, text):
    person = Person(production_desk, ChatRef("test", "501"), clock, name="王女士")
    person.send("3栋2单元501")
    out = to_resident(person.send(text), person.chat)
    assert "intent:emergency" not in [b.action for o in out for row in o.buttons for b in row]
    assert emergency_codes(person) == []


# Vague lift messages sit near the unsure bar, and each batch of training examples moves them a
# little (in session 5 the first read as a repair at 0.62 for a while): both must stay unsure with
# an emergency among the alternatives, or the classifier has changed in a way to look at.
@pytest.mark.parametrize("text", ["电梯好像有点问题", "电梯怎么回事"])
def test_unsure_choices_still_offer_an_emergency_the_words_hint_at(production_desk, clock, text):
    person = Person(production_desk, ChatRef("test", "501"), clock, name="王女士")
    person.send("3栋2单元501")
    out = to_resident(person.send(text), person.chat)
    assert "intent:emergency" in [b.action for o in out for row in o.buttons for b in row]


# -- 9. the emergency alert keeps place and reporter on lines of their own ----------------------
@pytest.mark.parametrize("text", ["5栋电梯困人了，快来人", "电梯困人了，快来人"])
def test_the_emergency_alert_puts_the_reporter_on_its_own_line(resident, text):
    out = resident.send(text)
    [alert] = [o for o in out if o.urgent and o.to.channel == "staff"]
    lines = alert.text.splitlines()
    assert any(line.startswith("位置：") and "报告人：" not in line for line in lines)
    assert any(line.startswith("报告人：") for line in lines)


# -- 8. long texts reach the resident whole; junk is refused -------------------------------------
def long_text(chars: int) -> str:
    line = "请按以下步骤处理：先关闭总阀，再检查管道接口是否松动。\n"
    return (line * (chars // len(line) + 1))[:chars]


@pytest.fixture
def taken_complaint(resident, agent) -> str:
    resident.send("楼下邻居晚上装修太吵了，我要投诉")
    code = tickets_of(resident)[0].code
    agent.send(f"/take {code}")
    return code


def test_a_long_agent_reply_reaches_the_resident_whole(resident, agent, taken_complaint):
    reply = long_text(20_000)
    out = agent.send(f"/reply {taken_complaint} {reply}")
    [message] = to_resident(out, resident.chat)
    assert reply.strip() in message.text


def test_a_long_reply_typed_in_the_ticket_room_reaches_the_resident_whole(resident, agent, taken_complaint):
    reply = long_text(9_000)
    out = agent.send(reply, chat=ticket_room(taken_complaint))
    [message] = to_resident(out, resident.chat)
    assert reply.strip() in message.text


def test_a_long_note_is_kept_whole(resident, agent, taken_complaint):
    note = long_text(12_000)
    agent.send(f"/note {taken_complaint} {note}")
    with resident.desk.store.work() as w:
        ticket = w.ticket(taken_complaint)
        assert any(e.text == note.strip() for e in w.events(ticket))


def test_a_long_resident_report_is_bounded_in_the_ticket_and_said_so(resident):
    report = "厨房水龙头漏水，" + long_text(20_000)
    out = resident.send(report)
    [ticket] = tickets_of(resident)
    assert len(ticket.description) <= 4000 and report.startswith(ticket.description)
    assert any("20008" in o.text for o in to_resident(out, resident.chat))  # the resident is told
    with resident.desk.store.work() as w:
        assert any("20008" in e.text for e in w.events(ticket))  # and staff see it on the ticket
        assert any(row.text == report for row in w.session.exec(select(InboundMessage)).all())


def test_a_short_report_says_nothing_about_cutting(resident):
    out = resident.send("厨房水龙头漏水")
    assert not any("全文" in o.text for o in out)


@pytest.mark.parametrize("junk", ["\ufffd\ufffd", "ok\x00\x01\x02", "\ud800\udc00abc"])
def test_an_agent_line_of_binary_junk_is_refused_not_sent(resident, agent, taken_complaint, junk):
    out = agent.send(f"/reply {taken_complaint} {junk}")
    assert to_resident(out, resident.chat) == []
    assert any("乱码" in o.text for o in out if o.to == agent.chat)
    out = agent.send(junk, chat=ticket_room(taken_complaint))
    assert to_resident(out, resident.chat) == []
    out = agent.send(f"/note {taken_complaint} {junk}")
    assert any("乱码" in o.text for o in out)


# -- 11. the renovation dates step ---------------------------------------------------------------
def test_a_bare_number_is_not_taken_for_the_works_dates(resident):
    resident.send("我要装修，想申请")
    replies = resident.says("1")
    assert any("不像施工日期" in text for text in replies)


def test_undecided_dates_are_an_answer_not_a_loop(resident):
    resident.send("我要装修，想申请")
    replies = resident.says("不知道")
    assert any("装修公司" in text for text in replies)  # on to the next step


def test_dates_asked_again_can_be_skipped(resident):
    resident.send("我要装修，想申请")
    out = to_resident(resident.send("等装修公司通知"), resident.chat)
    assert "skip" in [b.action for o in out for row in o.buttons for b in row]
    assert any("装修公司" in text for text in resident.press("skip"))
    resident.says("美家装修公司 张师傅")
    resident.says("刷墙")
    resident.press("skip")
    [application] = [t for t in tickets_of(resident) if t.kind == "renovation"]
    assert json.loads(application.details)["dates"] == "未定"


# -- 12. staff errors name what is unknown -------------------------------------------------------
def test_dispatch_to_an_unknown_name_says_that_name_is_unknown(resident, agent):
    resident.send("卫生间下水道堵了")
    [reply] = [o.text for o in agent.send(f"/dispatch {R1} nobody") if o.to == agent.chat]
    assert "nobody" in reply and "王师傅" in reply  # the unknown name, and whom to choose from


def test_dispatch_to_someone_who_is_no_engineer_says_so(resident, agent):
    resident.send("卫生间下水道堵了")
    [reply] = [o.text for o in agent.send(f"/dispatch {R1} 李客服") if o.to == agent.chat]
    assert "李客服 不是工程师" in reply


def test_dispatch_without_a_name_asks_for_one(resident, agent):
    resident.send("卫生间下水道堵了")
    [reply] = [o.text for o in agent.send(f"/dispatch {R1}") if o.to == agent.chat]
    assert "请写上工程师姓名" in reply


@pytest.mark.parametrize("command", ["/show XYZ", "/take XYZ", "/note XYZ 备注"])
def test_a_command_with_an_unknown_ticket_names_it(agent, command):
    [reply] = [o.text for o in agent.send(command) if o.to == agent.chat]
    assert "XYZ" in reply and "请带上工单号" not in reply


def test_a_command_without_any_ticket_asks_for_one(agent):
    [reply] = [o.text for o in agent.send("/show") if o.to == agent.chat]
    assert "请带上工单号" in reply


# -- 16. wording ---------------------------------------------------------------------------------
def test_staff_step_buttons_are_in_chinese(resident, agent):
    resident.send("楼下邻居晚上装修太吵了，我要投诉")
    code = tickets_of(resident)[0].code
    agent.send(f"/analyse {code}")
    out = agent.send(f"/plan {code} 明天上门协调")
    labels = [b.label for o in out if o.to == agent.chat for row in o.buttons for b in row]
    assert labels and not any(label.isascii() for label in labels)


def english_resident(desk: ServiceDesk, clock: Clock) -> Person:
    person = Person(desk, ChatRef("test", "en-1"), clock, name="Alice")
    person.send("Hello, I live in Building 3 Unit 2 Room 501")
    return person


def test_an_english_resident_reads_the_place_in_english(desk, clock):
    person = english_resident(desk, clock)
    replies = person.says("The lift in building 5 is broken")
    [place_line] = [line for text in replies for line in text.splitlines() if line.startswith("Place:")]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in place_line), place_line


def test_an_english_flat_is_written_in_english(desk, clock):
    person = Person(desk, ChatRef("test", "en-2"), clock, name="Bob")
    person.send("Hello there")
    replies = person.says("Building 9 Unit 3 Room 701")
    assert any("Building 9 Unit 3 Room 701" in text for text in replies)


def test_the_english_gas_guidance_gives_the_gas_company_number(desk, clock, config):
    person = english_resident(desk, clock)
    replies = person.says("I smell gas in my kitchen, there is a gas leak")
    assert any(config.community.gas_hotline in text for text in replies)


def test_the_staff_ticket_view_shows_no_english_topic_word(desk, clock, agent):
    person = english_resident(desk, clock)
    person.send("the kitchen tap in my flat is leaking")
    code = tickets_of(person)[0].code
    [view] = [o.text for o in agent.send(f"/show {code}") if o.to == agent.chat]
    assert "tap）" not in view.splitlines()[0]


def test_a_reopened_ticket_reads_as_reopened_in_its_timeline(resident, agent, engineer):
    resident.send("卫生间下水道堵了")
    agent.send(f"/dispatch {R1} 王师傅")
    engineer.send(f"/accept {R1}")
    engineer.send(f"/done {R1}")
    resident.press(f"rate:{R1}:1")
    resident.send("根本没修好")
    [detail] = resident.press(f"show:{R1}")
    timeline = [line for line in detail.splitlines() if line.startswith("•")]
    assert "已重新打开" in timeline[-1]
    assert sum("已报修" in line for line in timeline) == 1


def test_the_top_level_help_names_every_terminal_persona():
    from bot.cli import USAGE

    for persona in ("agent", "engineer", "manager", "security"):
        assert persona in USAGE


def test_a_photo_captioned_with_a_number_is_not_dropped(production_desk, clock):
    person = Person(production_desk, ChatRef("test", "501"), clock, name="王女士")
    person.send("3栋2单元501")
    photo = Attachment(kind=AttachmentKind.PHOTO, ref="file-1")
    out = to_resident(person.send("2", attachments=(photo,)), person.chat)
    assert any(b.action.startswith("intent:") for o in out for row in o.buttons for b in row)

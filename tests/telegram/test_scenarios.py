"""Whole scenarios: the real desk and the real Application, over HTTP, on the Bot API emulator."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.messages import Button, ChatRef, Outbound
from bot.models import EventKind, InboundMessage, Resident, Ticket, TicketFile
from bot.telegram_store import TelegramTopic
from tests.support.bot_api import Json
from tests.telegram.conftest import Desk

CODE = re.compile(r"\b[RCDEQ]-\d{8}-\d{4}\b")


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found, f"no ticket code in {text!r}"
    return found.group(0)


def button(message: Json, prefix: str) -> str:
    """The callback data of the button of ``message`` starting with ``prefix``."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for key in row:
            if key.get("callback_data", "").startswith(prefix):
                return key["callback_data"]
    raise AssertionError(f"no {prefix!r} button on {message.get('text')!r}")


def ticket(d: Desk, code: str) -> Ticket:
    found = d.desk.store.ticket(code)
    assert found is not None
    return found


def assert_clean_run(d: Desk) -> None:
    """Every button press was answered and Telegram refused nothing the desk sent."""
    assert d.api.errors == []
    assert d.api._open_callbacks == set()
    assert all("parse_mode" not in params for _, params in d.api.calls)  # plain text only


async def test_a_repair_from_report_to_rating(desk_on_telegram: Desk) -> None:
    await repair_from_report_to_rating(desk_on_telegram)


@pytest.mark.desk_threads(2)
async def test_a_repair_from_report_to_rating_with_the_desk_in_worker_threads(desk_on_telegram: Desk) -> None:
    assert desk_on_telegram.running.frontend._workers is not None  # the thread path is the one exercised
    await repair_from_report_to_rating(desk_on_telegram)


async def repair_from_report_to_rating(d: Desk) -> None:
    api = d.api
    resident, engineer = d.resident(), d.staff["engineer"]
    await d.register(resident)
    api.user_says(resident, "厨房水龙头一直滴水")
    await d.process()
    code = code_in(api.texts(resident["id"])[-1])
    card = api.last(d.staff_group, d.rooms["engineering"])
    assert code in card["text"] and "厨房水龙头一直滴水" in card["text"]

    api.user_presses(card, button(card, "grab:"), user=engineer)
    await d.process()
    assert "reply_markup" not in api.sent_to(d.staff_group, d.rooms["engineering"])[0]  # pressed once only
    assert "王师傅" in api.texts(resident["id"])[-1]

    api.user_sends_photo(engineer, b"after-photo", caption=f"/done {code} 换了阀芯",
                         chat=d.staff_group, thread=d.rooms["engineering"])
    await d.process()
    rating_request = api.last(resident["id"])
    assert code in rating_request["text"]
    api.user_presses(rating_request, button(rating_request, f"rate:{code}:5"))
    await d.process()
    assert "5" in api.texts(resident["id"])[-1]
    done = ticket(d, code)
    assert done.rating == 5 and not done.is_open
    assert_clean_run(d)


async def test_an_emergency_acknowledged(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)
    api.user_says(resident, "3号楼电梯卡住了,我妈在里面出不来!")
    await d.process()
    code = code_in(api.texts(resident["id"])[-1])
    alert = api.last(d.staff_group, d.rooms["duty"])
    assert code in alert["text"]
    api.user_presses(alert, button(alert, "ack:"), user=d.staff["security"])
    await d.process()
    assert ticket(d, code).responded_at is not None
    assert "赵保安" in api.texts(resident["id"])[-1]  # the resident is told who is coming
    assert "reply_markup" not in api.sent_to(d.staff_group, d.rooms["duty"])[0]  # "I'm on it" pressed once
    # Acknowledged: the sweep minutes later repeats nothing and escalates nothing.
    assert d.desk.repeat_alerts(now=datetime.now(UTC) + timedelta(minutes=7)) == []
    duty = d.room_texts("duty")
    assert len(duty) == 2 and code in duty[1] and "赵保安" in duty[1]
    assert d.room_texts("manager") == []
    assert_clean_run(d)


async def test_an_emergency_nobody_acknowledges_is_repeated_then_escalated(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)
    api.user_says(resident, "5栋楼道里着火了,烟很大!")
    await d.process()
    code = code_in(api.texts(resident["id"])[-1])
    start = datetime.now(UTC)
    for minutes in (3, 6):  # the sweep, driven with fixed times instead of waiting
        await d.running.transport.deliver(d.desk.repeat_alerts(now=start + timedelta(minutes=minutes)))
    duty = [m for m in api.sent_to(d.staff_group, d.rooms["duty"]) if code in m["text"]]
    assert len(duty) == 3 and all(button(m, "ack:") for m in duty)
    manager = d.room_texts("manager")
    assert len(manager) == 1 and code in manager[0]
    assert_clean_run(d)


async def test_a_hand_over_round_trip_with_photos_and_voice(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident, agent = d.resident("李四"), d.staff["agent"]
    await d.register(resident, "5栋1单元1201")
    api.user_says(resident, "/human")
    await d.process()
    queued = api.last(d.staff_group, d.rooms["agents"])
    code = code_in(queued["text"])
    api.user_presses(queued, button(queued, "take:"), user=agent)
    await d.process()

    topic = api.topic_named(d.staff_group, code)
    assert topic.name == f"{code} 咨询 5栋1单元1201"
    opening = api.texts(d.staff_group, topic.thread_id)
    assert opening[0].startswith(f"🎫 {code}") and "李四" in opening[0] and "/human" in opening[0]

    photo = api.user_sends_photo(resident, b"leak-photo", caption="天花板渗水")
    voice = api.user_sends_voice(resident, b"voice-note")
    api.user_says(resident, "楼上一直在漏")
    await d.process()
    in_topic = api.sent_to(d.staff_group, topic.thread_id)
    assert photo["photo"][-1]["file_id"] in [m["photo"][-1]["file_id"] for m in in_topic if "photo" in m]
    assert voice["voice"]["file_id"] in [m["voice"]["file_id"] for m in in_topic if "voice" in m]
    assert any("楼上一直在漏" in m.get("text", "") for m in in_topic)

    before = len(api.sent_to(resident["id"]))
    reply = api.user_says(agent, "您好,师傅十分钟后到", chat=d.staff_group, thread=topic.thread_id)
    agent_photo = api.user_sends_photo(agent, b"repair-guide", chat=d.staff_group, thread=topic.thread_id)
    agent_voice = api.user_sends_voice(agent, b"agent-voice", chat=d.staff_group, thread=topic.thread_id)
    api.user_says(agent, "/note 业主情绪激动,注意安抚", chat=d.staff_group, thread=topic.thread_id)
    await d.process()
    to_resident = api.sent_to(resident["id"])[before:]
    assert any("师傅十分钟后到" in m.get("text", "") for m in to_resident)
    assert agent_photo["photo"][-1]["file_id"] in [m["photo"][-1]["file_id"] for m in to_resident if "photo" in m]
    assert agent_voice["voice"]["file_id"] in [m["voice"]["file_id"] for m in to_resident if "voice" in m]
    assert not any("情绪激动" in m.get("text", "") for m in api.sent_to(resident["id"]))  # notes stay internal
    relayed = len(api.sent_to(resident["id"]))
    api.user_edits(reply, "您好,师傅二十分钟后到")  # an agent's edit is not relayed a second time
    await d.process()
    assert len(api.sent_to(resident["id"])) == relayed

    api.user_says(agent, "/close", chat=d.staff_group, thread=topic.thread_id)
    await d.process()
    assert code in api.texts(resident["id"])[-1]
    assert not ticket(d, code).is_open
    assert_clean_run(d)


async def take_over(d: Desk, resident: Json) -> tuple[str, int]:
    d.api.user_says(resident, "/human")
    await d.process()
    queued = d.api.last(d.staff_group, d.rooms["agents"])
    d.api.user_presses(queued, button(queued, "take:"), user=d.staff["agent"])
    await d.process()
    code = code_in(queued["text"])
    return code, d.api.topic_named(d.staff_group, code).thread_id


async def test_a_deleted_topic_is_recreated_on_the_next_message(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident("王五")
    await d.register(resident, "2栋1单元302")
    api.user_says(resident, "我想问一下停车月卡怎么办")
    await d.process()
    code, old_thread = await take_over(d, resident)
    api.delete_topic(d.staff_group, old_thread)  # someone deleted it by mistake

    api.user_says(resident, "还在吗?我的车牌是浙A12345")
    await d.process()
    new = api.topic_named(d.staff_group, code)
    assert new.thread_id != old_thread
    texts = api.texts(d.staff_group, new.thread_id)
    assert "重建" in texts[0] and "停车月卡" in texts[0]  # the card brings the conversation so far
    assert any("浙A12345" in t for t in texts)
    with Session(d.desk.store.engine) as session:
        rows = session.exec(select(TelegramTopic).where(TelegramTopic.room == f"ticket:{code}")).all()
    assert [r.thread_id for r in rows] == [new.thread_id]

    api.user_says(d.staff["agent"], "在的,马上帮您办", chat=d.staff_group, thread=new.thread_id)
    await d.process()
    assert "马上帮您办" in api.texts(resident["id"])[-1]


async def test_a_resident_who_blocked_the_bot(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)
    api.user_says(resident, "楼道灯坏了,3栋2单元门口")
    await d.process()
    code = code_in(api.texts(resident["id"])[-1])
    sent_before = len(api.sent_to(resident["id"]))
    api.user_blocks_bot(resident)
    card = api.last(d.staff_group, d.rooms["engineering"])
    api.user_presses(card, button(card, "grab:"), user=d.staff["engineer"])
    await d.process()  # the my_chat_member update, then the grab whose news cannot be delivered
    assert len(api.sent_to(resident["id"])) == sent_before
    assert ("sendMessage", 403, "Forbidden: bot was blocked by the user") in api.errors
    agents = d.room_texts("agents")
    assert len(agents) == 1 and code in agents[0]  # someone is asked to phone
    with Session(d.desk.store.engine) as session:
        row = session.exec(select(Resident).where(Resident.chat_id == str(resident["id"]))).one()
    assert row.reachable is False


async def test_duplicate_updates_have_no_second_effect(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)
    api.user_says(resident, "卫生间下水道堵了")
    await d.process()
    report_update = api._history[-1]["update_id"]
    replies = len(api.sent_to(resident["id"]))
    api.redeliver(report_update)
    api.redeliver(report_update)
    await d.process()
    assert len(api.sent_to(resident["id"])) == replies
    with Session(d.desk.store.engine) as session:
        assert len(session.exec(select(Ticket)).all()) == 1
    card = api.last(d.staff_group, d.rooms["engineering"])
    api.user_presses(card, button(card, "grab:"), user=d.staff["engineer"])
    press = api._history[-1]["update_id"]
    await d.process()
    staff_messages = len(api.sent_to(d.staff_group))
    api.redeliver(press)
    await d.process()
    assert len(api.sent_to(d.staff_group)) == staff_messages


async def test_flood_control_slows_down_politely_and_loses_nothing(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)  # two messages already in this window
    before = len(api.sent_to(resident["id"]))
    for n in range(10):
        api.user_says(resident, f"第{n}条:楼道里堆满了垃圾没人清理")
    await d.process()
    replies = api.texts(resident["id"])[before:]
    # The limit is 8 a window: 6 more messages are answered, then one polite notice and quiet.
    assert len(replies) == 7 and "稍候" in replies[6]
    assert not any("稍候" in t for t in replies[:6])
    with Session(d.desk.store.engine) as session:
        texts = [m.text for m in session.exec(select(InboundMessage)).all()]
    assert all(f"第{n}条:楼道里堆满了垃圾没人清理" in texts for n in range(10))  # every message recorded
    d.clock.now += 11  # the window passes: answers again
    api.user_says(resident, "谢谢")
    await d.process()
    assert "稍候" not in api.texts(resident["id"])[-1]


async def test_community_group_requests_get_a_private_deep_link(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident("赵六")
    group = api.add_group("翠湖花园业主群", members=[resident])
    api.push_update({"my_chat_member": {  # staff add the bot to the group
        "chat": {"id": group, "type": "group", "title": "翠湖花园业主群"}, "from": d.staff["manager"], "date": 1,
        "old_chat_member": {"status": "left", "user": api.bot_user},
        "new_chat_member": {"status": "member", "user": api.bot_user}}})
    api.user_says(resident, "大家早上好", chat=group)
    api.user_says(resident, "6栋的电梯又坏了,按了没反应", chat=group)
    api.user_says(resident, "已经好几天了", chat=group)  # the same request, on a second line
    await d.process()
    replies = api.sent_to(group)
    assert len(replies) == 1  # greetings get nothing; the repair gets one nudge
    nudge = replies[0]
    assert nudge["reply_to_message"]["text"].startswith("6栋的电梯")
    url = nudge["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert url.startswith("https://t.me/resident_desk_bot?start=g_")

    api.user_says(resident, "/start " + url.split("start=", 1)[1])
    await d.process()
    api.user_says(resident, "6栋1单元801")
    await d.process()
    code = code_in(" ".join(api.texts(resident["id"])))
    assert "电梯" in ticket(d, code).description and "好几天" in ticket(d, code).description
    assert_clean_run(d)


async def test_only_staff_configure_the_bot_in_groups(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    group = api.add_group("业主群", members=[resident])
    api.user_says(resident, "/desk_off@some_other_bot", chat=group)  # not for us: no answer
    api.user_says(resident, "/desk_off@resident_desk_bot", chat=group)
    await d.process()
    assert len(api.texts(group)) == 1 and "工作人员" in api.texts(group)[-1]
    api.user_says(d.staff["manager"], "/desk_off", chat=group)
    api.user_says(resident, "楼道里堆满了垃圾没人清理", chat=group)
    await d.process()
    assert len(api.texts(group)) == 2 and "关闭" in api.texts(group)[-1]  # the refusal, "off"; no nudge
    stranger_group = api.add_group("陌生群")
    api.push_update({"my_chat_member": {
        "chat": {"id": stranger_group, "type": "group", "title": "陌生群"}, "from": resident, "date": 1,
        "old_chat_member": {"status": "left", "user": api.bot_user},
        "new_chat_member": {"status": "member", "user": api.bot_user}}})
    await d.process()
    assert api.count_calls("leaveChat") == 1


async def test_staff_commands_are_refused_from_non_staff(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident, intruder = d.resident(), d.resident("冒充者")
    await d.register(resident)
    api.user_says(resident, "/human")
    await d.process()
    queued = api.last(d.staff_group, d.rooms["agents"])
    code = code_in(queued["text"])
    api.user_says(intruder, f"/take {code}")  # privately
    api.user_presses(queued, button(queued, "take:"), user=intruder)  # in the staff group
    api.user_says(intruder, f"/take {code}", chat=d.staff_group, thread=d.rooms["agents"])
    await d.process()
    assert ticket(d, code).agent_id is None
    alerts = [a for a in api.callback_answers.values() if a.get("show_alert")]
    assert len(alerts) == 1
    assert "工作人员" in api.texts(d.staff_group, d.rooms["agents"])[-1]
    assert not any("接管" in t for t in api.texts(intruder["id"]))


async def test_resident_text_cannot_inject_markup(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident("<b>Boss</b>")
    await d.register(resident)
    api.user_says(resident, '卫生间漏水 <a href="http://evil">点我</a> *bold* _x_')
    await d.process()
    card = api.last(d.staff_group, d.rooms["engineering"])["text"]
    assert '<a href="http://evil">点我</a> *bold* _x_' in card and "<b>Boss</b>" in card
    assert_clean_run(d)


async def test_long_answers_are_split_and_keep_their_buttons_last(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    long_text = ("物业服务说明。" * 100 + "\n") * 15  # about 10,500 characters
    await d.running.transport.deliver([Outbound(ChatRef("telegram", str(resident["id"])), long_text,
                                                buttons=((Button("有帮助", "helpful:yes"),),))])
    sent = api.sent_to(resident["id"])
    assert len(sent) == 3
    assert ["reply_markup" in m for m in sent] == [False, False, True]
    assert "".join(m["text"] for m in sent).replace("\n", "") == long_text.replace("\n", "")


async def test_rate_limits_are_waited_out_not_dropped(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    api.limits.scripted = ["sendMessage", "sendMessage"]
    api.limits.injected_retry_after = 3
    await d.register(resident)
    assert api.throttled == 2
    assert d.clock.slept.count(3.0) == 2  # retry_after honoured (with a fake clock: no real waiting)
    assert len(api.texts(resident["id"])) == 2


async def test_an_album_is_attached_as_one_item(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)
    api.user_says(resident, "客厅天花板渗水")
    await d.process()
    code = code_in(api.texts(resident["id"])[-1])
    replies = len(api.sent_to(resident["id"]))
    api.user_sends_album(resident, [("photo", b"1"), ("photo", b"2"), ("video", b"3")])
    await d.settle()
    assert len(api.sent_to(resident["id"])) == replies + 1  # one acknowledgement for the album
    with Session(d.desk.store.engine) as session:
        files = session.exec(select(TicketFile).where(TicketFile.ticket_id == ticket(d, code).id)).all()
    assert sorted(f.kind for f in files) == ["photo", "photo", "video"]


async def test_an_edit_is_recorded_without_losing_the_original(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)
    said = api.user_says(resident, "阳台的灯不亮了")
    await d.process()
    replies = len(api.sent_to(resident["id"]))
    api.user_edits(said, "阳台和厨房的灯都不亮了")
    await d.process()
    assert len(api.sent_to(resident["id"])) == replies
    with Session(d.desk.store.engine) as session:
        texts = [m.text for m in session.exec(select(InboundMessage).where(
            InboundMessage.chat_id == str(resident["id"]))).all()]
    assert "阳台的灯不亮了" in texts and "阳台和厨房的灯都不亮了" in texts
    code = d.desk.store.tickets_of_chat(ChatRef("telegram", str(resident["id"])))[0].code
    edits = [e.text for e in d.desk.store.events(code) if e.kind == EventKind.EDITED]
    assert edits == ["阳台和厨房的灯都不亮了"]
    assert len(d.desk.store.tickets_of_chat(ChatRef("telegram", str(resident["id"])))) == 1


async def test_phone_sharing_and_language(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident("Tom", language="en-US")
    api.user_says(resident, "/start")
    await d.process()
    welcome = api.texts(resident["id"])[-1]
    assert re.search(r"[A-Za-z]{4,}", welcome) and "您" not in welcome  # English from language_code
    api.user_shares_contact(resident, "+8613800000000")
    api.user_says(resident, "/lang zh")
    await d.process()
    with Session(d.desk.store.engine) as session:
        row = session.exec(select(Resident).where(Resident.chat_id == str(resident["id"]))).one()
    assert row.phone == "+8613800000000" and row.language == "zh"


async def test_command_menus_are_set_for_residents_and_staff(desk_on_telegram: Desk) -> None:
    api = desk_on_telegram.api
    resident_menu = [c["command"] for c in api.commands[("all_private_chats", "")]]
    assert resident_menu == ["start", "help", "my", "human", "cancel", "lang"]
    assert [c["command"] for c in api.commands[("all_private_chats", "en")]] == resident_menu
    assert "take" in [c["command"] for c in api.commands[("chat", "")]]


@pytest.mark.production_threshold
async def test_unsure_messages_offer_choices_and_answers_ask_if_they_helped(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    await d.register(resident)
    api.user_says(resident, "asdkjh qwe zzz")  # says nothing the classifier can read: it is unsure
    await d.process()
    choices = api.last(resident["id"])
    assert sum(1 for row in choices["reply_markup"]["inline_keyboard"] for key in row
               if key["callback_data"].startswith("intent:")) >= 2
    api.user_presses(choices, button(choices, "intent:complaint"))
    await d.process()
    code = code_in(api.texts(resident["id"])[-1])
    assert ticket(d, code).kind == "complaint"
    assert "reply_markup" not in api.sent_to(resident["id"])[-2]  # the choice cannot be made twice

    api.user_says(resident, "物业费怎么交")
    await d.process()
    answer = api.last(resident["id"])
    replies = len(api.sent_to(resident["id"]))
    api.user_presses(answer, button(answer, "helpful:yes"))
    await d.process()
    assert len(api.sent_to(resident["id"])) == replies + 1
    assert_clean_run(d)

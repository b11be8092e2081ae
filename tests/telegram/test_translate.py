"""Pure parts of the front-end: updates into Inbound values, texts split, keyboards, flood control, settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC

import pytest
from telegram import Update

from bot.config import Config
from bot.messages import AGENTS_ROOM, DUTY_ROOM, AttachmentKind, Button, ChatRef, Role, ticket_room
from bot.telegram_app import (
    Directory,
    FloodGate,
    StartupError,
    TelegramSettings,
    keyboard,
    language_of,
    split_text,
    to_inbound,
)
from tests.support.bot_api import BotApiEmulator

STAFF_GROUP = -1000000000001  # the first forum group an emulator makes
AGENT_ID = 100001


@pytest.fixture
def world() -> BotApiEmulator:
    """An emulator used only to build realistic update JSON (no server started)."""
    api = BotApiEmulator()
    group = api.add_group("物业服务中心", forum=True)
    assert group == STAFF_GROUP
    api.add_topic(group, "值班")  # thread 1
    api.add_topic(group, "R-20261123-0001 报修 3栋501")  # thread 2
    api.add_user("李客服", user_id=AGENT_ID)
    return api


def directory() -> Directory:
    rooms = {1: DUTY_ROOM, 2: ticket_room("R-20261123-0001")}
    return Directory(STAFF_GROUP, {str(AGENT_ID): (Role.AGENT,)}, rooms.get)


def only_update(api: BotApiEmulator) -> Update:
    updates = api.take_updates()
    assert len(updates) == 1
    return Update.de_json(updates[0], None)


def test_private_text_becomes_an_inbound_in_the_residents_chat(world: BotApiEmulator) -> None:
    user = world.add_user("张三", language_code="zh-hans", last_name="丰")
    sent = world.user_says(user, "厨房水龙头一直滴水")
    inbound = to_inbound(only_update(world), directory())
    assert inbound is not None
    assert inbound.chat == ChatRef("telegram", str(user["id"]))
    assert (inbound.message_id, inbound.text) == (str(sent["message_id"]), "厨房水龙头一直滴水")
    assert (inbound.sender_id, inbound.sender_name, inbound.language) == (str(user["id"]), "张三 丰", "zh")
    assert inbound.role == Role.RESIDENT and not inbound.edited and inbound.attachments == ()
    assert inbound.received_at.tzinfo is not None and inbound.received_at.utcoffset() == UTC.utcoffset(None)


def test_staff_writing_privately_keeps_their_role(world: BotApiEmulator) -> None:
    world.user_says(world.add_user("x", user_id=AGENT_ID), "/queue")
    inbound = to_inbound(only_update(world), directory())
    assert inbound is not None and inbound.role == Role.AGENT and inbound.text == "/queue"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("photo", AttachmentKind.PHOTO), ("video", AttachmentKind.VIDEO), ("voice", AttachmentKind.VOICE),
     ("audio", AttachmentKind.AUDIO), ("document", AttachmentKind.DOCUMENT),
     ("animation", AttachmentKind.ANIMATION), ("sticker", AttachmentKind.STICKER),
     ("video_note", AttachmentKind.VIDEO_NOTE)],
)
def test_every_media_kind_becomes_an_attachment(world: BotApiEmulator, kind: str, expected: AttachmentKind) -> None:
    user = world.add_user()
    sent = world.user_sends(user, kind, b"bytes", caption=None if kind in ("sticker", "video_note") else "看这里",
                            file_name="a.pdf" if kind == "document" else None)
    inbound = to_inbound(only_update(world), directory())
    assert inbound is not None and len(inbound.attachments) == 1
    attachment = inbound.attachments[0]
    media = sent[kind][-1] if kind == "photo" else sent[kind]
    assert (attachment.kind, attachment.ref) == (expected, media["file_id"])
    if kind not in ("sticker", "video_note"):
        assert inbound.text == "看这里"


def test_location_and_album_parts(world: BotApiEmulator) -> None:
    user = world.add_user()
    world.user_sends_location(user, 30.25, 120.16)
    located = to_inbound(only_update(world), directory())
    assert located is not None and located.attachments[0].ref == "30.25,120.16"
    world.user_sends_album(user, [("photo", b"1"), ("photo", b"2")], caption="天花板")
    parts = [to_inbound(Update.de_json(u, None), directory()) for u in world.take_updates()]
    assert [p.album for p in parts if p] == ["album1", "album1"]
    assert [p.text for p in parts if p] == ["天花板", ""]


def test_only_ones_own_contact_registers_a_phone(world: BotApiEmulator) -> None:
    user = world.add_user()
    world.user_shares_contact(user, "+8613800000000")
    own = to_inbound(only_update(world), directory())
    assert own is not None and own.phone == "+8613800000000"
    world.user_shares_contact(user, "+8613900000000", own=False)  # someone else's card: just text
    other = to_inbound(only_update(world), directory())
    assert other is not None and other.phone is None and "+8613900000000" in other.text


def test_an_edit_keeps_the_original_id_and_carries_the_edit_time(world: BotApiEmulator) -> None:
    user = world.add_user()
    sent = world.user_says(user, "3栋501")
    original = to_inbound(only_update(world), directory())
    world.user_edits(sent, "3栋502")
    update = only_update(world)
    edit = to_inbound(update, directory())
    assert original is not None and edit is not None
    assert edit.edited and edit.text == "3栋502" and not original.edited
    assert edit.message_id == original.message_id == str(sent["message_id"])
    assert edit.received_at == update.edited_message.edit_date.astimezone(UTC)


def test_a_button_press_carries_its_action_and_a_stable_id(world: BotApiEmulator) -> None:
    user = world.add_user()
    message = {"message_id": 9, "date": 1, "chat": {"id": user["id"], "type": "private"},
               "from": world.bot_user, "text": "请评分"}
    query_id = world.user_presses(message, "rate:R-20261123-0001:5")
    update = only_update(world)
    first, again = to_inbound(update, directory()), to_inbound(update, directory())
    assert first is not None and again is not None
    assert (first.action, first.message_id, first.text) == ("rate:R-20261123-0001:5", f"cb:{query_id}", "")
    assert again.message_id == first.message_id  # a redelivered press is the same message


def test_staff_group_topics_map_to_rooms(world: BotApiEmulator) -> None:
    agent = world._users[AGENT_ID]
    cases = [
        ({"thread": 2, "text": "您好,师傅下午到"}, ticket_room("R-20261123-0001")),
        ({"thread": 1, "text": "/ack E-20261123-0001"}, DUTY_ROOM),
        ({"thread": None, "text": "/queue"}, AGENTS_ROOM),
        ({"thread": 1, "text": "我去看看"}, None),  # chatter outside a ticket's topic is not for the desk
        ({"thread": None, "text": "大家辛苦了"}, None),
    ]
    for where, expected in cases:
        world.user_says(agent, where["text"], chat=STAFF_GROUP, thread=where["thread"])
        inbound = to_inbound(only_update(world), directory())
        assert (inbound.chat if inbound else None) == expected, where
        if inbound is not None:
            assert inbound.role == Role.AGENT and inbound.sender_id == str(AGENT_ID)


def test_community_groups_bots_and_service_messages_are_not_for_the_desk(world: BotApiEmulator) -> None:
    user = world.add_user()
    group = world.add_group("业主群")
    world.user_says(user, "电梯坏了", chat=group)
    assert to_inbound(only_update(world), directory()) is None
    world.push_update({"message": {"message_id": 5, "date": 1, "chat": {"id": user["id"], "type": "private"},
                                   "from": {"id": 777, "is_bot": True, "first_name": "other bot"}, "text": "hi"}})
    assert to_inbound(only_update(world), directory()) is None
    world.push_update({"message": {"message_id": 6, "date": 1, "chat": {"id": STAFF_GROUP, "type": "supergroup"},
                                   "from": user, "new_chat_members": [user]}})
    assert to_inbound(only_update(world), directory()) is None


@pytest.mark.parametrize(("code", "expected"), [("zh-hans", "zh"), ("zh-TW", "zh"), ("en-US", "en"),
                                                 ("en", "en"), ("ru", None), (None, None), ("", None)])
def test_language_codes(code: str | None, expected: str | None) -> None:
    assert language_of(code) == expected


def test_long_texts_are_split_within_telegrams_limit() -> None:
    paragraph = "第一段说明文字。" * 40 + "\n"
    text = paragraph * 30  # about 9,600 characters
    pieces = split_text(text)
    assert len(pieces) == 3
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
    assert all(p.endswith("。") for p in pieces)  # cut at line ends, not mid-sentence
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert split_text("短消息") == ["短消息"]
    assert split_text("   ") == []


def test_splitting_counts_emoji_as_two_units() -> None:
    pieces = split_text("😀" * 3000)  # 6,000 UTF-16 units, no separators
    assert [len(p) for p in pieces] == [2048, 952]


def test_keyboard_keeps_rows_and_drops_actions_telegram_would_refuse() -> None:
    markup = keyboard(((Button("1", "rate:X:1"), Button("2", "rate:X:2")), (Button("bad", "x" * 65),)))
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["rate:X:1", "rate:X:2"]]
    assert keyboard(()) is None


def test_flood_gate_warns_once_then_recovers() -> None:
    now = [0.0]
    gate = FloodGate(limit=3, window=10, clock=lambda: now[0])
    assert [gate.check("u") for _ in range(6)] == ["ok", "ok", "ok", "slow", "quiet", "quiet"]
    assert gate.check("someone else") == "ok"
    now[0] = 10.5
    assert gate.check("u") == "ok"


def _config(base: Config, **telegram: object) -> Config:
    return dataclasses.replace(base, telegram=dataclasses.replace(base.telegram, **telegram))


def test_settings_name_whatever_is_missing(base_config: Config) -> None:
    good = _config(base_config, staff_group_id=-1001234567890)
    assert TelegramSettings.from_config(good, "123456:ABCdef_-x").staff_group_id == -1001234567890
    cases = [
        (good, "", "TELEGRAM_BOT_TOKEN is not set"),
        (good, "not a token", "does not look like a bot token"),
        (_config(base_config, staff_group_id=None), "123456:ABCdef", "staff_group_id is missing"),
        (_config(base_config, staff_group_id=42), "123456:ABCdef", "supergroup id"),
        (dataclasses.replace(good, staff=()), "123456:ABCdef", "no member has a telegram_id"),
    ]
    for config, token, message in cases:
        with pytest.raises(StartupError, match=message) as caught:
            TelegramSettings.from_config(config, token)
        if token:
            assert token not in str(caught.value)


def test_the_token_is_not_in_the_settings_repr(base_config: Config) -> None:
    settings = TelegramSettings.from_config(_config(base_config, staff_group_id=-100123), "123456:SECRETtoken")
    assert "SECRETtoken" not in repr(settings)


async def test_send_pacer_keeps_under_the_rate_without_real_waiting() -> None:
    from bot.telegram_app import SendPacer

    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = SendPacer(2.0, sleep=sleep, clock=lambda: now[0])
    for _ in range(4):
        await pacer.wait()
    assert slept == [0.5, 0.5]  # a burst of 2, then one every half second
    now[0] += 10
    await pacer.wait()
    assert slept == [0.5, 0.5]  # idle time refills the bucket

"""Delivery details: rooms without topics, failures, the error handler, the emulator under bulk load."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot.messages import DUTY_ROOM, Attachment, AttachmentKind, ChatRef, Outbound, ticket_room
from bot.telegram_app import TEXTS, TelegramTransport
from tests.support.bot_api import ApiError, BotApiEmulator, Limits
from tests.telegram.conftest import Desk, FakeClock


async def test_a_room_without_a_topic_posts_in_the_general_topic(desk_on_telegram: Desk) -> None:
    d = desk_on_telegram
    settings = dataclasses.replace(d.running.transport._settings,
                                   room_topics={**d.running.transport._settings.room_topics, "duty": None})
    transport = TelegramTransport(d.app.bot, settings, d.running.store)
    await transport.deliver([Outbound(DUTY_ROOM, "🚨 测试告警", urgent=True)])
    assert d.api.texts(d.staff_group, None) == ["🚨 测试告警"]


async def test_a_deleted_room_topic_falls_back_to_general(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    api.delete_topic(d.staff_group, d.rooms["duty"])
    await d.running.transport.deliver([Outbound(DUTY_ROOM, "第一条"), Outbound(DUTY_ROOM, "第二条")])
    assert api.texts(d.staff_group, None) == ["第一条", "第二条"]
    assert len(api.errors) == 1  # the dead topic is tried once, then remembered


async def test_unknown_places_and_refusals_do_not_stop_the_others(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    transport = d.running.transport
    await transport.deliver([
        Outbound(ChatRef("console", "1"), "not for Telegram"),
        Outbound(ChatRef("telegram", "not-a-number"), "bad id"),
        Outbound(ChatRef("telegram", "424242"), "no such chat"),
        Outbound(ChatRef("telegram", str(resident["id"])), "",
                 attachments=(Attachment(AttachmentKind.PHOTO, "no-such-file"),
                              Attachment(AttachmentKind.LOCATION, "not,a-place"),
                              Attachment(AttachmentKind.LOCATION, "30.25,120.16"))),
        Outbound(ChatRef("telegram", str(resident["id"])), "still delivered"),
    ])
    sent = api.sent_to(resident["id"])
    assert [m.get("text") for m in sent] == [None, "still delivered"] and "location" in sent[0]


async def test_every_attachment_kind_is_sent_by_file_id(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident, agent = d.resident(), d.staff["agent"]
    kinds = ["photo", "video", "voice", "audio", "document", "animation", "sticker", "video_note"]
    files = [api.user_sends(agent, kind, kind.encode())[kind] for kind in kinds]
    api.take_updates()
    refs = [f[-1]["file_id"] if isinstance(f, list) else f["file_id"] for f in files]
    attachments = tuple(Attachment(AttachmentKind(kind), ref) for kind, ref in zip(kinds, refs, strict=True))
    attachments += (Attachment(AttachmentKind.LOCATION, "30.25,120.16"),)
    await d.running.transport.deliver([Outbound(ChatRef("telegram", str(resident["id"])), "附件如下",
                                                attachments=attachments)])
    sent = api.sent_to(resident["id"])
    assert sent[0]["text"] == "附件如下"
    got = {kind for m in sent[1:] for kind in kinds + ["location"] if kind in m}
    assert got == set(kinds) | {"location"}
    assert api.errors == []


async def test_an_album_goes_out_as_an_album(desk_on_telegram: Desk) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()
    photos = [api.user_sends_photo(d.staff["agent"], bytes([n]))["photo"][-1]["file_id"] for n in range(3)]
    await d.running.transport.deliver([Outbound(ChatRef("telegram", str(resident["id"])), "现场照片",
                                                attachments=tuple(Attachment(AttachmentKind.PHOTO, p)
                                                                  for p in photos))])
    sent = api.sent_to(resident["id"])
    assert len(sent) == 4 and len({m["media_group_id"] for m in sent[1:]}) == 1


async def test_an_unexpected_failure_gets_a_fixed_apology_never_details(desk_on_telegram: Desk,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    resident = d.resident()

    def broken(inbound: object) -> list[Outbound]:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(d.running.frontend, "_desk", _Shim(handle=broken))
    api.user_says(resident, "你好")
    await d.process()
    assert api.texts(resident["id"]) == [TEXTS["zh"]["error"].format(hotline=d.config.community.hotline)]


@dataclasses.dataclass
class _Shim:
    handle: object = None


async def test_a_kicked_bot_in_the_staff_group_is_only_logged(desk_on_telegram: Desk,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    d, api = desk_on_telegram, desk_on_telegram.api
    api.kick_bot(d.staff_group)
    await d.running.transport.deliver([Outbound(ticket_room("R-20261124-0009"), "x")])
    assert d.running.transport.failed == 1
    assert [(m, code) for m, code, _ in api.errors] == [("createForumTopic", 403), ("sendMessage", 403)]
    assert "delivery to staff chat failed" in caplog.text


def test_the_emulator_keeps_limits_for_a_thousand_groups_efficiently() -> None:
    clock = FakeClock()
    api = BotApiEmulator(limits=Limits(global_per_second=30, group_per_minute=20, fail_every=97), clock=clock)
    groups = [api.add_group(f"楼栋群{n}") for n in range(1000)]
    outcomes = {"ok": 0, 429: 0}
    for round_ in range(2):  # every group twice, 100 sends a (fake) second
        for group in groups:
            clock.now += 0.01
            try:
                api.handle_call(api.token, "sendMessage", {"chat_id": str(group), "text": f"停水通知 {round_}"}, {})
                outcomes["ok"] += 1
            except ApiError as exc:
                assert exc.code == 429 and exc.retry_after and exc.retry_after >= 1
                outcomes[429] += 1
    assert outcomes["ok"] + outcomes[429] == 2000
    assert 570 <= outcomes["ok"] <= 610  # about 30 a second for 20 seconds, less the injected ones
    assert api.throttled == outcomes[429]
    assert sum(len(api.sent_to(g)) for g in groups) == outcomes["ok"]


def test_emulator_answers_malformed_bodies_with_400() -> None:
    import urllib.error
    import urllib.request

    with BotApiEmulator() as api:
        request = urllib.request.Request(f"{api.base_url}{api.token}/sendMessage", b"\xff{not json",
                                         {"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 400
        assert json.loads(caught.value.read())["ok"] is False
        caught.value.close()

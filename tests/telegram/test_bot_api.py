"""The Bot API emulator answers like Telegram, through python-telegram-bot's real HTTP client."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from tests.support.bot_api import BotApiEmulator, Limits


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_get_me_and_a_wrong_token_is_unauthorized(api: BotApiEmulator, bot: Bot) -> None:
    assert (await bot.get_me()).username == "resident_desk_bot"
    stranger = Bot("999:wrong", base_url=api.base_url)
    with pytest.raises(InvalidToken):
        await stranger.initialize()  # PTB checks the token with getMe
    await stranger.shutdown()


async def test_get_updates_honours_offset_and_allowed_updates(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user("张三")
    api.user_says(user, "/start")
    api.user_says(user, "厨房漏水")
    first = await bot.get_updates(timeout=0)
    assert [u.message.text for u in first] == ["/start", "厨房漏水"]
    assert first[0].message.entities[0].type == "bot_command"
    assert await bot.get_updates(timeout=0) != []  # not confirmed yet: delivered again
    assert await bot.get_updates(offset=first[-1].update_id + 1, timeout=0) == ()
    api.user_blocks_bot(user)  # a my_chat_member update
    api.user_says(api.add_user("李四"), "你好")
    only_messages = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0, allowed_updates=["message"])
    assert [u.message.text for u in only_messages] == ["你好"]


async def test_long_polling_returns_as_soon_as_an_update_arrives(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user()
    poll = asyncio.create_task(bot.get_updates(timeout=10, read_timeout=15))
    await asyncio.sleep(0.05)
    assert not poll.done()
    api.user_says(user, "在吗")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates] == ["在吗"]


async def test_messages_are_numbered_per_chat_and_readable_per_topic(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user()
    staff = api.add_group("物业服务中心", forum=True)
    topic = await bot.create_forum_topic(staff, "R-20261123-0001 报修 3栋501")
    a = await bot.send_message(user["id"], "已登记")
    b = await bot.send_message(staff, "新工单", message_thread_id=topic.message_thread_id)
    c = await bot.send_message(staff, "总览")
    assert a.message_id == 1
    assert b.message_id == topic.message_thread_id + 1 and c.message_id == b.message_id + 1
    assert b.message_thread_id == topic.message_thread_id and b.is_topic_message
    assert api.texts(staff, topic.message_thread_id) == ["新工单"]
    assert api.texts(staff, None) == ["总览"]
    assert api.texts(staff) == ["新工单", "总览"]


@pytest.mark.parametrize(
    ("text", "parse_mode", "expected"),
    [
        ("<b>bold", "HTML", "can't find end tag"),
        ("<script>x</script>", "HTML", 'unsupported start tag "script"'),
        ("a & b", "HTML", "unsupported entity"),
        ("3.5 元", "MarkdownV2", "reserved"),
        ("*bold", "Markdown", "can't find end of the entity"),
    ],
    ids=["html-unclosed", "html-unknown-tag", "html-bare-ampersand", "mdv2-unescaped", "md-unclosed"],
)
async def test_bad_entities_are_400(api: BotApiEmulator, bot: Bot, text: str, parse_mode: str,
                                    expected: str) -> None:
    user = api.add_user()
    with pytest.raises(BadRequest, match=expected):
        await bot.send_message(user["id"], text, parse_mode=parse_mode)
    assert api.sent_to(user["id"]) == []


async def test_plain_text_is_sent_verbatim(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user()
    await bot.send_message(user["id"], "<b>not bold</b> & *not* _markup_")
    assert api.texts(user["id"]) == ["<b>not bold</b> & *not* _markup_"]


async def test_bad_requests_answer_with_telegrams_descriptions(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user()
    staff = api.add_group("staff", forum=True)
    plain_group = api.add_group("住户群")
    cases = [
        (bot.send_message(424242, "x"), "Chat not found"),
        (bot.send_message(user["id"], " "), "Message text is empty"),
        (bot.send_message(user["id"], "x" * 4097), "Message is too long"),
        (bot.send_message(staff, "x", message_thread_id=999), "Message thread not found"),
        (bot.create_forum_topic(plain_group, "t"), "The chat is not a forum"),
        (bot.send_message(user["id"], "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="d" * 65)]])), "Button_data_invalid"),
        (bot.send_photo(user["id"], "no-such-file-id"), "Wrong file identifier"),
        (bot.edit_message_text("x", chat_id=user["id"], message_id=77), "Message to edit not found"),
        (bot.answer_callback_query("cq-unknown"), "Query is too old"),
    ]
    for call, description in cases:
        with pytest.raises(BadRequest, match=description):
            await call


async def test_blocked_user_and_kicked_bot_are_403(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user()
    group = api.add_group("住户群")
    api.user_blocks_bot(user)
    api.kick_bot(group)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user["id"], "您的工单已完成")
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(group, "hello")
    updates = await bot.get_updates(timeout=0)
    assert updates[0].my_chat_member.new_chat_member.status == "kicked"
    api.user_unblocks_bot(user)
    await bot.send_message(user["id"], "again")
    assert api.texts(user["id"]) == ["again"]


async def test_forum_topics_lifecycle_and_deleted_topic(api: BotApiEmulator, bot: Bot) -> None:
    staff = api.add_group("staff", forum=True)
    topic = await bot.create_forum_topic(staff, "R-0001")
    thread = topic.message_thread_id
    assert await bot.edit_forum_topic(staff, thread, name="R-0001 已接")
    assert await bot.close_forum_topic(staff, thread)
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await bot.close_forum_topic(staff, thread)
    assert await bot.reopen_forum_topic(staff, thread)
    assert api.topics(staff)[thread].name == "R-0001 已接"
    api.delete_topic(staff, thread)  # a person deleted it by mistake
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(staff, "still there?", message_thread_id=thread)
    again = await bot.create_forum_topic(staff, "R-0001")
    assert again.message_thread_id != thread
    assert await bot.delete_forum_topic(staff, again.message_thread_id)
    assert api.topics(staff) == {}


async def test_files_round_trip_copy_and_upload(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user()
    staff = api.add_group("staff", forum=True)
    topic = await bot.create_forum_topic(staff, "R-0002")
    photo = api.user_sends_photo(user, b"photo-bytes", caption="天花板渗水")
    voice = api.user_sends_voice(user, b"voice-bytes")
    file = await bot.get_file(photo["photo"][-1]["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"photo-bytes"
    copied = await bot.copy_message(staff, user["id"], voice["message_id"],
                                    message_thread_id=topic.message_thread_id)
    sent = api.sent_to(staff, topic.message_thread_id)
    assert sent[0]["message_id"] == copied.message_id and sent[0]["voice"]["file_id"] == voice["voice"]["file_id"]
    uploaded = await bot.send_document(user["id"], b"%PDF report", filename="report.pdf", caption="验收单")
    assert api.file_bytes(uploaded.document.file_id) == b"%PDF report"
    with pytest.raises(BadRequest, match="(?i)can't use file of type voice as photo"):
        await bot.send_photo(user["id"], voice["voice"]["file_id"])
    album = await bot.send_media_group(user["id"], [InputMediaPhoto(b"a", caption="1"),
                                                    InputMediaPhoto(photo["photo"][0]["file_id"])])
    assert len({m.media_group_id for m in album}) == 1 and album[0].caption == "1"


async def test_edits_and_callback_queries(api: BotApiEmulator, bot: Bot) -> None:
    user = api.add_user()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(str(n), callback_data=f"rate:{n}") for n in (1, 5)]])
    message = await bot.send_message(user["id"], "请评分", reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("请评分", chat_id=user["id"], message_id=message.message_id,
                                    reply_markup=keyboard)
    await bot.edit_message_text("谢谢评价", chat_id=user["id"], message_id=message.message_id)
    assert api.texts(user["id"]) == ["谢谢评价"] and "reply_markup" not in api.last(user["id"])
    query_id = api.user_presses(api.last(user["id"]), "rate:5")
    update = (await bot.get_updates(timeout=0))[-1]
    assert update.callback_query.data == "rate:5" and update.callback_query.id == query_id
    await update.callback_query.answer("已收到")
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.callback_query.answer("twice")
    said = api.user_says(user, "3栋501")
    api.user_edits(said, "3栋502")
    edited = (await bot.get_updates(offset=update.update_id + 1, timeout=0))[-1].edited_message
    assert edited.text == "3栋502" and edited.message_id == said["message_id"]


async def test_private_chat_limit_answers_429_with_retry_after(bot: Bot) -> None:
    clock = FakeClock()
    with BotApiEmulator(limits=Limits(private_per_second=1), clock=clock) as api:
        async with Bot(api.token, base_url=api.base_url) as limited:
            user = api.add_user()
            await limited.send_message(user["id"], "one")
            with pytest.raises(RetryAfter) as caught:
                await limited.send_message(user["id"], "two")
            assert caught.value.retry_after.total_seconds() == 1
            clock.now += 1.0
            await limited.send_message(user["id"], "two")
            assert api.texts(user["id"]) == ["one", "two"] and api.throttled == 1


async def test_group_and_global_limits(bot: Bot) -> None:
    clock = FakeClock()
    with BotApiEmulator(limits=Limits(group_per_minute=20, global_per_second=30), clock=clock) as api:
        async with Bot(api.token, base_url=api.base_url) as limited:
            group = api.add_group("住户群")
            for n in range(20):
                await limited.send_message(group, f"notice {n}")
            with pytest.raises(RetryAfter) as caught:
                await limited.send_message(group, "one too many")
            assert caught.value.retry_after.total_seconds() == 60
            users = [api.add_user() for _ in range(11)]
            for user in users[:10]:
                await limited.send_message(user["id"], "hi")
            with pytest.raises(RetryAfter):  # 30 in this second already
                await limited.send_message(users[10]["id"], "hi")
            clock.now += 1.0
            await limited.send_message(users[10]["id"], "hi")
            assert api.throttled == 2


async def test_injected_429s_every_nth_and_scripted(bot: Bot) -> None:
    with BotApiEmulator(limits=Limits(fail_every=3, scripted=["sendPhoto"], injected_retry_after=2)) as api:
        async with Bot(api.token, base_url=api.base_url) as limited:
            user = api.add_user()
            outcomes = []
            for n in range(6):
                try:
                    await limited.send_message(user["id"], str(n))
                    outcomes.append("ok")
                except RetryAfter as exc:
                    outcomes.append(int(exc.retry_after.total_seconds()))
            assert outcomes == ["ok", "ok", 2, "ok", "ok", 2]
            api.limits.fail_every = None
            with pytest.raises(RetryAfter):
                await limited.send_photo(user["id"], b"x")
            await limited.send_photo(user["id"], b"x")
            assert api.throttled == 3


async def test_webhook_delivery_carries_the_secret_token(api: BotApiEmulator, bot: Bot) -> None:
    received: list[tuple[str | None, dict]] = []

    class Hook(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), json.loads(body)))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{server.server_address[1]}/hook", secret_token="s3cret")
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        api.user_says(api.add_user(), "webhook hello")
        await api.wait_for(lambda: api.webhook_deliveries)
        assert received[0][0] == "s3cret" and received[0][1]["message"]["text"] == "webhook hello"
        assert api.webhook_deliveries[0][1] == 200
    finally:
        server.shutdown()
        server.server_close()


def test_concurrent_sends_get_unique_ids(api: BotApiEmulator) -> None:
    group = api.add_group("住户群")
    base = api.base_url + api.token

    def send_many(worker: int) -> None:
        for n in range(25):
            data = f"chat_id={group}&text=w{worker}-{n}".encode()
            with urllib.request.urlopen(urllib.request.Request(f"{base}/sendMessage", data), timeout=5) as r:
                r.read()

    threads = [threading.Thread(target=send_many, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [m["message_id"] for m in api.sent_to(group)]
    assert sorted(ids) == list(range(1, 101))


def test_json_bodies_and_unknown_methods(api: BotApiEmulator) -> None:
    user = api.add_user()
    request = urllib.request.Request(f"{api.base_url}{api.token}/sendMessage",
                                     json.dumps({"chat_id": user["id"], "text": "json"}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["result"]["text"] == "json"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{api.base_url}{api.token}/launchRockets", timeout=5)
    assert caught.value.code == 404
    caught.value.close()

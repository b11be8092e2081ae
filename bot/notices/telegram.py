"""The Telegram side of notices: /register, /notice, /notices, /signups, sign-up buttons, delivery.

The Telegram front-end calls ``register(app, engine=..., config=...)`` once
(the hook is one line in bot/telegram_app.py). Handlers run in group -1,
before the desk's, and stop the update once they handled it; anything else
(a resident's message) falls through to the desk untouched.

``NoticeRateLimiter`` is a python-telegram-bot rate limiter that sends every
other request of the bot through the conversation lane of the shared
``SendLimiter``, so conversation traffic and broadcasts share one budget and
conversations go first. Install it with ``builder.rate_limiter(...)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from telegram import (
    Bot,
    CallbackQuery,
    ChatMember,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.notices import compose as composing
from bot.notices.broadcast import (
    Broadcaster,
    Buttons,
    ChatGone,
    MessageGone,
    Progress,
    RetryLater,
    SendFailed,
    SendLimiter,
    SendLimits,
    Lane,
    utcnow,
)
from bot.notices.compose import KIND_NAMES_ZH, ComposeError, NoticeTemplates
from bot.notices.models import NoticeKind, SignupAnswer
from bot.notices.refresh import REFRESH_WINDOW, SignupRefresher
from bot.notices.schedule import NoticeRunner, SendLease, add_jobs
from bot.notices.store import DeliveryReport, NoticeInfo, NoticeStore, SignupOutcome

logger = logging.getLogger(__name__)

PACED = {"notices": "paced"}  # rate_limit_args of requests the broadcaster already paced
MESSAGE_ENDPOINTS = frozenset({
    "sendMessage", "sendPhoto", "sendVideo", "sendVoice", "sendAudio", "sendDocument", "sendAnimation",
    "sendSticker", "sendVideoNote", "sendLocation", "sendContact", "sendMediaGroup", "copyMessage",
    "forwardMessage",
})
DRAFT_TTL = timedelta(hours=6)  # a dialogue left this long is forgotten
POOL_RETRY_SECONDS = 0.05  # no free HTTP connection: the request never left, try again shortly
GROUP_TYPES = (ChatType.GROUP, ChatType.SUPERGROUP)


def _seconds(retry_after: int | float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)


def to_markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Rows of transport-neutral buttons -> an inline keyboard."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
                                 for row in buttons])


class TelegramNoticeSender:
    """``NoticeSender`` on a python-telegram-bot ``Bot``: maps Telegram's errors to the broadcaster's."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        # Paced requests skip our own rate limiter's conversation lane (they hold a broadcast permit).
        self._extra: dict[str, Any] = ({"rate_limit_args": PACED}
                                       if isinstance(getattr(bot, "rate_limiter", None), NoticeRateLimiter)
                                       else {})

    async def send(self, chat_id: str, text: str, buttons: Buttons) -> str:
        """Send one notice message; return its message id."""
        try:
            message = await self._bot.send_message(chat_id=int(chat_id), text=text,
                                                   reply_markup=to_markup(buttons), **self._extra)
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc._retry_after)) from None  # private: the public one warns in 22.x
        except Forbidden as exc:
            raise ChatGone(exc.message[:200]) from None
        except ChatMigrated as exc:
            raise ChatGone(f"group upgraded to supergroup {exc.new_chat_id}") from None
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise ChatGone(exc.message[:200]) from None
            raise SendFailed(exc.message[:200]) from None
        except TimedOut as exc:
            if "pool timeout" in exc.message.lower():  # PTB: "Request was *not* sent": safe to retry
                raise RetryLater(POOL_RETRY_SECONDS, everyone=False) from None
            raise  # timed out on the wire: may have arrived, the broadcaster records "unknown"
        return str(message.message_id)

    async def pin(self, chat_id: str, message_id: str) -> None:
        """Pin quietly (no notification on top of the message itself)."""
        await self._bot.pin_chat_message(chat_id=int(chat_id), message_id=int(message_id),
                                         disable_notification=True, **self._extra)

    async def edit_buttons(self, chat_id: str, message_id: str, buttons: Buttons) -> None:
        """New sign-up counts under a delivered activity (``ButtonEditor``); unchanged is fine."""
        try:
            await self._bot.edit_message_reply_markup(chat_id=int(chat_id), message_id=int(message_id),
                                                      reply_markup=to_markup(buttons), **self._extra)
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc._retry_after)) from None
        except Forbidden as exc:
            raise ChatGone(exc.message[:200]) from None
        except ChatMigrated as exc:
            raise ChatGone(f"group upgraded to supergroup {exc.new_chat_id}") from None
        except BadRequest as exc:
            reason = exc.message.lower()
            if "not modified" in reason:  # a copy already showing these counts
                return
            if "chat not found" in reason:
                raise ChatGone(exc.message[:200]) from None
            if "message to edit not found" in reason or "message can't be edited" in reason:
                raise MessageGone(exc.message[:200]) from None
            raise SendFailed(exc.message[:200]) from None
        except TimedOut as exc:
            if "pool timeout" in exc.message.lower():
                raise RetryLater(POOL_RETRY_SECONDS, everyone=False) from None
            raise


class NoticeRateLimiter(BaseRateLimiter[dict[str, str]]):
    """Puts the bot's conversation messages through the shared limiter, ahead of broadcasts."""

    def __init__(self, limiter: SendLimiter) -> None:
        self.limiter = limiter

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: dict[str, str] | None) -> Any:
        """Pace message-sending calls in the conversation lane; one retry after a short 429."""
        if rate_limit_args == PACED or endpoint not in MESSAGE_ENDPOINTS:
            return await callback(*args, **kwargs)
        chat_id = str(data.get("chat_id", ""))
        for attempt in range(2):
            permit = await self.limiter.acquire(chat_id, Lane.CONVERSATION)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc._retry_after)
                if attempt or wait > 5:
                    raise
            finally:
                permit.release()
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")


class TelegramReporter:
    """Progress and the delivery report, as one message to the sender edited in place."""

    def __init__(self, bot: Bot, templates: NoticeTemplates) -> None:
        self._bot = bot
        self._templates = templates
        self._progress_messages: dict[int, int] = {}

    async def progress(self, notice: NoticeInfo, progress: Progress) -> None:
        """Show "发送中 300/1000" to the sender."""
        if not notice.report_to:
            return
        text = self._templates.render("staff_progress.j2", code=notice.code, done=progress.done,
                                      total=progress.total)
        await self._show(notice, text)

    async def finished(self, notice: NoticeInfo, report: DeliveryReport) -> None:
        """Replace the progress with the delivery report."""
        if not notice.report_to:
            return
        text = self._templates.render("staff_report.j2", code=notice.code, r=report,
                                      kind_name=KIND_NAMES_ZH[notice.kind])
        await self._show(notice, text)
        self._progress_messages.pop(notice.id, None)

    async def expired(self, notice: NoticeInfo) -> None:
        """Tell the sender a notice missed during downtime was not sent."""
        if notice.report_to:
            await self._bot.send_message(int(notice.report_to), self._templates.render(
                "staff_expired.j2", code=notice.code, kind_name=KIND_NAMES_ZH[notice.kind],
                send_at=notice.send_at))

    async def _show(self, notice: NoticeInfo, text: str) -> None:
        message_id = self._progress_messages.get(notice.id)
        if message_id is not None:
            try:
                await self._bot.edit_message_text(text, chat_id=int(notice.report_to), message_id=message_id)
                return
            except BadRequest as exc:
                if "not modified" in exc.message:
                    return
        sent = await self._bot.send_message(int(notice.report_to), text)
        self._progress_messages[notice.id] = sent.message_id


class NoticesFrontend:
    """Telegram handlers of the notices feature, and the runner that delivers them."""

    def __init__(self, *, store: NoticeStore, templates: NoticeTemplates, limiter: SendLimiter,
                 is_staff: Callable[[str], bool], clock: Callable[[], datetime] = utcnow,
                 concurrency: int = 8, progress_interval: float = 5.0,
                 refresh_window: float = REFRESH_WINDOW) -> None:
        self.store = store
        self.templates = templates
        self.limiter = limiter
        self._is_staff = is_staff
        self._clock = clock
        self._concurrency = concurrency
        self._progress_interval = progress_interval
        self._refresh_window = refresh_window
        self.runner: NoticeRunner | None = None
        self.refresher: SignupRefresher | None = None
        self._scheduler: Any = None

    # -- wiring -----------------------------------------------------------------------------

    def register(self, app: Application) -> None:
        """Add the handlers (group -1) and start/stop the schedule with the application."""
        group = -1
        app.add_handler(CommandHandler("register", self.on_register), group)
        app.add_handler(CommandHandler("notice", self.on_notice), group)
        app.add_handler(CommandHandler("notices", self.on_notices), group)
        app.add_handler(CommandHandler("signups", self.on_signups), group)
        app.add_handler(CallbackQueryHandler(self.on_button, pattern=r"^ntc:"), group)
        app.add_handler(ChatMemberHandler(self.on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER), group)
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate), group)
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE,
                                       self.on_draft_text), group)
        self.runner = self.build_runner(app.bot)
        previous_init, previous_stop = app.post_init, app.post_stop

        async def post_init(application: Application) -> None:
            if previous_init is not None:
                await previous_init(application)
            await self.start()

        async def post_stop(application: Application) -> None:
            await self.stop()
            if previous_stop is not None:
                await previous_stop(application)

        app.post_init, app.post_stop = post_init, post_stop

    def build_runner(self, bot: Bot) -> NoticeRunner:
        """The runner delivering through ``bot`` (holding the send lease), and the sign-up refresher."""
        sender = TelegramNoticeSender(bot)
        broadcaster = Broadcaster(self.store, sender, self.limiter,
                                  concurrency=self._concurrency, progress_interval=self._progress_interval,
                                  clock=self._clock)
        refresher = self.refresher = SignupRefresher(self.store, sender, self.limiter,
                                                     window=self._refresh_window, clock=self._clock)

        async def refresh_stale_copies(now: datetime) -> None:
            refresher.sweep(now)

        return NoticeRunner(self.store, self.templates, broadcaster,
                            reporter=TelegramReporter(bot, self.templates), clock=self._clock,
                            lease=SendLease(self.store), on_tick=[refresh_stale_copies])

    async def start(self) -> None:
        """Start ticking (inside the running loop); the first tick catches up on missed notices."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        assert self.runner is not None, "register() first"
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        add_jobs(self._scheduler, self.runner)
        self._scheduler.start()

    async def stop(self) -> None:
        """Stop ticking; a broadcast in progress finishes its requests in flight and stops."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self.runner is not None and self.runner._task is not None:
            self.runner._task.cancel()
            await self.runner.wait_idle()
        if self.refresher is not None:
            await self.refresher.close()
        if self.runner is not None:
            self.runner.release_lease()

    async def _staff_here(self, update: Update, what: str) -> bool:
        """Staff, outside residents' groups (a preview or a sign-up list must not show there)."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None:
            return False
        if not self._is_staff(str(user.id)):
            await message.reply_text(f"只有物业工作人员可以{what}。")
            return False
        if chat.type != ChatType.PRIVATE and self.store.is_audience("telegram", str(chat.id)):
            await message.reply_text("这里是住户群,请在与我的私聊中操作。")
            return False
        return True

    # -- audiences --------------------------------------------------------------------------

    async def on_register(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Staff register a residents' group: `/register 全部` or `/register 3号楼 5号楼`."""
        chat, user, message = update.effective_chat, update.effective_user, update.effective_message
        if chat is None or user is None or message is None:
            raise ApplicationHandlerStop
        if chat.type not in GROUP_TYPES:
            await message.reply_text("请在要登记的住户群里发送 /register(例如 /register 全部 或 /register 3号楼)。")
            raise ApplicationHandlerStop
        if not self._is_staff(str(user.id)):
            await message.reply_text("只有物业工作人员可以登记本群。")
            raise ApplicationHandlerStop
        try:
            buildings = composing.parse_buildings(" ".join(context.args or []))
        except ComposeError as exc:
            await message.reply_text(str(exc))
            raise ApplicationHandlerStop from None
        self.store.register_group(channel="telegram", chat_id=str(chat.id), title=chat.title or "",
                                  buildings=buildings, by=str(user.id), now=self._clock())
        logger.info("group %s registered by %s", chat.id, user.id)
        await message.reply_text(self.templates.render("staff_registered.j2", buildings=buildings))
        raise ApplicationHandlerStop

    async def on_my_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was removed from (or re-added to) a group: stop (or resume) sending there."""
        change: ChatMemberUpdated | None = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        gone = status in (ChatMember.LEFT, ChatMember.BANNED)
        # Private chats (a resident blocking the bot) are the desk's business, not ours.
        if change.chat.type in GROUP_TYPES or change.chat.type == ChatType.CHANNEL:
            self.store.set_group_active(channel="telegram", chat_id=str(change.chat.id), active=not gone,
                                        reason="bot removed" if status == ChatMember.LEFT else "bot kicked",
                                        now=self._clock())

    async def on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A registered group became a supergroup: follow it to its new id."""
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id:
            self.store.move_group(channel="telegram", old_chat_id=str(message.chat_id),
                                  new_chat_id=str(message.migrate_to_chat_id), now=self._clock())

    # -- writing a notice -------------------------------------------------------------------

    async def on_notice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Staff start a notice: pick a type, fill in the form, see a preview, confirm."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None or not await self._staff_here(update, "发布通知"):
            raise ApplicationHandlerStop
        parts = (message.text or "").split(None, 1)
        body = parts[1] if len(parts) > 1 else ""  # everything after "/notice"
        first_line, _, rest = body.partition("\n")
        words = first_line.split()
        if words and words[0].casefold() == "edit":
            await self._start_edit(message, user.id, chat.id, words[1:], rest)
            raise ApplicationHandlerStop
        if not body.strip():
            rows = [[InlineKeyboardButton(name, callback_data=f"ntc:new:{kind.value}")
                     for kind, name in list(KIND_NAMES_ZH.items())[i:i + 3]] for i in (0, 3)]
            await message.reply_text("要发布哪种通知?\n\n" + self._help(), reply_markup=InlineKeyboardMarkup(rows))
            raise ApplicationHandlerStop
        await self._preview(message, str(user.id), str(chat.id), body, kind=None, edit_of=None)
        raise ApplicationHandlerStop

    async def _start_edit(self, message: Any, user_id: int, chat_id: int, args: list[str], body: str) -> None:
        notice = self._notice_from(args[0] if args else "")
        if notice is None or notice.purpose != "notice" or notice.status != "scheduled":
            await message.reply_text("只能修改还没发出的通知,例如: /notice edit N-0003 然后换行写要改的字段。")
            return
        if not body.strip():
            await message.reply_text("请在下一条消息里写要修改的字段(只写要改的),例如:\n发送: 明天 09:00\n\n当前内容:\n"
                                     + self._fields_form(notice))
            self.store.save_draft(user_id=str(user_id), chat_id=str(chat_id), step="fields",
                                  data={"kind": notice.kind.value, "edit_of": notice.id, "base": self._base(notice)},
                                  now=self._clock())
            return
        await self._preview(message, str(user_id), str(chat_id), body, kind=notice.kind, edit_of=notice.id,
                            base=self._base(notice))

    def _base(self, notice: NoticeInfo) -> dict[str, Any]:
        """What an edit starts from: the stored fields and options, as staff would type them."""
        send_at = notice.send_at.astimezone(self.templates.zone).strftime("%Y-%m-%d %H:%M")
        return {"fields": dict(notice.fields),
                "options": {"audience": " ".join(notice.buildings) or "全部", "at": send_at,
                            "pin": "是" if notice.pin else "否", "private": "是" if notice.private else "否",
                            "language": notice.language}}

    def _fields_form(self, notice: NoticeInfo) -> str:
        labels = composing.FIELD_LABELS_ZH
        lines = [f"{labels.get(k, k)}: {v}" for k, v in notice.fields.items()]
        lines += [f"{labels[k]}: {v}" for k, v in self._base(notice)["options"].items()]
        return "\n".join(lines)

    async def on_draft_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The staff member's filled-in form (when a /notice dialogue is open in this chat)."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None or not message.text:
            return
        draft = self.store.load_draft(str(user.id), str(chat.id))
        if draft is None or not self._is_staff(str(user.id)):
            return  # not ours: the desk handles it
        step, data, updated_at = draft
        if step != "fields" or self._clock() - updated_at > DRAFT_TTL:
            return
        base = data.get("base") if isinstance(data.get("base"), dict) else None
        await self._preview(message, str(user.id), str(chat.id), message.text,
                            kind=NoticeKind(str(data["kind"])), edit_of=data.get("edit_of"), base=base)
        raise ApplicationHandlerStop

    async def _preview(self, message: Any, user_id: str, chat_id: str, body: str, *, kind: NoticeKind | None,
                       edit_of: object, base: dict[str, Any] | None = None) -> None:
        try:
            c = self._compose(body, kind=kind, base=base)
        except ComposeError as exc:
            await message.reply_text(f"{exc}\n\n请改好后重新发送。")
            if kind is not None:  # keep the dialogue open for the corrected form
                self.store.save_draft(user_id=user_id, chat_id=chat_id, step="fields",
                                      data={"kind": kind.value, "edit_of": edit_of, "base": base},
                                      now=self._clock())
            return
        self.store.save_draft(user_id=user_id, chat_id=chat_id, step="confirm",
                              data={"kind": c.kind.value, "body": body, "base": base, "edit_of": edit_of,
                                    "explicit_kind": kind is not None},
                              now=self._clock())
        confirm = "确认(不足24小时,仍然发送)" if c.warnings else ("确认发送" if c.send_now else "确认定时发送")
        buttons = InlineKeyboardMarkup([[InlineKeyboardButton(confirm, callback_data="ntc:ok"),
                                         InlineKeyboardButton("取消", callback_data="ntc:no")]])
        await message.reply_text(self._preview_text(c, edit_of), reply_markup=buttons)

    def _compose(self, body: str, *, kind: NoticeKind | None, base: dict[str, Any] | None) -> composing.Composition:
        draft = composing.parse_draft(body, kind)
        if base:  # an edit: the stored fields and options, overridden by what was typed
            draft = composing.Draft(kind=draft.kind, fields={**base.get("fields", {}), **draft.fields},
                                    options={**base.get("options", {}), **draft.options}, unknown=draft.unknown)
        return composing.compose(draft, now=self._clock(), templates=self.templates)

    def _preview_text(self, c: composing.Composition, edit_of: object) -> str:
        audience = "全小区" if not c.buildings else "、".join(c.buildings) + "号楼"
        return self.templates.render("staff_preview.j2", c=c, audience=audience, edit_of=edit_of,
                                     kind_name=KIND_NAMES_ZH[c.kind])

    def _help(self) -> str:
        return self.templates.render("staff_help.j2", kinds=list(KIND_NAMES_ZH.values()))

    # -- buttons ----------------------------------------------------------------------------

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Every ntc:* button: dialogue steps, cancel from the list, and residents' sign-ups."""
        query = update.callback_query
        if query is None or query.data is None:
            raise ApplicationHandlerStop
        parts = query.data.split(":")
        action = parts[1] if len(parts) > 1 else ""
        try:
            if action in ("join", "decline"):
                await self._on_signup(query, parts)
            elif not self._is_staff(str(query.from_user.id)):
                await query.answer("只有物业工作人员可以操作。")
            elif action == "new" and len(parts) == 3:
                await self._on_new(query, parts[2])
            elif action == "ok":
                await self._on_confirm(query)
            elif action == "no":
                self.store.drop_draft(str(query.from_user.id))
                await query.answer("已取消")
                await _quiet_edit(query, (query.message.text if query.message else "") + "\n\n(已取消)")
            elif action == "cancel" and len(parts) == 3 and _small_id(parts[2]) is not None:
                await self._on_cancel(query, int(parts[2]))
            else:
                await query.answer()
        except TelegramError:
            logger.warning("notice button %s failed", action, exc_info=True)
        raise ApplicationHandlerStop

    async def _on_new(self, query: CallbackQuery, kind_value: str) -> None:
        try:
            kind = NoticeKind(kind_value)
        except ValueError:
            await query.answer()
            return
        chat_id = query.message.chat.id if query.message else query.from_user.id
        self.store.save_draft(user_id=str(query.from_user.id), chat_id=str(chat_id), step="fields",
                              data={"kind": kind.value}, now=self._clock())
        await query.answer()
        await query.get_bot().send_message(chat_id, f"{KIND_NAMES_ZH[kind]}: 请复制下面的表,填好后发给我(可选项可删掉):")
        await query.get_bot().send_message(chat_id, composing.form_for(kind))

    async def _on_confirm(self, query: CallbackQuery) -> None:
        user_id = str(query.from_user.id)
        chat_id = str(query.message.chat.id) if query.message else user_id
        draft = self.store.load_draft(user_id, chat_id)
        if draft is None or draft[0] != "confirm":
            await query.answer("这个预览已失效,请重新 /notice。")
            return
        data = draft[1]
        kind = NoticeKind(str(data["kind"])) if data.get("explicit_kind") else None
        base = data.get("base") if isinstance(data.get("base"), dict) else None
        try:  # composed again: time has passed since the preview (the 24-hour rule, "now")
            c = self._compose(str(data["body"]), kind=kind, base=base)
        except ComposeError as exc:
            await query.answer()
            await query.get_bot().send_message(int(chat_id), f"{exc}\n\n请重新 /notice。")
            self.store.drop_draft(user_id)
            return
        edit_of = data.get("edit_of")
        if isinstance(edit_of, int):
            notice = self.store.update_notice(edit_of, c, now=self._clock())
            if notice is None:
                await query.answer("这条通知已经发出或已取消,不能再改。", show_alert=True)
                self.store.drop_draft(user_id)
                return
        else:
            notice = self.store.create_notice(c, created_by=user_id, report_to=chat_id, now=self._clock())
        self.store.drop_draft(user_id)
        if c.send_now and self.runner is not None:
            await self.runner.tick()  # starts the broadcast in the background
        await query.answer("已确认")
        when = "正在发送" if c.send_now else f"将于 {self.templates.local(c.send_at)} 发送"
        await _quiet_edit(query, f"{notice.code} {KIND_NAMES_ZH[c.kind]}已确认,{when}。\n/notices 查看、取消或修改。")

    async def _on_cancel(self, query: CallbackQuery, notice_id: int) -> None:
        if self.store.cancel_notice(notice_id, now=self._clock()):
            await query.answer(f"N-{notice_id:04d} 已取消")
            await self._send_list(query.get_bot(), query.message.chat.id if query.message else query.from_user.id)
        else:
            await query.answer("已经发出或已取消,无法取消。", show_alert=True)

    async def _on_signup(self, query: CallbackQuery, parts: list[str]) -> None:
        notice_id = _small_id(parts[2]) if len(parts) == 3 else None
        if notice_id is None:
            await query.answer()
            return
        answer = SignupAnswer.JOIN if parts[1] == "join" else SignupAnswer.DECLINE
        user = query.from_user
        result = self.store.record_signup(notice_id, user_id=str(user.id), user_name=user.full_name,
                                          answer=answer, now=self._clock())
        en = (user.language_code or "").startswith("en")
        toast = {
            SignupOutcome.ACCEPTED: ("Signed up, see you there!" if en else "报名成功,届时见!")
            if answer == SignupAnswer.JOIN else ("Noted." if en else "已记录,谢谢告知。"),
            SignupOutcome.UNCHANGED: "Already noted." if en else "已经记录过了。",
            SignupOutcome.FULL: "Sorry, it's full." if en else "抱歉,名额已满。",
            SignupOutcome.CLOSED: "Sign-up is closed." if en else "报名已结束。",
        }[result.outcome]
        await query.answer(toast)
        if result.outcome == SignupOutcome.ACCEPTED and self.refresher is not None:
            # Every copy (other groups, private ones) shows the new counts, this one first.
            self.refresher.poke(notice_id, first_chat=str(query.message.chat.id) if query.message else None)

    # -- lists ------------------------------------------------------------------------------

    async def on_notices(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Staff see what is scheduled, with a cancel button per notice; `/notices cancel N-0003`."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None or not await self._staff_here(update, "查看通知列表"):
            raise ApplicationHandlerStop
        args = context.args or []
        if args and args[0].casefold() == "cancel":
            notice = self._notice_from(args[1] if len(args) > 1 else "")
            ok = notice is not None and self.store.cancel_notice(notice.id, now=self._clock())
            await message.reply_text(f"{notice.code} 已取消。" if ok and notice else "找不到待发送的这条通知(可能已发出)。")
            raise ApplicationHandlerStop
        await self._send_list(context.bot, chat.id)
        raise ApplicationHandlerStop

    async def _send_list(self, bot: Bot, chat_id: int) -> None:
        notices = self.store.list_notices()
        text = self.templates.render("staff_list.j2", notices=notices, names=KIND_NAMES_ZH)
        rows = [[InlineKeyboardButton(f"取消 {n.code}", callback_data=f"ntc:cancel:{n.id}")]
                for n in notices if n.status == "scheduled"][:20]
        await bot.send_message(chat_id, text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)

    async def on_signups(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Staff see who signed up for an activity: `/signups N-0004`."""
        message = update.effective_message
        if message is None or not await self._staff_here(update, "查看报名名单"):
            raise ApplicationHandlerStop
        notice = self._notice_from((context.args or [""])[0])
        if notice is None or notice.kind is not NoticeKind.ACTIVITY:
            await message.reply_text("请写活动通知的编号,例如 /signups N-0004")
            raise ApplicationHandlerStop
        text = self.templates.render("staff_signups.j2", code=notice.code, title=notice.fields.get("title", ""),
                                     counts=self.store.signup_counts(notice.id), rows=self.store.signups(notice.id))
        for start in range(0, len(text), 4000):  # a long list is split below Telegram's 4096
            await message.reply_text(text[start:start + 4000])
        raise ApplicationHandlerStop

    def _notice_from(self, code: str) -> NoticeInfo | None:
        notice_id = _small_id(code.strip().upper().removeprefix("N-"))
        return self.store.get_notice(notice_id) if notice_id is not None else None


def _small_id(text: str) -> int | None:
    """A notice id from a button or command; None for anything else (ids fit a 32-bit column)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


async def _quiet_edit(query: CallbackQuery, text: str) -> None:
    """Edit the message under a pressed button; an old or unchanged message is fine."""
    try:
        await query.edit_message_text(text[:4096])
    except BadRequest:
        pass


def staff_checker(telegram_ids: Iterable[str | int | None]) -> Callable[[str], bool]:
    """``is_staff`` from the configured staff's Telegram ids."""
    ids = frozenset(str(i) for i in telegram_ids if i is not None)
    return lambda user_id: user_id in ids


def register(app: Application, *, engine: Engine, config: Any, limiter: SendLimiter | None = None,
             clock: Callable[[], datetime] = utcnow) -> NoticesFrontend:
    """The one-line hook for bot/telegram_app.py: notices on this application.

    ``config`` is the desk's ``bot.config.Config`` (staff, time zone). Pass the
    ``limiter`` whose ``NoticeRateLimiter`` the builder got, so conversations
    and broadcasts share one budget.
    """
    zone = getattr(config, "timezone", None)
    templates = NoticeTemplates(getattr(zone, "key", None) or "Asia/Shanghai")
    if limiter is None:
        installed = getattr(app.bot, "rate_limiter", None)
        limiter = installed.limiter if isinstance(installed, NoticeRateLimiter) else SendLimiter(SendLimits())
    frontend = NoticesFrontend(
        store=NoticeStore(engine), templates=templates, limiter=limiter,
        is_staff=staff_checker(m.telegram_id for m in getattr(config, "staff", ())), clock=clock)
    frontend.register(app)
    return frontend


__all__ = ["NoticeRateLimiter", "NoticesFrontend", "TelegramNoticeSender", "register",
           "staff_checker", "to_markup"]

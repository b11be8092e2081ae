"""ServiceDesk: decides what the desk says, records and alerts for each message — Inbound in, Outbound out.

This module must not import telegram or apscheduler. Time comes from
``Inbound.received_at`` or a sweep's ``now``; wording from bot/templates.
One inbound message is handled in one transaction (see TicketStore.work).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col, select

from bot.config import Config, StaffMember
from bot.dialogue import (
    MAX_TEXT_CHARS,
    Command,
    State,
    clean_text,
    clear_language,
    detect_language,
    find_codes,
    has_words,
    is_bare_flat,
    is_bare_report,
    is_data_answer,
    is_garbled,
    is_pressing,
    is_question,
    looks_like_dates,
    mentions_home,
    mentions_public_place,
    names_a_place,
    names_only_the_kind,
    parse_building,
    parse_command,
    parse_flat,
    parse_phone,
    says_undecided,
    wants_human,
    words_besides_flat,
)
from bot.messages import (
    AGENTS_ROOM,
    DUTY_ROOM,
    ENGINEERING_ROOM,
    MANAGER_ROOM,
    STAFF_CHANNEL,
    Attachment,
    AttachmentKind,
    Button,
    ChatRef,
    Inbound,
    Outbound,
    Role,
    ticket_room,
)
from bot.models import EventKind, InboundMessage, Priority, Resident, Staff, Ticket, TicketKind
from bot.render import LABELS_ZH, Templates, place_en, plain_markdown
from bot.store import DialogueState, TicketStore, Work
from bot.workflow import (
    DONE,
    FINAL,
    INITIAL,
    STATUS_ZH,
    Action,
    IllegalTransition,
    Status,
    check_role,
    next_actions,
    transition_for,
)
from intents.labels import Classification, Intent
from knowledge import Entry, Handbook, fill_placeholders

logger = logging.getLogger(__name__)

DESK = "desk"  # actor name of the desk itself in the audit trail
STAFF_DIALOGUE = "staff-dialogue"  # Dialogue.channel of a staff member's own pending question
FINISHING_PHOTO_WITHIN = timedelta(hours=2)  # a photo this soon after 完成 is the finishing photo
RENOVATION_DOCS_QUESTION = "装修申请要带哪些资料"
DUPLICATE_EMERGENCY_WINDOW = timedelta(minutes=30)
CAPTION_BELONGS_WITHIN = timedelta(minutes=10)  # a captioned photo this soon after a report belongs to it
CHOOSABLE = (Intent.REPAIR, Intent.COMPLAINT, Intent.RENOVATION, Intent.INQUIRY, Intent.EMERGENCY)
RENOVATION_STEPS = ("dates", "contractor", "scope", "drawings")
# The classifier's share for an emergency below which it is not offered among unsure choices: a
# message without any clue gets about 0.16 (its prior), "电梯好像有点问题" gets 0.31.
EMERGENCY_CHOICE_FROM = 0.2
# The confidence at which a message, while we wait for an answer, is read as another request instead.
CLEARLY_ANOTHER_REQUEST = 0.6
RESIDENT_COMMANDS = ("start", "help", "my", "human", "cancel", "lang")
_COMPLAINT_WORD = re.compile(r"投诉|反映|complain", re.IGNORECASE)
# A suggested handbook entry as a button: a label this long at most (a phone shows about this much of a
# full-width row), and an action naming the entry by index, never by title (Telegram allows 64 bytes).
SUGGESTION_LABEL_CHARS = 20
_SUGGESTION_ACTION = re.compile(r"^(?P<index>[0-9]{1,6}):(?P<check>[0-9a-f]{8})$")
RESUMABLE = (State.RENOVATION, State.REPORT)  # what the "resume" button can bring back
# "我要装修" / "申请装修" / "renovation application": asks for an application, answers no step of it.
_NEW_APPLICATION = re.compile(
    r"^\s*(?:我要|我想|想|要|申请|办理|办)?\s*(?:装修|装修申请|renovation|renovation application)"
    r"\s*(?:申请|一下)?\s*[!！。.,，~]*\s*$",
    re.IGNORECASE,
)


def _title_check(title: str) -> str:
    return f"{zlib.crc32(title.encode()):08x}"


def _suggested_entry(handbook: Handbook, ref: str) -> Entry | None:
    """The entry a ``kb:`` button names, or None when the index or its title check no longer fits."""
    match = _SUGGESTION_ACTION.match(ref)
    if match is None or not int(match.group("index")) < len(handbook.entries):
        return None
    entry = handbook.entries[int(match.group("index"))]
    return entry if _title_check(entry.title) == match.group("check") else None


def _suggestion_label(entry: Entry) -> str:
    title = " ".join(entry.title.split())
    return title if len(title) <= SUGGESTION_LABEL_CHARS else title[:SUGGESTION_LABEL_CHARS - 1] + "…"


def _set_aside(dialogue: DialogueState) -> dict[str, Any] | None:
    """What to keep for later when the chat turns to something else: the unfinished application
    or report in progress, else the one already kept (None: nothing)."""
    if dialogue.state in RESUMABLE:
        data = {k: v for k, v in (dialogue.data or {}).items() if k != "paused"}
        return {"state": dialogue.state, "data": data}
    return dialogue.get("paused")


@dataclass
class Turn:
    """What one inbound message is doing: the unit of work, who sent it, what to send back."""

    w: Work
    msg: Inbound
    text: str
    out: list[Outbound] = field(default_factory=list)
    ticket_code: str | None = None  # the ticket this message ended up about
    cut_from: int | None = None  # a resident's overlong message: its full length (``text`` is cut)

    @property
    def now(self) -> datetime:
        return self.msg.received_at


class ServiceDesk:
    """The service desk: every resident and staff message, and the timed sweeps."""

    def __init__(
        self, *, config: Config, store: TicketStore, handbook: Handbook, templates: Templates,
        classify: Callable[[str], Classification] | None = None, unsure_below: float | None = None,
    ) -> None:
        if classify is None or unsure_below is None:
            import intents  # deferred: the classifier loads its lexicon on import

            classify = classify or intents.classify
            unsure_below = intents.UNSURE_BELOW if unsure_below is None else unsure_below
        self._config = config
        self._store = store
        self._handbook = handbook
        self._t = templates
        self._classify = classify
        self._unsure_below = unsure_below
        self._facts = config.community.placeholders()
        self._staff_ids = frozenset(s.telegram_id for s in config.staff if s.telegram_id)
        self._handbook_texts: dict[str, str] = {}
        store.sync_staff(config.staff)

    @property
    def store(self) -> TicketStore:
        return self._store

    # ======================================================================================
    # entry point
    # ======================================================================================
    def handle(self, msg: Inbound) -> list[Outbound]:
        """Store ``msg``, act on it and return what to deliver; never raises for bad input."""
        try:
            if msg.edited:
                return self._edited(msg)
            with self._store.work() as w:
                # Stored before anything is acted on; one chat's messages one at a time, so its
                # dialogue state stays whole when several workers handle messages at once.
                row_id = w.claim_inbound(msg, lock_chat=True)
                if row_id is None:
                    logger.info("duplicate delivery of %s/%s ignored", msg.chat.channel, msg.message_id)
                    return []
                # Uncut here: staff replies reach the resident whole (transports split long texts);
                # a resident's message is cut, and said so, in _resident_turn.
                turn = Turn(w, msg, clean_text(msg.text, limit=None))
                self._dispatch(turn)
                w.set_inbound_ticket(row_id, turn.ticket_code)
                w.record_outbound(turn.out, at=msg.received_at, in_reply_to=row_id)
                return turn.out
        except IntegrityError as exc:
            if self._already_handled(msg):  # the same message raced in on another worker
                logger.info("concurrent duplicate of %s/%s ignored", msg.chat.channel, msg.message_id)
                return []
            _log_failure(msg, exc)
        except Exception as exc:  # noqa: BLE001 - the resident gets an apology, never a traceback
            _log_failure(msg, exc)
        return self._apologise(msg)

    def _edited(self, msg: Inbound) -> list[Outbound]:
        """Record an edit beside the original and note it on the original's ticket; nothing else.

        No new ticket and no second classification: the edit only tells staff what the
        resident changed. The same edit delivered again is a no-op.
        """
        with self._store.work() as w:
            row_id = w.claim_edit(msg)
            if row_id is None:
                logger.info("duplicate delivery of an edit of %s/%s ignored", msg.chat.channel, msg.message_id)
                return []
            original = w.original_of(msg)
            if msg.chat.channel == STAFF_CHANNEL or msg.sender_id in self._staff_ids or original is None \
                    or not original.ticket_code:
                return []  # staff edits are not passed on; an edit of a message about no ticket changes nothing
            ticket = w.ticket(original.ticket_code)
            resident = w.resident(msg.chat)
            if ticket is None or resident is None or ticket.resident_id != resident.id:
                return []
            text = clean_text(msg.text)
            w.add_event(ticket, at=msg.received_at, actor=f"resident:{resident.id}", kind=EventKind.EDITED,
                        text=text)
            w.set_inbound_ticket(row_id, ticket.code)
            out: list[Outbound] = []
            if ticket.agent_id is not None and ticket.is_open:
                out.append(Outbound(ticket_room(ticket.code), self._t.staff(
                    "relay_edit", t=ticket, resident=resident, before=clean_text(original.text), text=text,
                ), ticket=ticket.code))
            w.record_outbound(out, at=msg.received_at, in_reply_to=row_id)
            return out

    def _already_handled(self, msg: Inbound) -> bool:
        try:
            with self._store.work() as w:
                seen = w.inbound_seen(msg)
                return seen is not None and seen.outcome != "failed"
        except Exception:  # noqa: BLE001 - the database is failing: treat as not handled, apologise
            return False

    def _apologise(self, msg: Inbound) -> list[Outbound]:
        """Keep the failed message (so nothing is lost) and say sorry with the hotline."""
        lang = detect_language(msg.text, msg.language)
        try:
            with self._store.work() as w:
                resident = w.resident(msg.chat)
                if resident is not None:
                    lang = resident.language
                w.record_inbound(msg, outcome="failed")
        except Exception:
            logger.exception("could not even record failed message %s", msg.message_id)
        if msg.chat.channel == STAFF_CHANNEL:
            text = self._t.staff("error")
        else:
            text = self._t.resident("error", lang, hotline=self._facts["hotline"])
        return [Outbound(msg.chat, text)]

    def _dispatch(self, t: Turn) -> None:
        # Staff are the configured ones (mirrored at start-up): residents need no staff query.
        staff = t.w.staff_by_sender(t.msg.sender_id) if t.msg.sender_id in self._staff_ids else None
        if staff is not None:
            self._staff_turn(t, staff)
        elif t.msg.chat.channel == STAFF_CHANNEL:
            logger.info("message in a staff room from unknown sender ignored")
        else:
            self._resident_turn(t)

    # ======================================================================================
    # residents
    # ======================================================================================
    def _resident_turn(self, t: Turn) -> None:
        w, msg = t.w, t.msg
        if len(t.text) > MAX_TEXT_CHARS:  # tickets keep a bounded text; the inbound row keeps it all
            t.cut_from, t.text = len(t.text), t.text[:MAX_TEXT_CHARS]
        resident = w.resident_with_dialogue(msg.chat)
        if resident is None:
            resident = w.add_resident(
                msg.chat, name=msg.sender_name, language=detect_language(t.text, msg.language), at=t.now
            )
            first_contact = True
        else:
            first_contact = False
        changed = False
        if msg.phone and msg.phone != resident.phone:
            resident.phone, changed = msg.phone[:32], True
        if not resident.reachable:
            resident.reachable, changed = True, True
        spoken = clear_language(t.text) if not msg.language and not msg.action else None
        if spoken is not None and spoken != resident.language and not _chose_language(w, msg.chat):
            resident.language, changed = spoken, True  # reply in the language they write in, until /lang
        if changed:
            w.save(resident)
        r = _ResidentTurn(self, t, resident)
        r.run(first_contact)
        if t.cut_from:
            r.say_cut()


    # ======================================================================================
    # shared helpers
    # ======================================================================================
    def _fill(self, text: str) -> str:
        """Handbook text for a resident: {{key}} placeholders filled, Markdown made plain text (cached)."""
        plain = self._handbook_texts.get(text)
        if plain is None:
            plain = plain_markdown(fill_placeholders(text, self._facts))
            if len(self._handbook_texts) < 4096:  # the handbook is finite; a bound all the same
                self._handbook_texts[text] = plain
        return plain

    def _on_duty(self, w: Work) -> list[StaffMember]:
        """Staff on duty, from the configuration (the staff table mirrors it)."""
        return [s for s in self._config.staff if s.on_duty]

    def _ack_buttons(self, ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
        return ((Button("我来处理 (确认)", f"ack:{ticket.code}"),),)

    def _rate_row(self, ticket: Ticket) -> tuple[Button, ...]:
        return tuple(Button(f"{n}⭐", f"rate:{ticket.code}:{n}") for n in range(1, 6))

    def _rated_since_asked(self, w: Work, ticket: Ticket) -> bool:
        """True when the resident already rated this round of work (a reopened ticket is rated again)."""
        if ticket.rating is None:
            return False
        latest = w.latest_rating(ticket)
        asked = ticket.rating_requested_at
        return latest is None or asked is None or latest.at >= asked

    def _room_for(self, ticket: Ticket) -> ChatRef:
        """The staff room that follows a ticket of this kind."""
        return {
            TicketKind.REPAIR: ENGINEERING_ROOM,
            TicketKind.EMERGENCY: DUTY_ROOM,
        }.get(TicketKind(ticket.kind), AGENTS_ROOM)

    def _resident_chat(self, resident: Resident) -> ChatRef:
        return ChatRef(resident.channel, resident.chat_id)

    def _tell_resident(self, w: Work, ticket: Ticket, template: str, *, buttons=(), urgent: bool = False,
                       **ctx: Any) -> Outbound | None:
        resident = w.resident_by_id(ticket.resident_id)
        if resident is None:
            return None
        text = self._t.resident(template, resident.language, facts=self._facts, t=ticket, **ctx)
        return Outbound(self._resident_chat(resident), text, buttons=buttons, ticket=ticket.code, urgent=urgent)

    def _follow_up_and_archive(self, w: Work, ticket: Ticket, *, at: datetime, actor: str) -> None:
        """A satisfied rating is the plan's 回访; the ticket is then archived."""
        for action in (Action.FOLLOW_UP, Action.ARCHIVE):
            try:
                step = transition_for(ticket.kind, ticket.status, action)
            except IllegalTransition:
                continue
            w.set_status(ticket, step.target, at=at, actor=actor)

    def _request_rating(self, w: Work, ticket: Ticket, *, at: datetime, summary: str = "") -> Outbound | None:
        """Ask the resident to rate; ``summary`` is what staff say they did (the resident sees it)."""
        ticket.rating_requested_at = at
        ticket.rating_reminded_at = None
        w.save(ticket)
        return self._tell_resident(w, ticket, "rate_request", buttons=(self._rate_row(ticket),), summary=summary)

    # ======================================================================================
    # sweeps (bot/scheduler.py calls them with the current time)
    # ======================================================================================
    def repeat_alerts(self, *, now: datetime) -> list[Outbound]:
        """Re-alert the duty room about unacknowledged emergencies; after the SLA, the manager too."""
        out: list[Outbound] = []
        repeat = self._config.timers.alert_repeat
        with self._store.work() as w:
            on_duty = None
            for ticket in w.unacknowledged_emergencies():
                if ticket.last_alert_at is None or now - ticket.last_alert_at >= repeat:
                    on_duty = on_duty if on_duty is not None else self._on_duty(w)
                    ticket.alert_count += 1
                    ticket.last_alert_at = now
                    w.add_event(ticket, at=now, actor=DESK, kind=EventKind.ALERT, text=str(ticket.alert_count))
                    out.append(Outbound(DUTY_ROOM, self._t.staff(
                        "emergency_alert", t=ticket, resident=w.resident_by_id(ticket.resident_id),
                        repeat=ticket.alert_count, on_duty=on_duty, facts=self._facts,
                    ), buttons=self._ack_buttons(ticket), ticket=ticket.code, urgent=True))
                if ticket.escalated_at is None and ticket.respond_due is not None and now >= ticket.respond_due:
                    out.append(self._escalate(w, ticket, now=now, reason="unacknowledged"))
                w.save(ticket)
            w.record_outbound(out, at=now, in_reply_to=None)
        return out

    def escalate_overdue(self, *, now: datetime) -> list[Outbound]:
        """Tell the manager, once per ticket, about tickets past their response or resolution deadline."""
        out: list[Outbound] = []
        with self._store.work() as w:
            for ticket in w.overdue(now):
                late_response = ticket.responded_at is None and ticket.respond_due is not None \
                    and ticket.respond_due < now
                out.append(self._escalate(w, ticket, now=now,
                                          reason="no_response" if late_response else "not_resolved"))
                w.save(ticket)
            w.record_outbound(out, at=now, in_reply_to=None)
        return out

    def _escalate(self, w: Work, ticket: Ticket, *, now: datetime, reason: str) -> Outbound:
        ticket.escalated_at = now
        w.add_event(ticket, at=now, actor=DESK, kind=EventKind.ESCALATED, text=reason)
        logger.info("ticket %s escalated to the manager (%s)", ticket.code, reason)
        text = self._t.staff("escalation", t=ticket, reason=reason, resident=w.resident_by_id(ticket.resident_id),
                             assignee=w.staff_by_id(ticket.assignee_id), agent=w.staff_by_id(ticket.agent_id),
                             now=now, facts=self._facts)
        return Outbound(MANAGER_ROOM, text, buttons=((Button("接管对话", f"take:{ticket.code}"),),),
                        ticket=ticket.code, urgent=ticket.kind == TicketKind.EMERGENCY)

    def remind_unrated(self, *, now: datetime) -> list[Outbound]:
        """One reminder to rate a finished ticket when the first request is unanswered after 48 h."""
        out: list[Outbound] = []
        after = self._config.timers.rating_reminder_after
        with self._store.work() as w:
            for ticket in w.unrated(now - after):
                ticket.rating_reminded_at = now
                w.save(ticket)
                w.add_event(ticket, at=now, actor=DESK, kind=EventKind.REMINDED)
                message = self._tell_resident(w, ticket, "rate_reminder", buttons=(self._rate_row(ticket),))
                if message is not None:
                    out.append(message)
            w.record_outbound(out, at=now, in_reply_to=None)
        return out

    def delivery_failed(self, to: ChatRef, *, reason: str, now: datetime, ticket: str | None = None) -> list[Outbound]:
        """A transport could not deliver to ``to``: mark the resident unreachable and ask staff to phone."""
        if to.channel == STAFF_CHANNEL:
            logger.warning("delivery to staff room %s failed: %s", to.id, reason)
            return []
        out: list[Outbound] = []
        with self._store.work() as w:
            resident = w.resident(to)
            if resident is None:
                return []
            first_failure = resident.reachable
            resident.reachable = False
            w.save(resident)
            row = w.ticket(ticket) if ticket else None
            if row is not None and row.resident_id == resident.id:
                w.add_event(row, at=now, actor=DESK, kind=EventKind.DELIVERY_FAILED, text=reason[:200])
            else:
                row = None
            if first_failure:
                out.append(Outbound(AGENTS_ROOM, self._t.staff(
                    "delivery_failed", resident=resident, t=row, reason=reason[:200], facts=self._facts,
                ), ticket=row.code if row else None))
            w.record_outbound(out, at=now, in_reply_to=None)
        logger.warning("delivery to a resident failed: %s", reason)
        return out

    def _staff_turn(self, t: Turn, staff: Staff) -> None:
        _StaffTurn(self, t, staff).run()


class _ResidentTurn:
    """One resident message: commands, buttons, pending questions, then classification."""

    def __init__(self, desk: ServiceDesk, t: Turn, resident: Resident) -> None:
        self.d = desk
        self.t = t
        self.w = t.w
        self.resident = resident
        self.chat = t.msg.chat
        self.dlg = t.w.dialogue(t.msg.chat)

    # -- helpers ----------------------------------------------------------------------------
    @property
    def lang(self) -> str:
        return self.resident.language

    def say(self, template: str, *, buttons: tuple[tuple[Button, ...], ...] = (), ticket: str | None = None,
            urgent: bool = False, request_phone: bool = False, **ctx: Any) -> None:
        text = self.d._t.resident(template, self.lang, facts=self.d._facts, **ctx)
        self.t.out.append(Outbound(self.chat, text, buttons=buttons, ticket=ticket, urgent=urgent,
                                   request_phone=request_phone))

    def staff(self, room: ChatRef, template: str, *, buttons: tuple[tuple[Button, ...], ...] = (),
              ticket: str | None = None, urgent: bool = False, **ctx: Any) -> None:
        text = self.d._t.staff(template, facts=self.d._facts, **ctx)
        self.t.out.append(Outbound(room, text, buttons=buttons, ticket=ticket, urgent=urgent))

    def say_cut(self) -> None:
        """An overlong message was cut: tell the resident, and note it on the ticket it went to."""
        chars, kept = self.t.cut_from, MAX_TEXT_CHARS
        ticket = self.own_ticket(self.t.ticket_code) if self.t.ticket_code else None
        if ticket is not None:
            self.w.add_event(ticket, at=self.t.now, actor=DESK, kind=EventKind.NOTE,
                             text=f"业主的消息共 {chars} 字，工单里只记录了前 {kept} 字；全文保存在收到的消息记录中。")
        self.say("text_cut", chars=chars, kept=kept, ticket=ticket.code if ticket else None)

    def set_state(self, state: str, **data: Any) -> None:
        paused = (self.dlg.data or {}).get("paused")
        if paused and "paused" not in data:
            data["paused"] = paused  # an unfinished application stays aside until resumed or cancelled
        self.w.set_dialogue(self.chat, state, data, at=self.t.now)
        self.dlg = DialogueState(state, json.loads(json.dumps(data)))  # as a later read would see it

    def idle(self, focus: str | None = None) -> None:
        self.set_state(State.IDLE, **({"focus": focus} if focus else {}))

    def flat_label(self) -> str:
        r = self.resident
        if not r.building or not r.room:
            return ""
        return f"{r.building}栋{r.unit + '单元' if r.unit else ''}{r.room}"

    def own_ticket(self, code: str, *, lock: bool = False) -> Ticket | None:
        """The resident's own ticket ``code``; another resident's ticket is as good as unknown."""
        ticket = self.w.ticket(code, lock=lock)
        if ticket is None or ticket.resident_id != self.resident.id:
            return None
        return ticket

    # -- the turn ---------------------------------------------------------------------------
    def run(self, first_contact: bool) -> None:
        msg, text = self.t.msg, self.t.text
        if msg.action:
            self.on_button(msg.action)
            return
        command = parse_command(text)
        if command is not None and command.name in RESIDENT_COMMANDS:
            self.on_command(command, first_contact)
            return
        if command is not None:
            self.say("unknown_command", name=command.name)
            return
        if wants_human(text):
            self.hand_to_person(text)
            return
        if not text and not msg.attachments:
            if msg.phone:
                self.say("phone_saved")
            else:
                self.say("empty")
            return
        state = self.dlg.state
        if state == State.WITH_AGENT:
            self.relay_to_agent(text)
            return
        if first_contact and not text:
            self.ask_flat(pending="", attachments=self.attachments_data())
            return
        if state == State.NEED_FLAT or first_contact:
            self.answer_flat(text, first_contact)
            return
        phone = parse_phone(text) if not msg.attachments and state in (State.IDLE, State.CHOOSE_INTENT) else None
        if phone is not None:  # "方便的话请分享您的手机号" answered by typing it
            self.resident.phone = phone[:32]
            self.w.save(self.resident)
            self.say("phone_saved")
            return
        if state == State.EMERGENCY_WHERE:
            if self.locate_emergency(text):
                return
            self.idle(focus=self.dlg.get("focus"))  # something else: handled as usual below
            state = State.IDLE
        if state == State.ADDING:
            self.add_to_ticket(self.dlg.get("ticket", ""), text)
            return
        if state == State.RATING_REASON:
            self.rating_reason(text)
            return
        if state == State.RENOVATION and not self.is_emergency(text):
            step = self.dlg.get("step", "dates")
            if text and self.leaves_question(text):
                self.pause_and_handle(text)
                return
            if text and step == "dates" and says_undecided(text):
                self.renovation_step("", skipped=True)  # "不知道" is an answer: not decided yet
                return
            if text and step == "dates" and not looks_like_dates(text):
                self.say("renovation_ask", step=step, retry=True, buttons=self.reno_buttons(step, retry=True))
                return  # a date question needs dates (or "skip"), not whatever came next
            self.renovation_step(text)
            return
        if state == State.REPORT and msg.attachments and text and not self.is_emergency(text):
            self.report_caption(text)  # a photo's caption adds to the report; the question still stands
            return
        waiting_place = state == State.REPORT and self.dlg.get("waiting") == "place"
        if waiting_place and text and (is_question(text) or self.leaves_question(text)) and not parse_flat(text):
            self.pause_and_handle(text)  # "How much is parking?" is not where the tap leaks
            return
        if waiting_place and len(text) <= 20 and (
                parse_flat(text) or mentions_home(text) or mentions_public_place(text)):
            self.report_step(text)  # an address, however alarming it looks to the classifier
            return
        if state == State.REPORT and text and self.leaves_question(text):
            self.pause_and_handle(text)
            return
        if state == State.REPORT and not self.is_emergency(text):
            if not text or not self.is_new_request(text) or mentions_home(text) or mentions_public_place(text):
                self.report_step(text)
                return
            self.idle()  # a new request replaces the unfinished one
        if state == State.IDLE and self.answers_kept_renovation(text):
            self.resume(answer="" if _NEW_APPLICATION.match(text) else text)
            return
        self.on_free_message(text)

    def leaves_question(self, text: str) -> bool:
        """A clearly different request (another intent, read confidently) rather than the answer we wait for."""
        if is_data(text) or is_bare_report(text) or wants_human(text):
            return False
        pending = Intent.RENOVATION.value if self.dlg.state == State.RENOVATION else self.dlg.get("kind", "")
        c = self.d._classify(text)
        return c.intent not in (Intent.OTHER, Intent.EMERGENCY) and c.intent.value != pending \
            and c.confidence >= max(self.d._unsure_below, CLEARLY_ANOTHER_REQUEST)

    def pause_pending(self) -> None:
        """Keep the unfinished application/report aside (the "resume" button brings it back)."""
        self.set_state(State.IDLE, paused=_set_aside(self.dlg))

    def say_paused(self) -> None:
        paused = (self.dlg.data or {}).get("paused")
        if paused:
            self.say("paused", what=paused.get("state", ""),
                     buttons=((Button(self.label("resume"), "resume"),),))

    def pause_and_handle(self, text: str) -> None:
        """A new request while we wait for an answer: handle it, and say the unfinished one is kept."""
        self.pause_pending()
        self.on_free_message(text)
        self.say_paused()

    def resume(self, answer: str = "") -> None:
        """Bring back the kept application/report; ``answer`` (if any) answers its pending step."""
        paused = (self.dlg.data or {}).get("paused")
        if not paused or paused.get("state") not in RESUMABLE:
            self.say("expired")
            return
        self.set_state(paused["state"], **paused.get("data", {}), paused=None)
        if paused["state"] == State.RENOVATION:
            step = self.dlg.get("step", "dates")
            if answer and (step != "dates" or looks_like_dates(answer)):
                self.renovation_step(answer)
                return
            self.say("renovation_ask", step=step, retry=False, buttons=self.reno_buttons(step))
        else:
            self.report_step("", fresh=True)

    def kept_renovation(self) -> bool:
        paused = (self.dlg.data or {}).get("paused")
        return bool(paused) and paused.get("state") == State.RENOVATION

    def answers_kept_renovation(self, text: str) -> bool:
        """A message about renovation while an application is kept aside continues that one.

        After a hand-over the resident simply types the next answer ("厨房卫生间翻新、刷墙、不动
        结构"); starting a new application would throw the kept answers away.
        """
        if not text or not self.kept_renovation() or is_question(text) or self.is_emergency(text):
            return False
        c = self.d._classify(text)
        if c.intent == Intent.RENOVATION:
            return True
        step = ((self.dlg.get("paused") or {}).get("data") or {}).get("step", "dates")
        confidently_else = c.intent != Intent.OTHER and c.confidence >= self.d._unsure_below
        return step == "dates" and looks_like_dates(text) and not confidently_else  # "12月1日到月底"

    def report_caption(self, text: str) -> None:
        """A captioned photo while a report is pending: the caption is an addition, not the answer."""
        data = dict(self.dlg.data or {})
        data["attachments"] = list(data.get("attachments", [])) + self.attachments_data()
        data["notes"] = list(data.get("notes", [])) + [text[:500]]
        self.set_state(State.REPORT, **data)
        self.report_step("", fresh=True)

    def is_emergency(self, text: str) -> bool:
        """A confident emergency, which interrupts any pending question (a date or number never does)."""
        if not text or is_data(text):
            return False
        c = self.d._classify(text)
        return c.intent == Intent.EMERGENCY and c.confidence >= self.d._unsure_below

    def caption_belongs_to(self, ticket: Ticket, text: str) -> bool:
        """A photo's caption adds to the ticket in focus unless it is clearly another matter.

        Another matter: an emergency, or a request of another kind, or one of the same
        kind long after the ticket was opened (the reply names the ticket either way).
        """
        if self.is_emergency(text) or not self.is_new_request(text):
            return not self.is_emergency(text)
        same_kind = self.d._classify(text).intent.value == ticket.kind
        return same_kind and self.t.now - ticket.opened_at <= CAPTION_BELONGS_WITHIN

    def is_new_request(self, text: str) -> bool:
        """A message that is clearly a request of its own rather than an answer to our question."""
        c = self.d._classify(text)
        return c.intent not in (Intent.OTHER,) and c.confidence >= self.d._unsure_below and (
            c.intent != Intent.REPAIR or not parse_flat(text)) and not is_bare_report(text)

    def on_free_message(self, text: str) -> None:
        msg = self.t.msg
        mentioned = [c for c in find_codes(text) if self.own_ticket(c) is not None]
        if mentioned and not self.is_emergency(text):
            self.add_to_ticket(mentioned[0], text)
            return
        if not text:  # a photo, voice note or document without words
            self.on_bare_attachments()
            return
        focus = self.own_ticket(self.dlg.get("focus", "")) if msg.attachments else None
        if focus is not None and focus.is_open and self.caption_belongs_to(focus, text):
            self.add_to_ticket(focus.code, text)  # a captioned photo of the ticket just opened
            return
        if names_only_the_kind(text):  # "我要报修": the words say the kind, nothing else ("装修" is not one)
            kind = TicketKind.COMPLAINT if _COMPLAINT_WORD.search(text) else TicketKind.REPAIR
            self.start_report(kind, text, Classification(intent=Intent(kind.value), confidence=1.0),
                              [_att_dict(a) for a in msg.attachments])
            return
        self.route(text, self.d._classify(text), attachments=[_att_dict(a) for a in msg.attachments])

    # -- commands and buttons ---------------------------------------------------------------
    def on_command(self, command: Command, first_contact: bool) -> None:
        match command.name:
            case "start":
                if self.resident.building:
                    self.say("welcome_back", name=self.resident.name, flat=self.flat_label())
                else:
                    self.ask_flat(pending="", welcome=True)
            case "help":
                self.pause_if_pending()
                self.say("help")
                self.say_paused()
            case "my":
                self.pause_if_pending()
                self.list_tickets()
                self.say_paused()
            case "human":
                self.hand_to_person(command.rest)
            case "cancel":
                self.cancel_pending()
            case "lang":
                self.set_language(command.arg(0) or "")

    def on_button(self, action: str) -> None:
        kind, _, rest = action.partition(":")
        match kind:
            case "intent":
                self.chose_intent(rest)
            case "human":
                self.hand_to_person("")
            case "helpful":
                self.helpful(rest == "yes")
            case "kb":
                self.show_suggestion(rest)
            case "place":
                self.report_step("", use_home=True)
            case "reno":
                self.start_renovation()
            case "skip":
                self.skip()
            case "show":
                self.show_ticket(rest)
            case "add":
                self.choose_ticket_to_add(rest)
            case "cancel":
                code, _, confirmed = rest.partition(":")
                if confirmed == "yes":
                    self.cancel_ticket(code)
                else:
                    self.confirm_cancel(code)  # withdrawing is final: one more press to be sure
            case "rate":
                code, _, score = rest.rpartition(":")
                self.rate(code, score)
            case "lang":
                self.set_language(rest)
            case "resume":
                self.resume()
            case _:
                self.say("expired")

    def pause_if_pending(self) -> None:
        """/my or /help in the middle of an application: it is kept aside, not fed the next message."""
        if self.dlg.state in RESUMABLE:
            self.pause_pending()

    def set_language(self, lang: str) -> None:
        lang = lang.strip().lower()[:2]
        if lang not in ("zh", "en"):
            self.say("lang_usage")
            return
        self.resident.language = lang
        self.w.save(self.resident)
        self.say("lang_set")

    # -- registration -----------------------------------------------------------------------
    def ask_flat(self, *, pending: str, welcome: bool = False, attachments: list[dict] | None = None) -> None:
        self.set_state(State.NEED_FLAT, pending=pending, attachments=attachments or [], tries=0)
        self.say("ask_flat", welcome=welcome, buttons=((Button(self.label("skip"), "skip"),),))

    def label(self, name: str) -> str:
        return self.d._t.label(name, self.lang)

    def answer_flat(self, text: str, first_contact: bool) -> None:
        flat = parse_flat(text)
        # The flat often comes with the problem itself ("9栋3单元701客厅灯不亮了"): register the flat
        # AND act on the problem; only the words introducing a flat ("我住…") ask for nothing.
        besides = words_besides_flat(text) if flat is not None else ""
        asks = bool(besides) and self.d._classify(besides).intent != Intent.OTHER
        only_flat = flat is not None and not asks
        if not only_flat and self.is_emergency(text):  # danger never waits for registration
            self.route(text, self.d._classify(text), attachments=self.attachments_data())
            return
        if first_contact:
            if flat is None:
                wants_something = bool(text) and self.d._classify(text).intent != Intent.OTHER
                self.ask_flat(pending=text if wants_something else "", welcome=True,
                              attachments=self.attachments_data())
                return
            pending = text if asks else ""
            attachments = self.attachments_data()
        else:
            pending = self.dlg.get("pending", "")
            attachments = self.dlg.get("attachments", []) + self.attachments_data()
            if flat is None:
                tries = self.dlg.get("tries", 0) + 1
                is_request = bool(text) and self.d._classify(text).intent != Intent.OTHER
                if tries >= 2 or is_request:
                    # Don't hold a real request hostage to registration: go on without a flat.
                    # A new request is the one to act on (it usually restates the pending one).
                    self.idle()
                    self.say("flat_later")
                    self.route_pending(text if is_request else pending, attachments)
                    return
                self.set_state(State.NEED_FLAT, pending=pending, attachments=attachments, tries=tries)
                self.say("flat_not_understood", buttons=((Button(self.label("skip"), "skip"),),))
                return
            if asks:
                # The answer brings its own request: that is the one to act on (it usually restates
                # the pending one, and names the flat the problem is in).
                pending = text
        self.resident.building, self.resident.unit, self.resident.room = flat.building, flat.unit, flat.room
        self.w.save(self.resident)
        self.idle()
        self.say("flat_registered", flat=flat.label(), ask_phone=not self.resident.phone,
                 request_phone=not self.resident.phone)
        if pending:
            self.route_pending(pending, attachments)

    def route_pending(self, text: str, attachments: list[dict]) -> None:
        if text:
            self.route(text, self.d._classify(text), attachments=attachments)

    def skip(self) -> None:
        state = self.dlg.state
        if state == State.NEED_FLAT:
            self.idle()
            self.say("flat_later")
            self.route_pending(self.dlg.get("pending", ""), self.dlg.get("attachments", []))
        elif state == State.RENOVATION:
            self.renovation_step("", skipped=True)
        elif state == State.RATING_REASON:
            self.rating_reason("")
        else:
            self.say("expired")

    # -- routing by intent ------------------------------------------------------------------
    def route(self, text: str, c: Classification, *, attachments: list[dict]) -> None:
        if c.intent == Intent.EMERGENCY and is_data(text):
            # A flat number or a date alone is not an alarm, whatever the classifier made of the digits.
            c = Classification(intent=Intent.OTHER, confidence=c.confidence)
        if c.intent == Intent.EMERGENCY and c.confidence >= self.d._unsure_below:
            self.emergency(text, c, attachments)
            return
        if c.confidence < self.d._unsure_below:
            if text and not has_words(text) and not attachments:  # a photo is never dropped
                # Digits, a code or junk: nothing to choose a kind from (least of all an emergency).
                self.idle()
                self.say("no_words")
                return
            # Unsure: a handbook answer to a question is still the best reply; else let them choose.
            if is_question(text) and c.intent in (Intent.INQUIRY, Intent.OTHER):
                self.inquiry(text, c, attachments)
            else:
                self.offer_choices(text, c, attachments)
            return
        match c.intent:
            case Intent.REPAIR | Intent.COMPLAINT:
                kind = TicketKind.REPAIR if c.intent == Intent.REPAIR else TicketKind.COMPLAINT
                self.start_report(kind, text, c, attachments)
            case Intent.RENOVATION:
                self.renovation(text)
            case Intent.INQUIRY:
                self.inquiry(text, c, attachments)
            case _:
                answer = self.d._handbook.answer(text) if is_question(text) else None
                if answer is not None:
                    self.inquiry(text, c, attachments)
                elif is_question(text):  # a question off our topics: say we have no answer, offer a person
                    self.inquiry(text, Classification(intent=Intent.INQUIRY, confidence=1.0), attachments)
                else:
                    self.say("other", registered=bool(self.resident.building))

    def offer_choices(self, text: str, c: Classification, attachments: list[dict]) -> None:
        # In the classifier's order (it puts a demoted emergency last); an emergency only with some
        # evidence for it, since choosing one pages the whole duty team.
        ranked = [i for i, p in c.alternatives if i in CHOOSABLE and (
            i != Intent.EMERGENCY or i == c.intent or p >= EMERGENCY_CHOICE_FROM)]
        if c.intent in CHOOSABLE and c.intent not in ranked:
            ranked.insert(0, c.intent)
        for intent in (Intent.REPAIR, Intent.COMPLAINT, Intent.INQUIRY):
            if intent not in ranked:
                ranked.append(intent)
        rows = tuple((Button(self.label(f"intent_{i.value}"), f"intent:{i.value}"),) for i in ranked[:4])
        rows += ((Button(self.label("human"), "human"),),)
        self.set_state(State.CHOOSE_INTENT, text=text, attachments=attachments)
        self.say("choose_intent", buttons=rows)

    def chose_intent(self, value: str) -> None:
        if self.dlg.state != State.CHOOSE_INTENT:
            self.say("expired")
            return
        try:
            intent = Intent(value)
        except ValueError:
            self.say("expired")
            return
        text, attachments = self.dlg.get("text", ""), self.dlg.get("attachments", [])
        self.idle()
        chosen = Classification(intent=intent, confidence=1.0,
                                emergency=self.d._classify(text).emergency if intent == Intent.EMERGENCY else None)
        if intent == Intent.EMERGENCY:
            self.emergency(text, chosen, attachments)  # the resident says so: acted on, whatever the words
            return
        self.route(text, chosen, attachments=attachments)

    # -- emergency --------------------------------------------------------------------------
    def emergency(self, text: str, c: Classification, attachments: list[dict]) -> None:
        kind = c.emergency.value if c.emergency else None
        for open_ticket in self.w.tickets_of(self.resident.id, open_only=True, limit=10):
            if (open_ticket.kind == TicketKind.EMERGENCY and open_ticket.category == kind
                    and self.t.now - open_ticket.opened_at < DUPLICATE_EMERGENCY_WINDOW):
                # The same emergency reported again: one ticket, the update goes to the duty room.
                self.w.add_event(open_ticket, at=self.t.now, actor=self.actor, kind=EventKind.MESSAGE, text=text)
                self.attach(open_ticket, attachments)
                self.t.ticket_code = open_ticket.code
                self.say("emergency_update", code=open_ticket.code, ticket=open_ticket.code, urgent=True)
                self.staff(DUTY_ROOM, "emergency_update", ticket=open_ticket.code, urgent=True,
                           t=open_ticket, text=text, buttons=self.d._ack_buttons(open_ticket))
                return
        entry = self.d._handbook.emergency_guidance(kind) if kind else None
        guidance = self.d._fill(entry.answer) if entry else ""
        place, building, unit, room = self.place_of(text, c, prefer_home=False)
        if not (building or room or mentions_home(text)):
            place = ""  # "电梯" alone says what, not where: the alert says 未说明 and we ask
        ticket = self.open_ticket(TicketKind.EMERGENCY, Priority.URGENT, text, place, building, unit, room,
                                  category=kind, attachments=attachments)
        ticket.last_alert_at = self.t.now
        ticket.alert_count = 1
        self.w.save(ticket)
        self.say("emergency_guidance", kind=kind or "", guidance=guidance,
                 title=entry.title if entry else "", code=ticket.code, ticket=ticket.code, urgent=True,
                 respond=self.d._config.sla_for(TicketKind.EMERGENCY, Priority.URGENT).respond)
        self.staff(DUTY_ROOM, "emergency_alert", ticket=ticket.code, urgent=True, t=ticket,
                   resident=self.resident, repeat=1, on_duty=self.d._on_duty(self.w),
                   buttons=self.d._ack_buttons(ticket))
        if ticket.place:
            self.idle(focus=ticket.code)
            return
        # After the guidance (never before it): where is it? The answer goes to the duty room.
        self.set_state(State.EMERGENCY_WHERE, focus=ticket.code)
        self.say("emergency_where", kind=kind or "", ticket=ticket.code)

    def locate_emergency(self, text: str) -> bool:
        """The answer to "where is it?": the E- ticket gets the place and the duty room is told."""
        ticket = self.own_ticket(self.dlg.get("focus", ""), lock=True)
        if ticket is None or not ticket.is_open or not text or len(text) > 60 or not names_a_place(text):
            return False
        if self.is_new_request(text) and self.d._classify(text).intent != Intent.EMERGENCY:
            return False  # "厨房水龙头漏水" names a place but is a new request, not the answer
        place, building, unit, room = self.place_of(text, None, prefer_home=False)
        if not parse_flat(text) and not (mentions_home(text) and self.resident.building):
            place = text[:200]  # their own words say it best ("5栋2单元的电梯里")
        ticket.place, ticket.building, ticket.unit, ticket.room = place, building, unit, room
        ticket.updated_at = self.t.now
        self.w.save(ticket)
        self.w.add_event(ticket, at=self.t.now, actor=self.actor, kind=EventKind.MESSAGE, text=text)
        self.attach(ticket, self.attachments_data())
        self.idle(focus=ticket.code)
        self.t.ticket_code = ticket.code
        self.say("emergency_located", code=ticket.code, place=place, ticket=ticket.code, urgent=True)
        self.staff(DUTY_ROOM, "emergency_located", ticket=ticket.code, urgent=True, t=ticket, text=text,
                   buttons=() if ticket.responded_at else self.d._ack_buttons(ticket))
        return True

    # -- repair and complaint ---------------------------------------------------------------
    def start_report(self, kind: TicketKind, text: str, c: Classification, attachments: list[dict]) -> None:
        description = "" if is_bare_report(text) else text
        place = self.place_of(text, c, prefer_home=kind == TicketKind.COMPLAINT)
        category = _category(c)
        data = {"kind": kind.value, "description": description, "place": list(place) if place[0] else None,
                "attachments": attachments, "category": category}
        self.set_state(State.REPORT, **data)
        self.report_step("", fresh=True)

    def place_of(self, text: str, c: Classification | None, *, prefer_home: bool) -> tuple[str, str | None, str | None, str | None]:
        """(label, building, unit, room) of where the problem is; label "" when unknown."""
        if c is not None and c.place is not None and (c.place.building or c.place.room):
            p = c.place
            building = p.building or self.resident.building
            return p.label() or text[:40], building, p.unit, p.room
        flat = parse_flat(text)
        if flat is not None:
            return flat.label(), flat.building, flat.unit, flat.room
        r = self.resident
        if mentions_home(text) and r.building:
            return self.flat_label(), r.building, r.unit, r.room
        if mentions_public_place(text):
            building = parse_building(text)
            label = self.d._t.resident("public_place", "zh", building=building)  # stored for staff, who read Chinese
            return label, building, None, None
        if prefer_home and r.building:
            return self.flat_label(), r.building, r.unit, r.room
        return "", None, None, None

    def report_step(self, text: str, *, use_home: bool = False, fresh: bool = False) -> None:
        if self.dlg.state != State.REPORT:
            self.say("expired")
            return
        data = dict(self.dlg.data or {})
        kind = TicketKind(data["kind"])
        attachments = list(data.get("attachments", []))
        if not fresh:  # a fresh report already holds this message's files
            attachments += self.attachments_data()
        data["attachments"] = attachments
        waiting = data.get("waiting")
        if use_home:
            if not self.resident.building:
                self.say("no_flat_registered")
                return
            r = self.resident
            data["place"] = [self.flat_label(), r.building, r.unit, r.room]
        elif text and not fresh:
            if waiting == "place":
                place = self.place_of(text, None, prefer_home=False)
                if not parse_flat(text) and not (mentions_home(text) and self.resident.building):
                    place = (text[:200], parse_building(text), None, None)  # their own words say where
                data["place"] = list(place)
                flat = parse_flat(text)
                if not data.get("description") and not flat and not mentions_home(text) and len(text) > 12:
                    data["description"] = text
            elif waiting == "description":
                data["description"] = text
                if not data.get("place"):
                    place = self.place_of(text, None, prefer_home=False)
                    if place[0]:
                        data["place"] = list(place)
        if not data.get("description"):
            data["waiting"] = "description"
            self.set_state(State.REPORT, **data)
            self.say("ask_what", kind=kind.value)
            return
        if kind == TicketKind.REPAIR and not data.get("place"):
            data["waiting"] = "place"
            self.set_state(State.REPORT, **data)
            flat = place_en(self.flat_label()) if self.lang == "en" else self.flat_label()
            buttons = ((Button(self.label("my_flat") + f" {flat}", "place:home"),),) \
                if self.resident.building else ()
            self.say("ask_where", buttons=buttons)
            return
        place = data.get("place") or ["", None, None, None]
        description = data["description"]
        if data.get("notes"):  # photo captions sent while we asked: additions, kept apart from the report
            description = f"{description}\n补充：{'；'.join(data['notes'])}"
        priority = Priority.HIGH if is_pressing(description) else Priority.NORMAL
        ticket = self.open_ticket(kind, priority, description, place[0] or "", place[1], place[2], place[3],
                                  category=data.get("category"), attachments=attachments)
        self.idle(focus=ticket.code)
        sla = self.d._config.sla_for(kind, priority)
        self.say("ticket_opened", t=ticket, respond=sla.respond, resolve=sla.resolve,
                 photos=len(attachments), ticket=ticket.code)
        if kind == TicketKind.REPAIR:
            self.staff(ENGINEERING_ROOM, "repair_new", t=ticket, resident=self.resident, photos=len(attachments),
                       ticket=ticket.code,
                       buttons=((Button("接单", f"grab:{ticket.code}"),
                                 Button("接管对话", f"take:{ticket.code}")),))
        else:
            self.staff(AGENTS_ROOM, "complaint_new", t=ticket, resident=self.resident, photos=len(attachments),
                       ticket=ticket.code, buttons=((Button("接管对话", f"take:{ticket.code}"),),))

    @property
    def actor(self) -> str:
        return f"resident:{self.resident.id}"

    def open_ticket(self, kind: TicketKind, priority: Priority, description: str, place: str,
                    building: str | None, unit: str | None, room: str | None, *, category: str | None,
                    attachments: list[dict], details: dict[str, Any] | None = None) -> Ticket:
        now = self.t.now
        day = now.astimezone(self.d._config.timezone).strftime("%Y%m%d")
        sla = self.d._config.sla_for(kind, priority)
        ticket = self.w.open_ticket(
            code=self.w.next_code(kind, day), kind=kind, status=INITIAL[kind], priority=priority,
            resident=self.resident, description=description, place=place, building=building, unit=unit,
            room=room, category=category, at=now, respond_due=now + sla.respond, resolve_due=now + sla.resolve,
            details=details, actor=self.actor,
        )
        self.attach(ticket, attachments)
        self.t.ticket_code = ticket.code
        logger.info("ticket %s opened", ticket.code)
        return ticket

    def attachments_data(self) -> list[dict]:
        return [_att_dict(a) for a in self.t.msg.attachments]

    def attach(self, ticket: Ticket, attachments: list[dict]) -> None:
        for a in attachments:
            self.w.add_file(ticket, _att_from_dict(a), by=self.actor, at=self.t.now)

    # -- inquiry ----------------------------------------------------------------------------
    def inquiry(self, text: str, c: Classification, attachments: list[dict]) -> None:
        answer = self.d._handbook.answer(text)
        if answer is None and c.intent == Intent.INQUIRY and c.confidence >= self.d._unsure_below:
            # A question the handbook cannot answer: say so and offer a person (never the same menu again).
            self.set_state(State.IDLE, question=text[:500], attachments=attachments)
            # Entries that may be it, as buttons the resident can check, before waiting for a person.
            suggested = tuple((Button(_suggestion_label(entry), self.suggestion_action(entry)),)
                              for entry in self.d._handbook.suggest(text))
            self.say("no_answer", suggested=bool(suggested),
                     buttons=suggested + ((Button(self.label("human"), "human"),),))
            return
        if answer is None:
            self.offer_choices(text, c, attachments)
            return
        self.set_state(State.IDLE, question=text[:500], answered=answer.title)
        self.say("answer", title=answer.title, text=self.d._fill(answer.text),
                 buttons=((Button(self.label("helpful_yes"), "helpful:yes"),
                           Button(self.label("helpful_no"), "helpful:no")),))

    def suggestion_action(self, entry: Entry) -> str:
        """``kb:<index>:<check>``: the entry's place in the handbook and a checksum of its title, so a
        button from before a handbook reload cannot show whatever entry now sits at that index."""
        index = self.d._handbook.entries.index(entry)
        return f"kb:{index}:{_title_check(entry.title)}"

    def show_suggestion(self, ref: str) -> None:
        """A suggested entry was pressed: its answer, as a chosen answer, with the helpful buttons."""
        entry = _suggested_entry(self.d._handbook, ref)
        if entry is None:
            self.say("suggestion_gone", buttons=((Button(self.label("human"), "human"),),))
            return
        if self.dlg.state == State.IDLE:
            # The question stays with the chat, so "没解决" then 转人工 still hands it over with its photos.
            self.set_state(State.IDLE, question=self.dlg.get("question", ""),
                           attachments=self.dlg.get("attachments", []), answered=entry.title)
        # In any other state (an application, a chat with a person) this is only a look-up: nothing changes.
        self.say("answer", title=entry.title, text=self.d._fill(entry.answer),
                 buttons=((Button(self.label("helpful_yes"), "helpful:yes"),
                           Button(self.label("helpful_no"), "helpful:no")),))

    def helpful(self, yes: bool) -> None:
        if yes:
            self.say("helpful_thanks")
        else:
            self.say("helpful_sorry", buttons=((Button(self.label("human"), "human"),),))

    # -- renovation -------------------------------------------------------------------------
    def renovation(self, text: str) -> None:
        answer = self.d._handbook.answer(text) if is_question(text) else None
        if answer is not None:
            self.set_state(State.IDLE, question=text[:500], answered=answer.title)
            self.say("answer", title=answer.title, text=self.d._fill(answer.text),
                     buttons=((Button(self.label("reno_start"), "reno:start"),),
                              (Button(self.label("helpful_yes"), "helpful:yes"),
                               Button(self.label("helpful_no"), "helpful:no"))))
            return
        if self.kept_renovation():  # e.g. 装修申请 chosen from the choices: go on with the kept one
            self.resume(answer="" if _NEW_APPLICATION.match(text) else text)
            return
        self.start_renovation(scope=text)

    def start_renovation(self, scope: str = "") -> None:
        if self.kept_renovation():
            self.resume()  # one application at a time: the kept one, not a second empty one
            return
        docs = self.d._handbook.answer(RENOVATION_DOCS_QUESTION)
        self.set_state(State.RENOVATION, step="dates", answers={"request": scope[:500]},
                       attachments=self.attachments_data())
        self.say("renovation_start", docs_title=docs.title if docs else "",
                 docs=self.d._fill(docs.text) if docs else "")

    def renovation_step(self, text: str, *, skipped: bool = False) -> None:
        data = dict(self.dlg.data or {})
        step = data.get("step", "dates")
        answers = dict(data.get("answers", {}))
        attachments = list(data.get("attachments", [])) + self.attachments_data()
        if not text and not skipped and not self.t.msg.attachments:
            self.say("renovation_ask", step=step, buttons=self.reno_buttons(step))
            return
        if step == "drawings":
            answers["drawings"] = text
        elif text:
            answers[step] = text[:500]
        elif skipped:
            answers[step] = "未定"  # staff read Chinese; they settle it with the resident
        elif step != "drawings" and not skipped:
            self.say("renovation_ask", step=step, buttons=self.reno_buttons(step))
            return
        index = RENOVATION_STEPS.index(step)
        if index + 1 < len(RENOVATION_STEPS):
            nxt = RENOVATION_STEPS[index + 1]
            self.set_state(State.RENOVATION, step=nxt, answers=answers, attachments=attachments)
            self.say("renovation_ask", step=nxt, buttons=self.reno_buttons(nxt))
            return
        r = self.resident
        description = self.d._t.staff("renovation_description", answers=answers)
        ticket = self.open_ticket(TicketKind.RENOVATION, Priority.NORMAL, description, self.flat_label(),
                                  r.building, r.unit, r.room, category=None, attachments=attachments,
                                  details=answers)
        self.idle(focus=ticket.code)
        self.say("renovation_applied", t=ticket, drawings=sum(1 for a in attachments), ticket=ticket.code,
                 respond=self.d._config.sla_for(TicketKind.RENOVATION, Priority.NORMAL).respond)
        self.staff(AGENTS_ROOM, "renovation_new", t=ticket, resident=r, answers=answers,
                   drawings=len(attachments), ticket=ticket.code,
                   buttons=((Button("审核通过", f"do:{ticket.code}:approve"),
                             Button("需修改", f"do:{ticket.code}:revise")),))

    def reno_buttons(self, step: str, *, retry: bool = False) -> tuple[tuple[Button, ...], ...]:
        """Drawings can be handed in later; dates not yet decided can be skipped once asked again."""
        return ((Button(self.label("skip"), "skip"),),) if step == "drawings" or retry else ()

    # -- handing to a person ----------------------------------------------------------------
    def hand_to_person(self, text: str) -> None:
        question = self.dlg.get("question") or self.dlg.get("text") or text or ""
        attachments = self.dlg.get("attachments", [])
        self.pause_if_pending()  # resumed when the person hands the chat back
        for ticket in self.w.tickets_of(self.resident.id, open_only=True, limit=10):
            if ticket.kind == TicketKind.INQUIRY:
                self.set_state(State.WITH_AGENT, ticket=ticket.code)
                self.t.ticket_code = ticket.code
                self.say("handover_waiting", code=ticket.code, ticket=ticket.code)
                return
        ticket = self.open_ticket(TicketKind.INQUIRY, Priority.NORMAL, question, self.flat_label(),
                                  self.resident.building, self.resident.unit, self.resident.room,
                                  category=None, attachments=attachments)
        self.set_state(State.WITH_AGENT, ticket=ticket.code)
        self.say("handover", code=ticket.code, ticket=ticket.code,
                 respond=self.d._config.sla_for(TicketKind.INQUIRY, Priority.NORMAL).respond)
        self.staff(AGENTS_ROOM, "handover_new", t=ticket, resident=self.resident, ticket=ticket.code,
                   buttons=((Button("接管对话", f"take:{ticket.code}"),),))

    def relay_to_agent(self, text: str) -> None:
        code = self.dlg.get("ticket", "")
        ticket = self.own_ticket(code)
        if ticket is None or not ticket.is_open:  # closed meanwhile: the bot answers again
            self.idle()
            self.on_free_message(text)
            return
        if self.is_emergency(text):
            self.route(text, self.d._classify(text), attachments=self.attachments_data())
            return
        self.w.add_event(ticket, at=self.t.now, actor=self.actor, kind=EventKind.MESSAGE, text=text)
        self.attach(ticket, self.attachments_data())
        self.t.ticket_code = ticket.code
        self.t.out.append(Outbound(
            ticket_room(ticket.code), self.d._t.staff("relay", t=ticket, resident=self.resident, text=text,
                                                      photos=len(self.t.msg.attachments)),
            attachments=self.t.msg.attachments, ticket=ticket.code,
        ))
        if ticket.agent_id is None:
            self.say("handover_waiting", code=ticket.code, ticket=ticket.code)

    # -- the resident's own tickets ---------------------------------------------------------
    def list_tickets(self) -> None:
        tickets = self.w.tickets_of(self.resident.id, limit=10)
        buttons = tuple((Button(f"{t.code}", f"show:{t.code}"),) for t in tickets[:6])
        self.say("my_tickets", tickets=tickets, buttons=buttons)

    def show_ticket(self, code: str) -> None:
        ticket = self.own_ticket(code)
        if ticket is None:
            self.say("ticket_unknown", code=code)
            return
        events = [e for e in self.w.events(ticket) if e.kind in (EventKind.OPENED, EventKind.STATUS)]
        rows: list[tuple[Button, ...]] = []
        if ticket.is_open:
            rows.append((Button(self.label("add"), f"add:{ticket.code}"),))
            if Action.CANCEL in next_actions(ticket.kind, ticket.status):
                rows.append((Button(self.label("cancel"), f"cancel:{ticket.code}"),))
        if ticket.status in DONE and not self.d._rated_since_asked(self.w, ticket):
            rows.append(self.d._rate_row(ticket))
        self.t.ticket_code = ticket.code
        # Back from finished work to an earlier step: a reopen, not a second "reported".
        finished = DONE | FINAL | {Status.FOLLOWED_UP}
        reopened = {e.id for e in events if e.from_status in finished and e.to_status
                    and Status(e.to_status) not in finished}
        self.say("ticket_detail", t=ticket, events=events, reopened=reopened, buttons=tuple(rows),
                 ticket=ticket.code)

    def choose_ticket_to_add(self, code: str) -> None:
        ticket = self.own_ticket(code)
        if ticket is None or not ticket.is_open:
            self.say("ticket_unknown", code=code)
            return
        pending = self.dlg.get("pending_attachments", [])
        if pending:
            self.attach(ticket, pending)
            self.idle(focus=ticket.code)
            self.t.ticket_code = ticket.code
            self.say("added", code=ticket.code, photos=len(pending), ticket=ticket.code)
            self.notify_added(ticket, "", len(pending))
            return
        self.set_state(State.ADDING, ticket=ticket.code)
        self.say("ask_addition", code=ticket.code, ticket=ticket.code)

    def add_to_ticket(self, code: str, text: str) -> None:
        ticket = self.own_ticket(code)
        if ticket is None or not ticket.is_open:
            self.idle()
            self.say("ticket_unknown", code=code)
            return
        if text:
            self.w.add_event(ticket, at=self.t.now, actor=self.actor, kind=EventKind.MESSAGE, text=text)
        attachments = self.attachments_data()
        self.attach(ticket, attachments)
        ticket.updated_at = self.t.now
        self.w.save(ticket)
        album = self.t.msg.album
        same_album = album is not None and self.dlg.get("album") == album
        self.set_state(State.IDLE, focus=ticket.code, **({"album": album} if album else {}))
        self.t.ticket_code = ticket.code
        if same_album and not text:
            return  # the rest of an album already acknowledged: one reply per album, not per photo
        self.say("added", code=ticket.code, photos=len(attachments), ticket=ticket.code)
        self.notify_added(ticket, text, len(attachments))

    def notify_added(self, ticket: Ticket, text: str, photos: int) -> None:
        room = ticket_room(ticket.code) if ticket.agent_id else self.d._room_for(ticket)
        self.t.out.append(Outbound(
            room, self.d._t.staff("resident_added", t=ticket, text=text, photos=photos),
            attachments=self.t.msg.attachments, ticket=ticket.code,
        ))

    def on_bare_attachments(self) -> None:
        focus = self.dlg.get("focus")
        ticket = self.own_ticket(focus) if focus else None
        if ticket is not None and ticket.is_open:
            self.add_to_ticket(ticket.code, "")
            return
        album = self.t.msg.album
        if album is not None and self.dlg.get("album") == album and self.dlg.get("pending_attachments"):
            pending = self.dlg.get("pending_attachments") + self.attachments_data()
            self.set_state(self.dlg.state, **{**(self.dlg.data or {}), "pending_attachments": pending})
            return  # the rest of an album whose ticket we already asked about
        open_tickets = self.w.tickets_of(self.resident.id, open_only=True, limit=6)
        if len(open_tickets) == 1:
            self.add_to_ticket(open_tickets[0].code, "")
            return
        if open_tickets:
            self.set_state(State.IDLE, pending_attachments=self.attachments_data(), album=album)
            self.say("which_ticket", tickets=open_tickets,
                     buttons=tuple((Button(t.code, f"add:{t.code}"),) for t in open_tickets))
            return
        self.set_state(State.CHOOSE_INTENT, text="", attachments=self.attachments_data())
        self.say("photo_what")

    def cancel_pending(self) -> None:
        if self.dlg.state not in (State.IDLE, State.WITH_AGENT) or (self.dlg.data or {}).get("paused"):
            if self.dlg.state == State.WITH_AGENT:  # the kept application goes; the person stays on the chat
                self.set_state(State.WITH_AGENT, ticket=self.dlg.get("ticket"), paused=None)
            else:
                self.set_state(State.IDLE, paused=None)
            self.say("cancelled_question")
            return
        cancellable = [t for t in self.w.tickets_of(self.resident.id, open_only=True, limit=10)
                       if Action.CANCEL in next_actions(t.kind, t.status)]
        if not cancellable:
            self.say("nothing_to_cancel")
            return
        self.say("choose_cancel", tickets=cancellable,
                 buttons=tuple((Button(f"{self.label('cancel')} {t.code}", f"cancel:{t.code}"),)
                               for t in cancellable))

    def confirm_cancel(self, code: str) -> None:
        ticket = self.own_ticket(code)
        if ticket is None:
            self.say("ticket_unknown", code=code)
            return
        if Action.CANCEL not in next_actions(ticket.kind, ticket.status):
            self.say("cannot_cancel", t=ticket)
            return
        self.t.ticket_code = ticket.code
        self.say("confirm_cancel", t=ticket, ticket=ticket.code,
                 buttons=((Button(self.label("cancel_yes"), f"cancel:{ticket.code}:yes"),
                           Button(self.label("cancel_no"), f"show:{ticket.code}")),))

    def cancel_ticket(self, code: str) -> None:
        ticket = self.own_ticket(code, lock=True)
        if ticket is None:
            self.say("ticket_unknown", code=code)
            return
        try:
            step = transition_for(ticket.kind, ticket.status, Action.CANCEL)
        except IllegalTransition:
            self.say("cannot_cancel", t=ticket)
            return
        self.w.set_status(ticket, step.target, at=self.t.now, actor=self.actor)
        self.t.ticket_code = ticket.code
        if self.dlg.get("focus") == ticket.code or self.dlg.get("ticket") == ticket.code:
            self.idle()
        self.say("ticket_cancelled", code=ticket.code, ticket=ticket.code)
        self.staff(self.d._room_for(ticket), "ticket_cancelled", t=ticket, ticket=ticket.code)

    # -- rating -----------------------------------------------------------------------------
    def rate(self, code: str, score_text: str) -> None:
        ticket = self.own_ticket(code, lock=True)
        if ticket is None:
            self.say("ticket_unknown", code=code)
            return
        if not score_text.isdigit() or not 1 <= int(score_text) <= 5:
            self.say("expired")
            return
        if self.d._rated_since_asked(self.w, ticket):
            self.say("already_rated", code=ticket.code)
            return
        if ticket.rating_requested_at is None:
            self.say("not_ready_to_rate", code=ticket.code)
            return
        score = int(score_text)
        self.w.record_rating(ticket, resident_id=self.resident.id, score=score, at=self.t.now)
        self.t.ticket_code = ticket.code
        if score <= 2:
            self.set_state(State.RATING_REASON, ticket=ticket.code)
            self.say("rating_why", code=ticket.code, score=score, buttons=((Button(self.label("skip"), "skip"),),))
            return
        self.d._follow_up_and_archive(self.w, ticket, at=self.t.now, actor=self.actor)
        self.idle()
        self.say("rating_thanks", code=ticket.code, score=score)

    def rating_reason(self, text: str) -> None:
        ticket = self.own_ticket(self.dlg.get("ticket", ""), lock=True)
        self.idle()
        if ticket is None:
            self.say("expired")
            return
        rating = self.w.latest_rating(ticket)
        if rating is not None and text:
            rating.comment = text[:2000]
            self.w.save(rating)
        self.t.ticket_code = ticket.code
        reopened = False
        try:
            step = transition_for(ticket.kind, ticket.status, Action.REOPEN)
            self.w.set_status(ticket, step.target, at=self.t.now, actor=DESK, text="low rating")
            ticket.rating_requested_at = None  # the rating itself stays: low scores must count in reports
            ticket.resolved_at = None
            self.w.save(ticket)
            reopened = True
        except IllegalTransition:
            pass
        ticket.escalated_at = self.t.now
        self.w.save(ticket)
        self.w.add_event(ticket, at=self.t.now, actor=DESK, kind=EventKind.ESCALATED, text="low rating")
        self.say("rating_low_ack", code=ticket.code, reopened=reopened, ticket=ticket.code)
        self.staff(MANAGER_ROOM, "low_rating", t=ticket, resident=self.resident,
                   score=rating.score if rating else 0, reason=text, reopened=reopened, ticket=ticket.code,
                   buttons=((Button("接管对话", f"take:{ticket.code}"),),))


def _chose_language(w: Work, chat: ChatRef) -> bool:
    """True when the resident picked a reply language with /lang or a lang: button (that choice stands)."""
    chosen = select(InboundMessage.id).where(
        InboundMessage.channel == chat.channel, InboundMessage.chat_id == chat.id,
        or_(col(InboundMessage.text).like("/lang%"), col(InboundMessage.action).like("lang:%")),
    ).limit(1)
    return w.session.exec(chosen).first() is not None


def is_data(text: str) -> bool:
    """Numbers, a date or a bare flat number: an answer or a registration, never an alarm."""
    return is_data_answer(text) or is_bare_flat(text)


def _log_failure(msg: Inbound, exc: Exception) -> None:
    """Log a failed message with its traceback, but without database error texts above debug level.

    A database's own message can quote the row it refused ("Failing row contains
    (…)"): that is the resident's words, so it goes to the debug log only.
    """
    if isinstance(exc, DBAPIError):
        stack = "".join(traceback.format_tb(exc.__traceback__))
        logger.error("handling message %s failed: %s from the database (%s); details at debug level\n%s",
                     msg.message_id, type(exc).__name__, type(exc.orig).__name__, stack)
        logger.debug("database error details", exc_info=exc)
    else:
        logger.exception("handling message %s failed", msg.message_id, exc_info=exc)


def _category(c: Classification) -> str | None:
    """The topic of a report for the plan's statistics: the facility named, else the first clue."""
    clues = [e.partition(":") for e in c.evidence]
    for kind, _, value in clues:
        if kind == "facility" and value:
            return value[:32]
    if not clues:
        return None
    kind, _, value = clues[0]
    return (value or kind)[:32] or None


def _att_dict(a: Attachment) -> dict[str, str | None]:
    return {"kind": a.kind.value, "ref": a.ref, "caption": a.caption}


def _att_from_dict(d: dict[str, Any]) -> Attachment:
    try:
        kind = AttachmentKind(d.get("kind", "document"))
    except ValueError:
        kind = AttachmentKind.DOCUMENT
    return Attachment(kind=kind, ref=str(d.get("ref", "")), caption=d.get("caption"))


# Steps after which the resident is asked to rate the work instead of a plain status message.
RATE_AFTER = frozenset({Status.COMPLETED, Status.HANDLED, Status.RESOLVED, Status.REFUNDED})
# Steps the resident hears about (the plan's 告知业主 at each stage); the rest are internal.
TELL_RESIDENT = frozenset({
    Action.DISPATCH, Action.ACCEPT, Action.RETURN, Action.TRANSFER, Action.START, Action.ANALYSE, Action.PLAN,
    Action.APPROVE, Action.REVISE, Action.SIGN, Action.PASS, Action.FAIL, Action.ARRIVE, Action.REOPEN,
    Action.CANCEL, Action.CLOSE,
})
# Steps only the engineer the job is assigned to (or a manager) may take.
ASSIGNEE_ONLY = frozenset({Action.ACCEPT, Action.START, Action.DONE, Action.RETURN})


class _StaffTurn:
    """One staff message or button: queue, take, reply, notes, workflow steps."""

    def __init__(self, desk: ServiceDesk, t: Turn, staff: Staff) -> None:
        self.d = desk
        self.t = t
        self.w = t.w
        self.staff = staff
        self.roles = {Role(r) for r in staff.roles.split(",") if r in Role._value2member_map_}
        chat = t.msg.chat
        self.room_code = chat.id.removeprefix("ticket:") if (
            chat.channel == STAFF_CHANNEL and chat.id.startswith("ticket:")) else None
        self.typed_code: str | None = None  # what was typed where a ticket number belongs, if not one

    @property
    def now(self) -> datetime:
        return self.t.now

    @property
    def actor(self) -> str:
        return f"staff:{self.staff.name}"

    @property
    def staff_chat(self) -> ChatRef:
        """Where this staff member's own pending question is kept (rooms are shared by many)."""
        return ChatRef(STAFF_DIALOGUE, str(self.staff.id))

    def finishing_photo(self, text: str) -> bool:
        """Attach this photo to the repair just finished, when the desk asked for one (True if so)."""
        pending = self.w.dialogue(self.staff_chat)
        code, asked = pending.get("photo_for"), pending.get("asked_at")
        if pending.state != State.DONE_PHOTO or not code or not asked:
            return False
        self.w.set_dialogue(self.staff_chat, State.IDLE, {}, at=self.now)
        if self.now - datetime.fromisoformat(asked) > FINISHING_PHOTO_WITHIN:
            return False  # a photo long after: an ordinary message again
        ticket = self.ticket(code)
        if ticket is None:
            return True
        for attachment in self.t.msg.attachments:
            self.w.add_file(ticket, attachment, by=self.actor, at=self.now)
        if text:
            self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.NOTE, text=text)
        self.reply("photo_added", t=ticket, photos=len(self.t.msg.attachments), ticket=ticket.code)
        if ticket.agent_id is not None:
            self.post(ticket_room(ticket.code), "photo_added", t=ticket, photos=len(self.t.msg.attachments),
                      ticket=ticket.code)
        return True

    def reply(self, template: str, *, buttons: tuple[tuple[Button, ...], ...] = (), ticket: str | None = None,
              **ctx: Any) -> None:
        text = self.d._t.staff(template, staff=self.staff, facts=self.d._facts, **ctx)
        self.t.out.append(Outbound(self.t.msg.chat, text, buttons=buttons, ticket=ticket))

    def post(self, room: ChatRef, template: str, *, buttons: tuple[tuple[Button, ...], ...] = (),
             ticket: str | None = None, **ctx: Any) -> None:
        if room == self.t.msg.chat:
            return  # the person who acted sees the confirmation already
        text = self.d._t.staff(template, staff=self.staff, facts=self.d._facts, **ctx)
        self.t.out.append(Outbound(room, text, buttons=buttons, ticket=ticket))

    def tell(self, ticket: Ticket, template: str, **ctx: Any) -> None:
        message = self.d._tell_resident(self.w, ticket, template, **ctx)
        if message is not None:
            self.t.out.append(message)

    def ticket(self, code: str | None) -> Ticket | None:
        if not code and self.typed_code:
            self.reply("unknown_ticket", code=self.typed_code)  # "/show XYZ": XYZ is what is unknown
            return None
        if not code:
            self.reply("need_code")
            return None
        ticket = self.w.ticket(code, lock=True)
        if ticket is None:
            self.reply("unknown_ticket", code=code)
            return None
        self.t.ticket_code = ticket.code
        return ticket

    def code_and_rest(self, command: Command) -> tuple[str | None, str]:
        """The ticket a command names (or the ticket room's) and the text after it."""
        first = command.arg(0)
        if first and find_codes(first):
            return find_codes(first)[0], command.rest[len(first):].strip()
        if self.room_code is None and first:
            self.typed_code = first[:40]
        return self.room_code, command.rest

    # -- the turn ---------------------------------------------------------------------------
    def run(self) -> None:
        msg, text = self.t.msg, self.t.text
        if msg.action:
            self.on_button(msg.action)
            return
        command = parse_command(text)
        if command is None and msg.attachments and self.finishing_photo(text):
            return
        if command is None:
            if self.room_code and (text or msg.attachments):
                self.send_to_resident(self.room_code, text)
            else:
                self.reply("help")
            return
        code, rest = self.code_and_rest(command)
        match command.name:
            case "help":
                self.reply("help")
            case "start" if code is None:  # a resident's /start typed by staff: show the staff help
                self.reply("help")
            case "queue":
                tickets = self.w.queue(limit=20)
                names = {s.id: s.name for s in self.w.staff_list()}
                self.reply("queue", tickets=tickets, names=names, now=self.now)
            case "show":
                self.show(code)
            case "take":
                self.take(code)
            case "reply":
                if code is None:
                    self.reply("need_code")
                else:
                    self.send_to_resident(code, rest)
            case "note":
                self.note(code, rest)
            case "verify":
                self.verify(code)
            case "close":
                self.close(code)
            case "ack":
                self.ack(code)
            case "grab":
                self.grab(code)
            case "dispatch" | "transfer":
                self.step(code, command.name, "", engineer_name=rest.split(" ")[0] if rest else "")
            case name if name in Action._value2member_map_:
                self.step(code, name, rest)
            case _:
                self.reply("unknown_command", name=command.name)

    def on_button(self, action: str) -> None:
        kind, _, rest = action.partition(":")
        match kind:
            case "take":
                self.take(rest)
            case "ack":
                self.ack(rest)
            case "grab":
                self.grab(rest)
            case "do":
                code, _, step = rest.rpartition(":")
                self.step(code, step, "")
            case "xfer":
                code, _, staff_id = rest.partition(":")
                self.choose_transfer(code, staff_id)
            case _:
                self.reply("unknown_command", name=kind)

    # -- commands ---------------------------------------------------------------------------
    def show(self, code: str | None) -> None:
        ticket = self.ticket(code)
        if ticket is None:
            return
        self.reply("ticket", t=ticket, events=self.w.events(ticket)[-15:], files=self.w.files(ticket),
                   resident=self.w.resident_by_id(ticket.resident_id),
                   assignee=self.w.staff_by_id(ticket.assignee_id), agent=self.w.staff_by_id(ticket.agent_id),
                   actions=next_actions(ticket.kind, ticket.status), ticket=ticket.code)

    def take(self, code: str | None) -> bool:
        """Own the ticket's chat; the first to take it keeps it (首问负责制)."""
        ticket = self.ticket(code)
        if ticket is None:
            return False
        resident = self.w.resident_by_id(ticket.resident_id)
        mine = ticket.agent_id == self.staff.id
        # "Already yours" only while the resident's chat really is with this person: after /close
        # (or a chat the bot took back) taking it again must bring the chat back, not just say so.
        if mine and (resident is None or self.chat_is_with_agent(resident, ticket)):
            self.reply("already_yours", t=ticket, ticket=ticket.code)
            return True
        if ticket.status in FINAL:
            self.reply("refused", reason=f"{ticket.code} 已结束（{STATUS_ZH[Status(ticket.status)]}）",
                       detail=f"{ticket.code} is already {ticket.status}", ticket=ticket.code)
            return False
        if not mine and not self.w.claim_chat(ticket, self.staff):
            owner = self.w.staff_by_id(ticket.agent_id)
            self.reply("taken_by", t=ticket, owner=owner.name if owner else "?", ticket=ticket.code)
            return False
        self.mark_responded(ticket)
        self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.TAKEN)
        if resident is not None:
            chat = self.d._resident_chat(resident)
            kept = _set_aside(self.w.dialogue(chat))  # resumed when the chat is handed back
            data = {"ticket": ticket.code, **({"paused": kept} if kept else {})}
            self.w.set_dialogue(chat, State.WITH_AGENT, data, at=self.now)
        messages = [e for e in self.w.events(ticket) if e.kind in (EventKind.OPENED, EventKind.MESSAGE)][-10:]
        summary = self.d._t.staff("taken", t=ticket, staff=self.staff, resident=resident, messages=messages,
                                  facts=self.d._facts)
        self.t.out.append(Outbound(ticket_room(ticket.code), summary, ticket=ticket.code))
        if self.t.msg.chat != ticket_room(ticket.code):
            self.reply("take_confirmed", t=ticket, ticket=ticket.code)
        self.tell(ticket, "agent_joined", agent=self.staff.name)
        return True

    def chat_is_with_agent(self, resident: Resident, ticket: Ticket) -> bool:
        """True when the resident's messages are relayed to this ticket's person (not answered by the bot)."""
        dialogue = self.w.dialogue(self.d._resident_chat(resident))
        return dialogue.state == State.WITH_AGENT and dialogue.get("ticket") == ticket.code

    def mark_responded(self, ticket: Ticket) -> None:
        if ticket.responded_at is None:
            ticket.responded_at = self.now
            self.w.save(ticket)

    def send_to_resident(self, code: str, text: str) -> None:
        ticket = self.ticket(code)
        if ticket is None:
            return
        if not text and not self.t.msg.attachments:
            self.reply("need_text", ticket=ticket.code)
            return
        if is_garbled(self.t.msg.text):
            self.reply("garbled", t=ticket, ticket=ticket.code)  # never sent on as ��
            return
        if ticket.agent_id is None:
            if not self.take(ticket.code):
                return
        elif ticket.agent_id != self.staff.id and Role.MANAGER not in self.roles:
            owner = self.w.staff_by_id(ticket.agent_id)
            self.reply("taken_by", t=ticket, owner=owner.name if owner else "?", ticket=ticket.code)
            return
        resident = self.w.resident_by_id(ticket.resident_id)
        if resident is None:
            self.reply("unknown_ticket", code=code)
            return
        self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.MESSAGE, text=text)
        for attachment in self.t.msg.attachments:
            self.w.add_file(ticket, attachment, by=self.actor, at=self.now)
        if ticket.kind == TicketKind.INQUIRY and ticket.status == Status.HANDED_OVER:
            self.w.set_status(ticket, Status.ANSWERED, at=self.now, actor=self.actor)
        self.mark_responded(ticket)
        body = self.d._t.resident("staff_reply", resident.language, agent=self.staff.name, text=text,
                                  t=ticket, facts=self.d._facts)
        attachments = self.t.msg.attachments
        if not text and attachments:
            # Media alone: the agent's name goes in the first file's caption, not in an empty text.
            attachments = (replace(attachments[0], caption=body), *attachments[1:])
            body = ""
        self.t.out.append(Outbound(self.d._resident_chat(resident), body, attachments=attachments,
                                   ticket=ticket.code))
        if self.t.msg.chat != ticket_room(ticket.code):
            self.reply("reply_sent", t=ticket, ticket=ticket.code)

    def note(self, code: str | None, text: str) -> None:
        ticket = self.ticket(code)
        if ticket is None:
            return
        if not text:
            self.reply("need_text", ticket=ticket.code)
            return
        if is_garbled(self.t.msg.text):
            self.reply("garbled", t=ticket, ticket=ticket.code)
            return
        self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.NOTE, text=text)
        self.reply("note_saved", t=ticket, ticket=ticket.code)

    def verify(self, code: str | None) -> None:
        """Mark the resident of a ticket as verified (staff checked who lives in the flat)."""
        ticket = self.ticket(code)
        if ticket is None:
            return
        resident = self.w.resident_by_id(ticket.resident_id)
        if resident is None:
            self.reply("unknown_ticket", code=code)
            return
        resident.verified = True
        self.w.save(resident)
        self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.NOTE, text="resident verified")
        self.reply("verified", t=ticket, resident=resident, ticket=ticket.code)

    def close(self, code: str | None) -> None:
        """Hand the chat back to the bot; an inquiry handed to a person is closed."""
        ticket = self.ticket(code)
        if ticket is None:
            return
        if ticket.agent_id not in (None, self.staff.id) and Role.MANAGER not in self.roles:
            owner = self.w.staff_by_id(ticket.agent_id)
            self.reply("taken_by", t=ticket, owner=owner.name if owner else "?", ticket=ticket.code)
            return
        resident = self.w.resident_by_id(ticket.resident_id)
        kept = None
        if resident is not None:
            chat = self.d._resident_chat(resident)
            dialogue = self.w.dialogue(chat)
            if dialogue.get("ticket") == ticket.code:
                kept = dialogue.get("paused")  # set aside when the chat was taken: the resident may resume it
                self.w.set_dialogue(chat, State.IDLE, {"paused": kept} if kept else {}, at=self.now)
        # The chat is the bot's again: nobody owns it, so anyone (the same person too) may /take it anew.
        ticket.agent_id = None
        self.w.save(ticket)
        handed_over = ticket.kind == TicketKind.INQUIRY
        if handed_over and ticket.is_open:
            self.w.set_status(ticket, Status.CLOSED, at=self.now, actor=self.actor)
        self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.HANDED_BACK)
        self.reply("closed", t=ticket, ticket=ticket.code)
        # A hand-over (转人工) is a service of its own: the bot asks how it went. Other kinds are
        # rated when their work is finished, not when the chat goes back to the bot.
        rate = handed_over and ticket.rating is None
        if rate:
            ticket.rating_requested_at = self.now
            ticket.rating_reminded_at = None
            self.w.save(ticket)
        self.tell(ticket, "handed_back", rate=rate, buttons=(self.d._rate_row(ticket),) if rate else ())
        if kept and resident is not None:
            resume = Button(self.d._t.label("resume", resident.language), "resume")
            self.tell(ticket, "paused", what=kept.get("state", ""), buttons=((resume,),))

    def ack(self, code: str | None) -> None:
        ticket = self.ticket(code)
        if ticket is None:
            return
        if ticket.responded_at is not None and ticket.kind == TicketKind.EMERGENCY:
            by = self.w.staff_by_id(ticket.assignee_id)
            self.reply("already_acked", t=ticket, by=by.name if by else "?", ticket=ticket.code)
            return
        ticket.responded_at = self.now
        if ticket.assignee_id is None:
            ticket.assignee_id = self.staff.id
        self.w.save(ticket)
        self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.ACKNOWLEDGED)
        self.reply("acked", t=ticket, ticket=ticket.code)
        self.post(DUTY_ROOM, "acked", t=ticket, ticket=ticket.code)
        if ticket.escalated_at is not None:
            self.post(MANAGER_ROOM, "acked", t=ticket, ticket=ticket.code)
        self.tell(ticket, "help_coming", staff_name=self.staff.name)

    def grab(self, code: str | None) -> None:
        """An engineer takes a reported repair: dispatched to themselves and accepted."""
        ticket = self.ticket(code)
        if ticket is None:
            return
        if Role.ENGINEER not in self.roles:
            self.reply("refused", reason="只有工程师可以接单", detail="only engineers can take a repair job",
                       ticket=ticket.code)
            return
        if ticket.kind != TicketKind.REPAIR or ticket.status != Status.REPORTED:
            holder = self.w.staff_by_id(ticket.assignee_id)
            if holder is not None:
                reason, detail = f"{ticket.code} 已由{holder.name}处理", f"{ticket.code} is already with {holder.name}"
            else:
                reason = f"{ticket.code} 当前\u201c{STATUS_ZH[Status(ticket.status)]}\u201d，不在等待接单"
                detail = f"{ticket.code} is {ticket.status}, not waiting for an engineer"
            self.reply("refused", reason=reason, detail=detail, ticket=ticket.code)
            return
        ticket.assignee_id = self.staff.id
        self.mark_responded(ticket)
        self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.ASSIGNED, text=self.staff.name)
        self.w.set_status(ticket, Status.DISPATCHED, at=self.now, actor=self.actor)
        self.w.set_status(ticket, Status.ACCEPTED, at=self.now, actor=self.actor)
        self.reply("step_done", t=ticket, action="accept", target=None, ticket=ticket.code,
                   buttons=self.step_buttons(ticket))
        self.tell(ticket, "status_changed", action="accept", staff_name=self.staff.name, note="")

    def step(self, code: str | None, action_name: str, text: str, *, engineer_name: str = "") -> None:
        """A workflow step named by a command or a `do:` button, checked against the workflow.

        Finishing a repair without a photo asks the engineer for one (the plan's 完工拍照):
        their next photo is attached to the ticket (see finishing_photo).
        """
        ticket = self.ticket(code)
        if ticket is None:
            return
        if action_name == Action.ACCEPT and ticket.kind == TicketKind.REPAIR and ticket.status == Status.REPORTED \
                and Role.ENGINEER in self.roles:
            self.grab(ticket.code)  # /accept on a job nobody dispatched: the engineer takes it (= /grab)
            return
        # 完成 pressed straight from the dispatch card: the engineer took the job by doing it.
        implicit_accept = action_name == Action.DONE and ticket.kind == TicketKind.REPAIR \
            and ticket.status == Status.DISPATCHED
        try:
            if implicit_accept:
                check_role(transition_for(ticket.kind, ticket.status, Action.ACCEPT), self.roles)
                step = transition_for(ticket.kind, Status.ACCEPTED, action_name)
            else:
                step = transition_for(ticket.kind, ticket.status, action_name)
            check_role(step, self.roles)
        except IllegalTransition as refused:
            self.reply("refused", reason=refused.reason_zh, detail=refused.reason, ticket=ticket.code)
            return
        action = step.action
        if action in ASSIGNEE_ONLY and ticket.assignee_id not in (None, self.staff.id) \
                and Role.MANAGER not in self.roles:
            name = holder.name if (holder := self.w.staff_by_id(ticket.assignee_id)) else "?"
            self.reply("refused", reason=f"{ticket.code} 已派给{name}", detail=f"{ticket.code} is assigned to {name}",
                       ticket=ticket.code)
            return
        target: Staff | None = None
        if action in (Action.DISPATCH, Action.TRANSFER):
            target = self.w.staff_by_name(engineer_name) if engineer_name else None
            if target is None or not target.has_role(Role.ENGINEER):
                engineers = ", ".join(s.name for s in self.w.staff_list() if s.has_role(Role.ENGINEER))
                self.reply("need_engineer", t=ticket, action=action.value, engineers=engineers, ticket=ticket.code,
                           unknown=engineer_name[:40] if target is None else "",
                           not_engineer=target.name if target is not None else "")
                return
            ticket.assignee_id = target.id
            self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.ASSIGNED, text=target.name)
        if action == Action.RETURN:
            ticket.assignee_id = None
        if action in (Action.ACCEPT, Action.START, Action.DONE) and ticket.assignee_id is None:
            ticket.assignee_id = self.staff.id
        if action == Action.INSPECT and text:
            self.w.add_event(ticket, at=self.now, actor=self.actor, kind=EventKind.VIOLATION, text=text)
        for attachment in self.t.msg.attachments:
            self.w.add_file(ticket, attachment, by=self.actor, at=self.now)
        self.mark_responded(ticket)
        if implicit_accept:
            self.w.set_status(ticket, Status.ACCEPTED, at=self.now, actor=self.actor)
        self.w.set_status(ticket, step.target, at=self.now, actor=self.actor, text=text)
        if action == Action.REOPEN:
            ticket.resolved_at = None
            ticket.rating_requested_at = None  # earlier ratings stay (reports count every one)
            self.w.save(ticket)
        self.reply("step_done", t=ticket, action=action.value, target=target.name if target else None,
                   ticket=ticket.code, buttons=self.step_buttons(ticket))
        if action == Action.DONE and ticket.kind == TicketKind.REPAIR and not self.t.msg.attachments:
            self.w.set_dialogue(self.staff_chat, State.DONE_PHOTO,
                                {"photo_for": ticket.code, "asked_at": self.now.isoformat()}, at=self.now)
            self.reply("done_photo", t=ticket, ticket=ticket.code)
        self.notify_rooms(ticket, action, target, text)
        if step.target in RATE_AFTER:
            message = self.d._request_rating(self.w, ticket, at=self.now, summary=text)
            if message is not None:
                self.t.out.append(message)
        elif action in TELL_RESIDENT or (action == Action.INSPECT and text):
            self.tell(ticket, "status_changed", action=action.value, staff_name=(target or self.staff).name,
                      note=text)

    def notify_rooms(self, ticket: Ticket, action: Action, target: Staff | None, text: str) -> None:
        if action in (Action.DISPATCH, Action.TRANSFER) and target is not None:
            self.post(ENGINEERING_ROOM, "dispatched", t=ticket, engineer=target.name, ticket=ticket.code,
                      resident=self.w.resident_by_id(ticket.resident_id), buttons=engineer_buttons(ticket))
        elif action == Action.RETURN:
            self.post(AGENTS_ROOM, "returned", t=ticket, reason=text, ticket=ticket.code)
            self.post(ENGINEERING_ROOM, "returned", t=ticket, reason=text, ticket=ticket.code,
                      buttons=engineer_buttons(ticket))
        if ticket.agent_id is not None:
            self.post(ticket_room(ticket.code), "step_done", t=ticket, action=action.value,
                      target=target.name if target else None, ticket=ticket.code)

    def choose_transfer(self, code: str, staff_id: str) -> None:
        """转单 by button: first the list of engineers, then the chosen one."""
        ticket = self.ticket(code)
        if ticket is None:
            return
        target = self.w.staff_by_id(int(staff_id)) if staff_id.isdigit() else None
        if target is not None:
            self.step(ticket.code, Action.TRANSFER, "", engineer_name=target.name)
            return
        engineers = [s for s in self.w.staff_list() if s.has_role(Role.ENGINEER) and s.id != ticket.assignee_id]
        self.reply("choose_engineer", t=ticket, ticket=ticket.code,
                   buttons=tuple((Button(s.name, f"xfer:{ticket.code}:{s.id}"),) for s in engineers))

    def step_buttons(self, ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
        """Buttons for the next steps that need no extra words."""
        if ticket.kind == TicketKind.REPAIR:
            return engineer_buttons(ticket)
        simple = {Action.ACCEPT, Action.START, Action.DONE, Action.ANALYSE, Action.APPROVE, Action.SIGN,
                  Action.INSPECT, Action.PASS, Action.REFUND, Action.ARRIVE, Action.RESOLVE, Action.FOLLOW_UP,
                  Action.ARCHIVE}
        row = tuple(Button(LABELS_ZH["action"].get(a.value, a.value), f"do:{ticket.code}:{a.value}")
                    for a in next_actions(ticket.kind, ticket.status) if a in simple)  # staff read Chinese
        return (row,) if row else ()


ENGINEER_STEPS = ((Action.ACCEPT, "接单"), (Action.RETURN, "退单"), (Action.TRANSFER, "转单"), (Action.DONE, "完成"))


def engineer_buttons(ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    """A repair's engineer buttons for its state: 接单 / 退单 / 转单 / 完成 (the plan's words)."""
    if ticket.status == Status.REPORTED:
        return ((Button("接单", f"grab:{ticket.code}"),),)
    possible = next_actions(ticket.kind, ticket.status)
    if ticket.status == Status.DISPATCHED:
        possible.append(Action.DONE)  # finishing straight away also accepts (see _StaffTurn.step)
    row = tuple(Button(label, f"xfer:{ticket.code}" if action == Action.TRANSFER else f"do:{ticket.code}:{action}")
                for action, label in ENGINEER_STEPS if action in possible)
    return (row,) if row else ()


def build_desk(config: Config, *, database_url: str | None = None) -> ServiceDesk:
    """Build a desk from ``config``: engine (schema migrated to the latest revision), handbook, templates, staff."""
    from bot.db import make_engine
    from bot.dbcli import upgrade
    from knowledge import BUNDLED_HANDBOOK, load_handbook

    engine = make_engine(database_url or config.database_url)
    # `desk db upgrade` at every start: a new database gets the schema, an existing one is
    # upgraded (never dropped), one made by an older desk without migrations is adopted.
    upgrade(engine)
    handbook = load_handbook(config.handbook_dir or BUNDLED_HANDBOOK)
    return ServiceDesk(config=config, store=TicketStore(engine), handbook=handbook,
                       templates=Templates(config.timezone))

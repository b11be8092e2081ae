"""ServiceDesk: decides what the desk says, records and alerts for each message — Inbound in, Outbound out.

This module must not import telegram or apscheduler. Time comes from
``Inbound.received_at`` or a sweep's ``now``; wording from bot/templates.
One inbound message is handled in one transaction (see TicketStore.work).
What a resident's message does is in bot/resident_turn.py, a staff member's in
bot/staff_turn.py; this module routes each message and runs the timed sweeps.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col, select

from bot.config import Config, StaffMember
from bot.dialogue import MAX_TEXT_CHARS, clean_text, clear_language, detect_language
from bot.messages import (
    AGENTS_ROOM,
    DUTY_ROOM,
    ENGINEERING_ROOM,
    MANAGER_ROOM,
    STAFF_CHANNEL,
    Button,
    ChatRef,
    Inbound,
    Outbound,
    ticket_room,
)
from bot.models import EventKind, InboundMessage, Resident, Staff, Ticket, TicketKind
from bot.render import Templates, plain_markdown
from bot.resident_turn import ResidentTurn
from bot.staff_turn import StaffTurn
from bot.store import TicketStore, Work
from bot.turn import DESK, Turn
from bot.workflow import Action, IllegalTransition, transition_for
from intents.labels import Classification
from knowledge import Handbook, fill_placeholders

logger = logging.getLogger(__name__)


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
        r = ResidentTurn(self, t, resident)
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
        StaffTurn(self, t, staff).run()


def _chose_language(w: Work, chat: ChatRef) -> bool:
    """True when the resident picked a reply language with /lang or a lang: button (that choice stands)."""
    chosen = select(InboundMessage.id).where(
        InboundMessage.channel == chat.channel, InboundMessage.chat_id == chat.id,
        or_(col(InboundMessage.text).like("/lang%"), col(InboundMessage.action).like("lang:%")),
    ).limit(1)
    return w.session.exec(chosen).first() is not None


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


def build_desk(config: Config, *, database_url: str | None = None, search_path: str | None = None,
               migrate: bool = True) -> ServiceDesk:
    """Build a desk from ``config``: engine (schema migrated to the latest revision), handbook, templates, staff.

    ``migrate=False`` is for a second desk on a database the first one has just migrated
    (bot/desk_process.py).
    """
    from bot.db import make_engine
    from bot.dbcli import upgrade
    from knowledge import BUNDLED_HANDBOOK, load_handbook

    engine = make_engine(database_url or config.database_url, search_path=search_path)
    if migrate:
        # `desk db upgrade` at every start: a new database gets the schema, an existing one is
        # upgraded (never dropped), one made by an older desk without migrations is adopted.
        upgrade(engine)
    handbook = load_handbook(config.handbook_dir or BUNDLED_HANDBOOK)
    return ServiceDesk(config=config, store=TicketStore(engine), handbook=handbook,
                       templates=Templates(config.timezone))

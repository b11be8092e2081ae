"""ServiceDesk: decides what the desk says, records and alerts for each message — Inbound in, Outbound out.

This module must not import telegram or apscheduler. Time comes from
``Inbound.received_at`` or a sweep's ``now``; wording from bot/templates.
One inbound message is handled in one transaction (see TicketStore.work).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.config import Config
from bot.dialogue import (
    Command,
    State,
    clean_text,
    detect_language,
    find_codes,
    is_bare_report,
    is_pressing,
    is_question,
    mentions_home,
    mentions_public_place,
    parse_command,
    parse_flat,
    wants_human,
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
from bot.models import EventKind, Priority, Resident, Staff, Ticket, TicketKind
from bot.render import Templates
from bot.store import TicketStore, Work
from bot.workflow import (
    DONE,
    FINAL,
    INITIAL,
    Action,
    IllegalTransition,
    Status,
    check_role,
    next_actions,
    transition_for,
)
from intents.labels import Classification, EmergencyKind, Intent

logger = logging.getLogger(__name__)

DESK = "desk"  # actor name of the desk itself in the audit trail
RENOVATION_DOCS_QUESTION = "装修申请要带哪些资料"
DUPLICATE_EMERGENCY_WINDOW = timedelta(minutes=30)
CHOOSABLE = (Intent.REPAIR, Intent.COMPLAINT, Intent.RENOVATION, Intent.INQUIRY, Intent.EMERGENCY)
RENOVATION_STEPS = ("dates", "contractor", "scope", "drawings")
RESIDENT_COMMANDS = ("start", "help", "my", "human", "cancel", "lang")


@dataclass
class Turn:
    """What one inbound message is doing: the unit of work, who sent it, what to send back."""

    w: Work
    msg: Inbound
    text: str
    out: list[Outbound] = field(default_factory=list)
    ticket_code: str | None = None  # the ticket this message ended up about

    @property
    def now(self) -> datetime:
        return self.msg.received_at


class ServiceDesk:
    """The service desk: every resident and staff message, and the timed sweeps."""

    def __init__(
        self, *, config: Config, store: TicketStore, handbook: Any, templates: Templates,
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
            with self._store.work() as w:
                seen = w.inbound_seen(msg)
                if seen is not None and seen.outcome != "failed":
                    logger.info("duplicate delivery of %s/%s ignored", msg.chat.channel, msg.message_id)
                    return []
                row = w.record_inbound(msg)
                turn = Turn(w, msg, clean_text(msg.text))
                self._dispatch(turn)
                w.set_inbound_ticket(row, turn.ticket_code)
                w.record_outbound(turn.out, at=msg.received_at, in_reply_to=row.id)
                return turn.out
        except IntegrityError:
            if self._already_handled(msg):  # the same message raced in on another worker
                logger.info("concurrent duplicate of %s/%s ignored", msg.chat.channel, msg.message_id)
                return []
            logger.exception("storing message %s failed", msg.message_id)
        except Exception:
            logger.exception("handling message %s failed", msg.message_id)
        return self._apologise(msg)

    def _already_handled(self, msg: Inbound) -> bool:
        try:
            with self._store.work() as w:
                seen = w.inbound_seen(msg)
                return seen is not None and seen.outcome != "failed"
        except Exception:
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
        staff = t.w.staff_by_sender(t.msg.sender_id)
        if staff is not None:
            self._staff_turn(t, staff)
        elif t.msg.chat.channel == STAFF_CHANNEL:
            logger.info("message in a staff room from unknown sender ignored")
        elif t.msg.edited:
            pass  # an edit of a message already acted on: no second effect
        else:
            self._resident_turn(t)

    # ======================================================================================
    # residents
    # ======================================================================================
    def _resident_turn(self, t: Turn) -> None:
        w, msg = t.w, t.msg
        resident = w.resident(msg.chat)
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
        if changed:
            w.save(resident)
        r = _ResidentTurn(self, t, resident)
        r.run(first_contact)


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

    def set_state(self, state: str, **data: Any) -> None:
        self.w.set_dialogue(self.chat, state, data, at=self.t.now)
        self.dlg = self.w.dialogue(self.chat)

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
        if state == State.ADDING:
            self.add_to_ticket(self.dlg.get("ticket", ""), text)
            return
        if state == State.RATING_REASON:
            self.rating_reason(text)
            return
        if state == State.RENOVATION and not self.is_emergency(text):
            self.renovation_step(text)
            return
        if state == State.REPORT and not self.is_emergency(text):
            self.report_step(text)
            return
        self.on_free_message(text)

    def is_emergency(self, text: str) -> bool:
        return bool(text) and self.d._classify(text).intent == Intent.EMERGENCY

    def on_free_message(self, text: str) -> None:
        msg = self.t.msg
        mentioned = [c for c in find_codes(text) if self.own_ticket(c) is not None]
        if mentioned and not self.is_emergency(text):
            self.add_to_ticket(mentioned[0], text)
            return
        if not text:  # a photo, voice note or document without words
            self.on_bare_attachments()
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
                self.say("help")
            case "my":
                self.list_tickets()
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
                self.cancel_ticket(rest)
            case "rate":
                code, _, score = rest.rpartition(":")
                self.rate(code, score)
            case "lang":
                self.set_language(rest)
            case _:
                self.say("expired")

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
        return self.d._t.resident(f"label_{name}", self.lang)

    def answer_flat(self, text: str, first_contact: bool) -> None:
        if self.is_emergency(text):  # danger never waits for registration
            self.route(text, self.d._classify(text), attachments=self.attachments_data())
            return
        flat = parse_flat(text)
        if first_contact:
            if flat is None:
                self.ask_flat(pending=text, welcome=True, attachments=self.attachments_data())
                return
            pending = text if self.d._classify(text).intent not in (Intent.OTHER,) else ""
            attachments = self.attachments_data()
        else:
            pending = self.dlg.get("pending", "")
            attachments = self.dlg.get("attachments", []) + self.attachments_data()
            if flat is None:
                tries = self.dlg.get("tries", 0) + 1
                if tries >= 2 or (text and self.d._classify(text).intent != Intent.OTHER):
                    # Don't hold a real request hostage to registration: go on without a flat.
                    self.idle()
                    self.say("flat_later")
                    self.route_pending(pending or text, attachments)
                    return
                self.set_state(State.NEED_FLAT, pending=pending, attachments=attachments, tries=tries)
                self.say("flat_not_understood", buttons=((Button(self.label("skip"), "skip"),),))
                return
        self.resident.building, self.resident.unit, self.resident.room = flat.building, flat.unit, flat.room
        self.w.save(self.resident)
        self.idle()
        self.say("flat_registered", flat=flat.label())
        if pending and pending != text or (pending and first_contact):
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
        if c.intent == Intent.EMERGENCY:
            self.emergency(text, c, attachments)
            return
        if c.confidence < self.d._unsure_below:
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
                else:
                    self.say("other", registered=bool(self.resident.building))

    def offer_choices(self, text: str, c: Classification, attachments: list[dict]) -> None:
        ranked = [i for i, _ in c.alternatives if i in CHOOSABLE]
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
        self.idle(focus=ticket.code)

    # -- repair and complaint ---------------------------------------------------------------
    def start_report(self, kind: TicketKind, text: str, c: Classification, attachments: list[dict]) -> None:
        description = "" if is_bare_report(text) else text
        place = self.place_of(text, c, prefer_home=kind == TicketKind.COMPLAINT)
        category = c.evidence[0][:32] if c.evidence else None
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
            return self.d._t.resident("public_place", self.lang), None, None, None
        if prefer_home and r.building:
            return self.flat_label(), r.building, r.unit, r.room
        return "", None, None, None

    def report_step(self, text: str, *, use_home: bool = False, fresh: bool = False) -> None:
        if self.dlg.state != State.REPORT:
            self.say("expired")
            return
        data = dict(self.dlg.data or {})
        kind = TicketKind(data["kind"])
        attachments = list(data.get("attachments", [])) + self.attachments_data()
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
                data["place"] = list(place) if place[0] else [text[:200], None, None, None]
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
            buttons = ((Button(self.label("my_flat") + f" {self.flat_label()}", "place:home"),),) \
                if self.resident.building else ()
            self.say("ask_where", buttons=buttons)
            return
        place = data.get("place") or ["", None, None, None]
        description = data["description"]
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
                       buttons=((Button("我来接单", f"grab:{ticket.code}"),
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
        if answer is None:
            self.offer_choices(text, c, attachments)
            return
        self.set_state(State.IDLE, question=text[:500], answered=answer.title)
        self.say("answer", title=answer.title, text=self.d._fill(answer.text),
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
        self.start_renovation(scope=text)

    def start_renovation(self, scope: str = "") -> None:
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
        description = "; ".join(f"{k}: {v}" for k, v in answers.items() if v)
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

    def reno_buttons(self, step: str) -> tuple[tuple[Button, ...], ...]:
        return ((Button(self.label("skip"), "skip"),),) if step == "drawings" else ()

    # -- handing to a person ----------------------------------------------------------------
    def hand_to_person(self, text: str) -> None:
        for ticket in self.w.tickets_of(self.resident.id, open_only=True, limit=10):
            if ticket.kind == TicketKind.INQUIRY:
                self.set_state(State.WITH_AGENT, ticket=ticket.code)
                self.t.ticket_code = ticket.code
                self.say("handover_waiting", code=ticket.code, ticket=ticket.code)
                return
        question = self.dlg.get("question") or self.dlg.get("text") or text or ""
        ticket = self.open_ticket(TicketKind.INQUIRY, Priority.NORMAL, question, self.flat_label(),
                                  self.resident.building, self.resident.unit, self.resident.room,
                                  category=None, attachments=self.dlg.get("attachments", []))
        self.set_state(State.WITH_AGENT, ticket=ticket.code)
        self.say("handover", code=ticket.code, ticket=ticket.code,
                 respond=self.d._config.sla_for(TicketKind.INQUIRY, Priority.NORMAL).respond)
        self.staff(AGENTS_ROOM, "handover_new", t=ticket, resident=self.resident, ticket=ticket.code,
                   buttons=((Button("接管对话", f"take:{ticket.code}"),),))

    def relay_to_agent(self, text: str) -> None:
        code = self.dlg.get("ticket", "")
        ticket = self.own_ticket(code)
        if ticket is None or not ticket.is_open and ticket.kind != TicketKind.INQUIRY:
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
        if ticket.status in DONE and ticket.rating is None:
            rows.append(self.d._rate_row(ticket))
        self.t.ticket_code = ticket.code
        self.say("ticket_detail", t=ticket, events=events, buttons=tuple(rows), ticket=ticket.code)

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
        self.idle(focus=ticket.code)
        self.t.ticket_code = ticket.code
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
        open_tickets = self.w.tickets_of(self.resident.id, open_only=True, limit=6)
        if len(open_tickets) == 1:
            self.add_to_ticket(open_tickets[0].code, "")
            return
        if open_tickets:
            self.set_state(State.IDLE, pending_attachments=self.attachments_data())
            self.say("which_ticket", tickets=open_tickets,
                     buttons=tuple((Button(t.code, f"add:{t.code}"),) for t in open_tickets))
            return
        self.set_state(State.CHOOSE_INTENT, text="", attachments=self.attachments_data())
        self.say("photo_what")

    def cancel_pending(self) -> None:
        if self.dlg.state not in (State.IDLE, State.WITH_AGENT):
            self.idle()
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
        if ticket.rating is not None:
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
            ticket.rating_requested_at = None
            ticket.rating = None
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


def _att_dict(a: Attachment) -> dict[str, str | None]:
    return {"kind": a.kind.value, "ref": a.ref, "caption": a.caption}


def _att_from_dict(d: dict[str, Any]) -> Attachment:
    try:
        kind = AttachmentKind(d.get("kind", "document"))
    except ValueError:
        kind = AttachmentKind.DOCUMENT
    return Attachment(kind=kind, ref=str(d.get("ref", "")), caption=d.get("caption"))


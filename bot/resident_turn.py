"""The desk's turn for a resident's message: registration, reports, choices, applications, answers, ratings.

Called by ServiceDesk (bot/desk.py) inside the message's transaction; wording comes from bot/templates.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.dialogue import (
    MAX_TEXT_CHARS,
    Command,
    State,
    find_codes,
    has_words,
    is_bare_flat,
    is_bare_report,
    is_data_answer,
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
    Attachment,
    AttachmentKind,
    Button,
    ChatRef,
    Outbound,
    ticket_room,
)
from bot.models import EventKind, Priority, Resident, Ticket, TicketKind, add_told_kind, told_kinds
from bot.render import place_en
from bot.store import DialogueState
from bot.turn import DESK, RESUMABLE, Turn, set_aside
from bot.workflow import DONE, FINAL, INITIAL, Action, IllegalTransition, Status, next_actions, transition_for
from intents import kind_told
from intents.labels import Classification, Intent
from knowledge import Answer, Entry, Handbook

if TYPE_CHECKING:
    from bot.desk import ServiceDesk


logger = logging.getLogger(__name__)

RENOVATION_DOCS_QUESTION = "装修申请要带哪些资料"
DUPLICATE_EMERGENCY_WINDOW = timedelta(minutes=30)
# A message this short that names no place, sent while the resident has an emergency open
# ("快点来啊", "help!!", "还没人来吗"), is about that emergency, whatever kind the classifier guesses.
SHORT_FOLLOW_UP = 12
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


class ResidentTurn:
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
            ticket = self.own_ticket(self.dlg.get("focus", ""), lock=True)
            if ticket is not None and ticket.is_open and text:
                turned = self.turned_kind(ticket, text)
                if self.locate_emergency(ticket, text, turned) or self.tell_emergency(ticket, text, turned):
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
        return self.clearly_another_request(c) and c.intent.value != pending

    def clearly_another_request(self, c: Classification) -> bool:
        """A request of its own (not an emergency, not chit-chat), read confidently enough to leave a question."""
        return c.intent not in (Intent.OTHER, Intent.EMERGENCY) and \
            c.confidence >= max(self.d._unsure_below, CLEARLY_ANOTHER_REQUEST)

    def pause_pending(self) -> None:
        """Keep the unfinished application/report aside (the "resume" button brings it back)."""
        self.set_state(State.IDLE, paused=set_aside(self.dlg))

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
            open_emergency = self.recent_emergency() if self.short_follow_up(text) else None
            if open_emergency is not None:
                # "help!! hurry" minutes after an alert: no menu of kinds, the duty room gets it.
                self.pass_on_emergency_update(open_emergency, text, attachments)
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
                    self.inquiry(text, c, attachments, asked=True, answer=answer)
                elif (open_emergency := self.recent_emergency()) is not None:
                    # "救护车到了 谢谢", "人醒了" minutes after an alert: news for the duty room on that
                    # ticket, not a greeting as if nothing had happened.
                    self.pass_on_emergency_update(open_emergency, text, attachments)
                elif is_question(text):  # a question off our topics: say we have no answer, offer a person
                    self.inquiry(text, Classification(intent=Intent.INQUIRY, confidence=1.0), attachments,
                                 asked=True, answer=None)
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
    def recent_emergency(self, kind: str | None = None, *, any_kind: bool = True) -> Ticket | None:
        """The resident's newest open emergency alerted within DUPLICATE_EMERGENCY_WINDOW (of ``kind``
        unless ``any_kind``)."""
        for open_ticket in self.w.tickets_of(self.resident.id, open_only=True, limit=10):
            if (open_ticket.kind == TicketKind.EMERGENCY and (any_kind or open_ticket.category == kind)
                    and self.t.now - open_ticket.opened_at < DUPLICATE_EMERGENCY_WINDOW):
                return open_ticket
        return None

    @staticmethod
    def short_follow_up(text: str) -> bool:
        return len(text.strip()) <= SHORT_FOLLOW_UP and not names_a_place(text)

    def emergency(self, text: str, c: Classification, attachments: list[dict]) -> None:
        kind = c.emergency.value if c.emergency else None
        # The same emergency reported again, or a short alarmed follow-up of the one open ("快点来啊",
        # read as some guessed kind): one ticket, the update goes to the duty room.
        same = self.recent_emergency(kind, any_kind=self.short_follow_up(text))
        if same is not None:
            self.pass_on_emergency_update(same, text, attachments)
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

    def pass_on_emergency_update(self, ticket: Ticket, text: str, attachments: list[dict],
                                 turned: str | None = None) -> None:
        """More words (or photos) about an open emergency: on its ticket and to the duty room."""
        self.w.add_event(ticket, at=self.t.now, actor=self.actor, kind=EventKind.MESSAGE, text=text)
        self.attach(ticket, attachments)
        self.t.ticket_code = ticket.code
        self.say("emergency_update", code=ticket.code, ticket=ticket.code, urgent=True)
        if turned:
            self.guide_turn(ticket, turned)
        self.staff(DUTY_ROOM, "emergency_update", ticket=ticket.code, urgent=True, t=ticket, text=text,
                   turned=turned, buttons=self.d._ack_buttons(ticket))

    def turned_kind(self, ticket: Ticket, text: str) -> str | None:
        """The kind of a danger the reply tells in words of its own, other than the ticket's (and
        than any told since): "家里成水帘洞了 水一直往下冒" after a fire alert, "人晕过去了" in a
        stuck lift. None for a bare alarm ("快点来啊"), whose guessed kind says nothing new."""
        reading = self.d._classify(text)
        if (reading.intent != Intent.EMERGENCY or reading.confidence < self.d._unsure_below
                or not kind_told(reading)):
            return None
        kind = reading.emergency.value if reading.emergency else None
        return None if kind in (ticket.category, *told_kinds(ticket)) else kind

    def guide_turn(self, ticket: Ticket, kind: str) -> None:
        """A new kind of danger in the same emergency: noted on the ticket, and its guidance at once
        (the guidance already sent was for the first kind: a fire's is no help with a flood)."""
        add_told_kind(ticket, kind)
        self.w.save(ticket)
        entry = self.d._handbook.emergency_guidance(kind)
        self.say("emergency_guidance", kind=kind, guidance=self.d._fill(entry.answer) if entry else "",
                 title=entry.title if entry else "", code=ticket.code, ticket=ticket.code, urgent=True,
                 turned=True, respond=self.d._config.sla_for(TicketKind.EMERGENCY, Priority.URGENT).respond)

    def tell_emergency(self, ticket: Ticket, text: str, turned: str | None = None) -> bool:
        """A reply to "where is it?" that names no place ("楼上邻居", "不知道 快来", "人已经晕过去了"):
        still about the emergency, so it goes to the duty room, and we ask for the place again. Not a
        new request of another intent, nor long after the alert."""
        if ticket.place or self.t.now - ticket.opened_at >= DUPLICATE_EMERGENCY_WINDOW:
            return False
        if self.clearly_another_request(self.d._classify(text)):
            return False  # "物业费怎么交": handled as usual
        # An alarmed reply ("快点来啊") reads as an emergency of some guessed kind, and a worse turn
        # ("人已经晕过去了") as one of its own kind: either way it is this emergency, happening now,
        # and the duty room already paged for it needs the words, not a second E- ticket.
        self.pass_on_emergency_update(ticket, text, self.attachments_data(), turned)
        self.say("emergency_where", kind=turned or ticket.category or "", ticket=ticket.code)
        return True

    def locate_emergency(self, ticket: Ticket, text: str, turned: str | None = None) -> bool:
        """The answer to "where is it?": the E- ticket gets the place and the duty room is told."""
        if len(text) > 60 or not names_a_place(text):
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
        if turned:
            self.guide_turn(ticket, turned)
        self.staff(DUTY_ROOM, "emergency_located", ticket=ticket.code, urgent=True, t=ticket, text=text,
                   turned=turned, buttons=() if ticket.responded_at else self.d._ack_buttons(ticket))
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
    def inquiry(self, text: str, c: Classification, attachments: list[dict], *,
                asked: bool = False, answer: Answer | None = None) -> None:
        """Answer from the handbook; ``asked``: the caller already asked it, and ``answer`` is its reply."""
        if not asked:
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


def is_data(text: str) -> bool:
    """Numbers, a date or a bare flat number: an answer or a registration, never an alarm."""
    return is_data_answer(text) or is_bare_flat(text)


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

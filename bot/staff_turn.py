"""The desk's turn for a staff member's message: the agent queue, hand-overs, ticket transitions, dispatch.

Called by ServiceDesk (bot/desk.py) inside the message's transaction; wording comes from bot/templates.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.dialogue import Command, State, find_codes, is_garbled, parse_command
from bot.messages import (
    AGENTS_ROOM,
    DUTY_ROOM,
    ENGINEERING_ROOM,
    MANAGER_ROOM,
    STAFF_CHANNEL,
    Button,
    ChatRef,
    Outbound,
    Role,
    ticket_room,
)
from bot.models import EventKind, Resident, Staff, Ticket, TicketKind
from bot.render import LABELS_ZH
from bot.turn import Turn, set_aside
from bot.workflow import (
    FINAL,
    STATUS_ZH,
    Action,
    IllegalTransition,
    Status,
    check_role,
    next_actions,
    transition_for,
)

if TYPE_CHECKING:
    from bot.desk import ServiceDesk


logger = logging.getLogger(__name__)

STAFF_DIALOGUE = "staff-dialogue"  # Dialogue.channel of a staff member's own pending question
FINISHING_PHOTO_WITHIN = timedelta(hours=2)  # a photo this soon after 完成 is the finishing photo

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


class StaffTurn:
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
            kept = set_aside(self.w.dialogue(chat))  # resumed when the chat is handed back
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
        possible.append(Action.DONE)  # finishing straight away also accepts (see StaffTurn.step)
    row = tuple(Button(label, f"xfer:{ticket.code}" if action == Action.TRANSFER else f"do:{ticket.code}:{action}")
                for action, label in ENGINEER_STEPS if action in possible)
    return (row,) if row else ()

"""What the resident and staff halves of the desk share: the turn in hand, the desk's own name, set-aside work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.dialogue import State
from bot.messages import Inbound, Outbound
from bot.store import DialogueState, Work

DESK = "desk"  # actor name of the desk itself in the audit trail
RESUMABLE = (State.RENOVATION, State.REPORT)  # what the "resume" button can bring back


def set_aside(dialogue: DialogueState) -> dict[str, Any] | None:
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

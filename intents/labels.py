"""The message labels of ../shared/spec/labels.md as typed values.

Enum values are exactly the labels in labels.md: other tools read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    """What a resident wants (labels.md, "Intents")."""

    EMERGENCY = "emergency"
    REPAIR = "repair"
    COMPLAINT = "complaint"
    RENOVATION = "renovation"
    INQUIRY = "inquiry"
    OTHER = "other"


class EmergencyKind(StrEnum):
    """The kind of an emergency (labels.md, "Emergency kinds")."""

    FIRE = "fire"
    ELEVATOR = "elevator"
    GAS = "gas"
    FLOOD = "flood"
    OUTAGE = "outage"
    SECURITY = "security"
    MEDICAL = "medical"


@dataclass(frozen=True, slots=True)
class Place:
    """The building / unit / room a message names, normalised.

    ``building`` is an Arabic number or a letter ("3", "12", "B"); ``unit`` a
    number ("2"); ``room`` the flat number as written ("501", "1802"). Any of
    them may be None when the message does not name it.
    """

    building: str | None = None
    unit: str | None = None
    room: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"building": self.building, "unit": self.unit, "room": self.room}

    def label(self) -> str:
        """A short Chinese label such as 3栋2单元501, for replies and ticket titles."""
        parts = []
        if self.building:
            parts.append(f"{self.building}栋")
        if self.unit:
            parts.append(f"{self.unit}单元")
        if self.room:
            parts.append(self.room)
        return "".join(parts)


@dataclass(frozen=True, slots=True)
class Classification:
    """How the classifier read one message.

    ``confidence`` is in [0, 1]; below ``intents.UNSURE_BELOW`` the desk asks the
    resident to choose among ``alternatives`` (best first, the chosen intent
    included). ``evidence`` names what the reading rests on, for debugging.
    """

    intent: Intent
    confidence: float
    emergency: EmergencyKind | None = None
    place: Place | None = None
    alternatives: tuple[tuple[Intent, float], ...] = ()
    evidence: tuple[str, ...] = ()

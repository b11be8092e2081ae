"""Buttons in `desk chat` terminals: each message shows the buttons it carried, and only those.

A message another terminal caused is read back from the outbound table, so its buttons
must come back from there too (trial findings 3, 4 and 13). Real desk, real database.
"""

from __future__ import annotations

import re

import pytest

from tests.core.test_console_terminals import terminals  # noqa: F401 - the fixture

TICKET = re.compile(r"[A-Z]-\d{8}-\d{4}")


def _hand_over(resident, agent) -> str:
    resident.type("/human")
    return TICKET.findall(agent.type("/queue"))[-1]


def _numbered(shown: str) -> dict[str, str]:
    """Button label by the number a terminal printed before it."""
    return {number: label.strip() for number, label in re.findall(r"\[(\d+)\] ([^\[\n]+)", shown)}


def test_a_kept_application_comes_back_with_its_resume_button_not_rating_stars(terminals, desk):
    resident, agent = terminals(), terminals("agent")
    resident.type("3-2-501", "我要装修")
    code = _hand_over(resident, agent)
    agent.type(f"/take {code}", "好的", f"/close {code}")
    got = resident.poll()
    kept = got[got.index("继续填写"):]  # the set-aside application's message and its own buttons
    buttons = _numbered(kept)
    assert list(buttons.values()) == ["继续填写"], kept
    assert "⭐" not in kept
    rating = _numbered(got[:got.index("继续填写")])
    assert sorted(rating.values()) == [f"{n}⭐" for n in range(1, 6)]  # the hand-back's own request
    number = next(n for n, label in buttons.items() if label == "继续填写")
    resident.type(number)  # pressing it resumes the application; it rates nothing
    with desk.store.work() as w:
        assert w.ticket(code).rating is None


def test_a_message_with_buttons_from_another_terminal_shows_them_pressable(terminals):
    resident, agent = terminals(), terminals("agent")
    resident.type("3-2-501", "/human")
    queued = agent.poll() + agent.type("/queue")
    assert "接管对话" in _numbered(queued).values()  # the hand-over alert's button, posted by the resident's line
    number = next(n for n, label in _numbered(queued).items() if label == "接管对话")
    assert "接管" in agent.type(number)


def test_a_dispatch_reaches_the_engineers_terminal_with_its_grab_button(terminals):
    resident, engineer = terminals(), terminals("engineer")
    resident.type("3-2-501", "卫生间下水道堵了")
    got = engineer.poll()
    assert TICKET.search(got) and "R-" in got
    assert "接单" in _numbered(got).values(), got


def _finish_repair(code: str, agent, engineer) -> None:
    agent.type(f"/dispatch {code} {engineer.session._persona.name}")
    engineer.type(f"/accept {code}", f"/done {code}")


def test_a_ticket_reopened_after_a_low_rating_can_be_rated_again_from_its_new_request(terminals, desk):
    resident, agent, engineer = terminals(), terminals("agent"), terminals("engineer")
    code = TICKET.findall(resident.type("3-2-501", "卫生间下水道堵了"))[-1]
    _finish_repair(code, agent, engineer)
    first = resident.poll()
    one = next(n for n, label in _numbered(first).items() if label == "1⭐")
    resident.type(one, "根本没修好,还是堵")
    with desk.store.work() as w:
        assert w.ticket(code).is_open and w.ticket(code).rating == 1  # reopened, the low rating kept
    _finish_repair(code, agent, engineer)
    again = resident.poll()
    five = next((n for n, label in _numbered(again).items() if label == "5⭐"), None)
    assert five is not None, again  # the redo's request carries its rating buttons
    resident.type(five)
    with desk.store.work() as w:
        assert w.ticket(code).rating == 5


def test_a_staff_terminal_shows_a_residents_buttons_but_not_as_its_own(terminals):
    resident, agent = terminals(), terminals("agent")
    resident.type("3-2-501")
    code = _hand_over(resident, agent)
    agent.type(f"/take {code}")
    closed = agent.type(f"/close {code}")
    to_resident = closed[closed.index("[to resident"):]
    assert "5⭐" in to_resident  # the staff member sees what the resident was offered …
    assert not any("⭐" in label for label in _numbered(closed).values())
    assert "[1]" not in to_resident  # … but not as buttons of their own to press
    answer = agent.type("1")
    assert "/rate" not in answer and "rate:" not in answer

"""Several `desk chat` terminals on one database (item 6): each shows only what is addressed to it.

Real desk, real database (SQLite, and PostgreSQL when configured); each terminal is a
ConsoleSession writing to its own StringIO, as two terminals side by side would.
"""

from __future__ import annotations

import io
import re

import pytest

from bot.config import Config
from bot.console import ConsoleSession, Persona
from bot.desk import ServiceDesk
from tests.support.chat import Clock


class Terminal:
    """One terminal: a console session and everything it printed so far."""

    def __init__(self, desk: ServiceDesk, config: Config, clock: Clock, as_: str = "resident", *,
                 chat: str = "1", name: str | None = None) -> None:
        self.out = io.StringIO()
        self.session = ConsoleSession(desk, Persona.choose(config, as_, name, chat), out=self.out,
                                      clock=clock.tick)
        self._seen = 0

    def type(self, *lines: str) -> str:
        """Type lines; return what the terminal printed meanwhile."""
        for line in lines:
            self.session.send(line)
        return self.new()

    def poll(self) -> str:
        self.session.poll()
        return self.new()

    def new(self) -> str:
        text = self.out.getvalue()[self._seen:]
        self._seen = len(self.out.getvalue())
        return text


@pytest.fixture
def terminals(desk: ServiceDesk, config: Config, clock: Clock):
    def open_(as_: str = "resident", **kw) -> Terminal:
        return Terminal(desk, config, clock, as_, **kw)

    return open_


def test_the_agents_reply_typed_as_plain_text_reaches_the_residents_terminal_once(terminals):
    resident, agent = terminals(), terminals("agent")
    resident.type("3-2-501", "/human")
    out = agent.type("/queue")
    code = next(word for word in out.split() if word.startswith("Q-"))
    agent.type(f"/take {code}")
    shown = agent.type("您好，宠物狗的问题我来跟进")  # plain text: the reply to the chat it took
    assert "已发送" in shown or "您好，宠物狗的问题我来跟进" in shown
    got = resident.poll()
    assert "您好，宠物狗的问题我来跟进" in got
    assert "接入" in got or "李客服" in got  # the take notice reached the resident too
    assert resident.poll() == ""  # delivered once


def test_a_resident_terminal_never_shows_staff_rooms_or_other_residents(terminals, clock):
    first, second, guard = terminals(chat="1"), terminals(chat="2"), terminals("security")
    out = first.type("5-1-1203", "电梯困人了，有人被关在里面")
    assert "E-" in out
    assert "[staff:" not in out and "[to resident" not in out
    assert "我来处理" not in out and "接管" not in out  # no staff buttons in a resident's terminal
    alert = guard.poll()
    assert "[staff:duty]" in alert and "E-" in alert  # staff see the duty room
    clock.advance(minutes=30)  # the unacknowledged emergency is re-alerted and escalated by the sweeps
    shown = second.type("你好")  # a sweep runs after this line, in the second resident's terminal
    assert "5栋1单元1203" not in shown and "电梯" not in shown and "[staff:" not in shown
    assert "E-" not in shown
    repeats = guard.poll()
    assert "E-" in repeats  # the sweep's alerts went to the staff terminal instead


def test_a_terminal_opened_later_catches_up_on_what_it_missed(terminals, desk, config, clock):
    resident = terminals()
    resident.type("3-2-501", "/human")
    agent = terminals("agent")
    code = next(word for word in agent.type("/queue").split() if word.startswith("Q-"))
    agent.type(f"/take {code}", "请问具体是什么问题？")
    reopened = Terminal(desk, config, clock)  # the resident's terminal started again
    reopened.session.poll()
    assert "请问具体是什么问题？" in reopened.new()


def test_staff_plain_text_needs_a_taken_chat_and_several_ask_which(terminals):
    agent = terminals("agent")
    out = agent.type("随便说点什么")  # nothing taken: passed on as typed, the desk answers it
    assert "(you have taken" not in out and "已发送" not in out
    for chat in ("1", "2"):
        resident = terminals(chat=chat)
        resident.type(f"3-2-50{chat}", "/human")
    out = agent.type("/queue")
    codes = sorted(set(re.findall(r"Q-\d{8}-\d{4}", out)))
    assert len(codes) == 2
    for code in codes:
        agent.type(f"/take {code}")
    agent.type(f"/reply {codes[0]} 第一位业主您好")
    agent.type("还需要别的帮助吗")  # goes to the ticket last replied to
    first = terminals(chat="1")
    assert "还需要别的帮助吗" in first.new() + first.poll()
    fresh = terminals("agent")
    assert "/reply CODE" in fresh.type("这条给谁？")  # several taken, none replied to from here


def test_a_rating_request_from_another_terminal_comes_with_rating_buttons(terminals):
    resident, agent = terminals(), terminals("agent")
    resident.type("3-2-501", "/human")
    code = next(word for word in agent.type("/queue").split() if word.startswith("Q-"))
    agent.type(f"/take {code}", "已为您登记", f"/close {code}")
    got = resident.poll()
    if "⭐" not in got:
        pytest.skip("closing a handed-over inquiry asks for no rating in this version of the desk")
    assert "[5] 5⭐" in got
    answer = resident.type("5")
    assert "no choice" not in answer and answer.strip()


def test_two_terminals_of_one_resident_each_show_every_message_once(terminals):
    first, second, agent = terminals(), terminals(), terminals("agent")
    handover = "已为您转接人工客服"
    assert first.type("3-2-501", "/human").count(handover) == 1
    assert second.poll().count(handover) == 1  # the same chat, typed in the other terminal
    assert first.poll() == "" and second.poll() == ""
    code = next(word for word in agent.type("/queue").split() if word.startswith("Q-"))
    agent.type(f"/take {code}", "请问具体是什么问题？")
    assert first.poll().count("请问具体是什么问题？") == 1
    assert second.poll().count("请问具体是什么问题？") == 1
    assert first.poll() == "" and second.poll() == ""
    heading = second.type("/my").splitlines()[0]  # the list of tickets
    assert first.poll().count(heading) == 1
    assert first.poll() == "" and second.poll() == ""

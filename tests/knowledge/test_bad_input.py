"""Empty, huge, binary or hostile questions get None, never an exception."""

from __future__ import annotations

import subprocess
import sys

import pytest

import knowledge
from knowledge import Handbook

HOSTILE = {
    "empty": "",
    "spaces": "   \t\n  ",
    "100 KB": "物业费怎么交" * 17000,
    "binary": bytes(range(256)).decode("latin-1"),
    "control characters": "\x00\x01\x02\x1b[31m\x7f",
    "lone surrogates": "\ud800\udfff\udc80",
    "regex metacharacters": ".*+?()[]{}|^$\\1(?P<x>)" * 20,
    "markup": "<script>alert('x')</script>{{hotline}}**__`",
    "sql": "'; DROP TABLE tickets; --",
    "punctuation only": "?!?!。。,,……",
    "one character": "费",
    "a number": "119",
    "a flat number": "3栋502",
    "only filler words": "请问一下你好吗",
    "emoji": "🚗🅿️💰❓",
    "right-to-left": "\u202e费业物",
    "null bytes between words": "物\x00业\x00费",
}


@pytest.mark.parametrize("question", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_question_is_declined(mini: Handbook, question: str) -> None:
    assert mini.answer(question) is None


@pytest.mark.parametrize("value", [None, 42, b"\xff", ["物业费"]], ids=["None", "int", "bytes", "list"])
def test_non_string_question_is_declined(mini: Handbook, value: object) -> None:
    assert mini.answer(value) is None  # type: ignore[arg-type]


def test_lone_surrogates_inside_a_real_question_do_not_stop_the_answer(mini: Handbook) -> None:
    found = mini.answer("\ud800物业费在哪里交\udfff")
    assert found is not None and found.title == "物业费怎么交?"


def test_long_but_reasonable_question_is_still_answered(mini: Handbook) -> None:
    question = "你好,我是三号楼的业主,最近刚搬进来,想问一下物业费应该在哪里交,可以用手机交吗,谢谢" * 3
    found = mini.answer(question)
    assert found is not None and found.title == "物业费怎么交?"


def test_module_level_answer_uses_the_bundled_handbook_by_default() -> None:
    assert knowledge.answer("") is None
    assert knowledge.answer("物业服务中心的24小时热线是多少") is not None


def test_knowledge_imports_no_bot_intents_telegram_or_database() -> None:
    code = ("import sys, knowledge, knowledge.cli, knowledge.evaluate; knowledge.answer('物业费怎么交'); "
            "bad = [m for m in ('bot', 'intents', 'telegram', 'sqlmodel', 'sqlalchemy', 'jinja2', "
            "'apscheduler') "
            "if m in sys.modules]; print(','.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            check=True)
    assert result.stdout.strip() == ""

"""Bad input gets a valid Classification (`other` where nothing can be read), never an exception."""

from __future__ import annotations

import json

import pytest

from intents import UNSURE_BELOW, Classification, Intent, classify
from intents.normalize import MAX_CHARS, normalize

UNREADABLE = [
    "",
    " ",
    "\t\n\r  \u3000",
    "\x00\x01\x02\x1b[31m\x7f",
    "\ud800\udfff\udc00",  # lone surrogates
    "\ufffd\ufffd\ufffd",  # what binary junk decodes to
    "。。。!!??,,",
    "\u200b\u200d\ufeff",
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_nothing_readable_is_other(text: str) -> None:
    result = classify(text)
    assert isinstance(result, Classification)
    assert result.intent is Intent.OTHER
    assert result.emergency is None
    assert 0.0 <= result.confidence <= 1.0


def test_binary_junk_is_a_valid_classification() -> None:
    junk = bytes(range(256)).decode("latin-1") + bytes(range(256)).decode("utf-8", errors="replace")
    result = classify(junk)
    assert isinstance(result.intent, Intent)
    assert 0.0 <= result.confidence <= 1.0


def test_huge_message_is_read_from_its_head() -> None:
    text = "电梯困人了 快来 " + "啊" * 20_000
    result = classify(text)
    assert result.intent is Intent.EMERGENCY
    assert len(normalize(text).text) <= MAX_CHARS


def test_huge_junk_message_is_other() -> None:
    assert classify("\x00" * 20_000).intent is Intent.OTHER


def test_control_characters_inside_words_do_not_hide_them() -> None:
    result = classify("电梯\x00困人\x07了")
    assert result.intent is Intent.EMERGENCY


def test_lone_surrogates_inside_a_real_message() -> None:
    result = classify("水管爆了\ud800 水喷了一地 关不住")
    assert result.intent is Intent.EMERGENCY
    # The reading can be reported as JSON/UTF-8 (evidence included).
    json.dumps(result.evidence, ensure_ascii=False).encode("utf-8")


def test_non_string_input_is_read_as_text() -> None:
    assert classify(12345).intent is Intent.OTHER  # type: ignore[arg-type]


def test_unsure_below_is_a_probability() -> None:
    assert 0.0 < UNSURE_BELOW < 1.0


@pytest.mark.parametrize("text", ["a" * 5000, "漏" * 5000, "🔥" * 3000, "fire " * 2000])
def test_repetition_does_not_break_it(text: str) -> None:
    result = classify(text)
    assert 0.0 <= result.confidence <= 1.0

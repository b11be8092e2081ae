"""Reading residents' words: flats, ticket numbers, commands, language, requests for a person."""

from __future__ import annotations

import pytest

from bot.dialogue import (
    Flat,
    clean_text,
    detect_language,
    find_codes,
    is_bare_report,
    is_data_answer,
    parse_building,
    parse_command,
    parse_flat,
    wants_human,
)


@pytest.mark.parametrize(("text", "flat"), [
    ("3栋2单元501", Flat("3", "2", "501")),
    ("我住3号楼2单元501室", Flat("3", "2", "501")),
    ("12幢1802", Flat("12", None, "1802")),
    ("3-2-501", Flat("3", "2", "501")),
    ("３－２－５０１", Flat("3", "2", "501")),  # full-width digits and dash
    ("B座1203", Flat("B", None, "1203")),
    ("Building 3 Unit 2 Room 501", Flat("3", "2", "501")),
    ("block b, flat 1802", Flat("B", None, "1802")),
])
def test_flats_are_read_in_the_usual_spellings(text, flat):
    assert parse_flat(text) == flat


@pytest.mark.parametrize("text", ["你好", "电梯坏了", "0571-8888 6666", "2026-11-23", "501"])
def test_no_flat_is_invented(text):
    assert parse_flat(text) is None


def test_building_of_a_public_place():
    assert parse_building("3号楼电梯坏了") == "3"
    assert parse_building("地下车库") is None


def test_ticket_codes_are_found_and_normalised():
    assert find_codes("r-20261123-0007 和 C202611230001 都没人管") == ["R-20261123-0007", "C-20261123-0001"]
    assert find_codes("电话 0571-8888 6666") == []


def test_commands_are_parsed_with_telegram_bot_suffix_and_full_width_slash():
    assert parse_command("/take@desk_bot R-20261123-0001") .name == "take"
    command = parse_command("／note R-1 业主下午在家")
    assert command.name == "note" and command.arg(0) == "R-1" and command.rest == "R-1 业主下午在家"
    assert parse_command("不是命令") is None
    assert parse_command("/") is None


def test_language_comes_from_the_hint_else_the_script():
    assert detect_language("hello", "zh-hans") == "zh"
    assert detect_language("my tap leaks") == "en"
    assert detect_language("水龙头漏水") == "zh"
    assert detect_language("/start") == "zh"
    assert detect_language("123") == "zh"


@pytest.mark.parametrize(("text", "human"), [
    ("转人工", True), ("人工客服！", True), ("Human", True), ("talk to a person", True),
    ("人工湖边的灯坏了", False), ("human rights", False),
])
def test_asking_for_a_person(text, human):
    assert wants_human(text) is human


def test_bare_reports_say_nothing_about_the_problem():
    assert is_bare_report("我要报修")
    assert is_bare_report("投诉一下。")
    assert is_bare_report("I want to report a repair")
    assert not is_bare_report("我要报修，厨房水龙头漏水")


def test_answers_made_of_numbers_are_data():
    assert is_data_answer("12月1日到2月28日")
    assert is_data_answer("138 0000 0000")
    assert not is_data_answer("12楼着火了")
    assert not is_data_answer("没有数字")


def test_control_characters_go_and_long_text_is_cut():
    assert clean_text("\x00漏\x1b水\n") == "漏水"
    assert len(clean_text("水" * 10_000)) == 4000

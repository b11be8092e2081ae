"""Composing notices: parsing staff input, checks, the 24-hour rule, reminders, every template."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.notices.compose import (
    KIND_FIELDS,
    ComposeError,
    NoticeTemplates,
    compose,
    form_for,
    parse_buildings,
    parse_draft,
    parse_when,
    split_range,
)
from bot.notices.models import NoticeKind, NoticePurpose
from tests.notices.conftest import NOW

WATER_CUT = """停水
时间: 2026-11-25 09:00-17:00
区域: 3号楼
原因: 二次供水水箱清洗
联系电话: 0571-8888 6620
对象: 3号楼
置顶: 是"""


def test_one_command_water_cut_becomes_a_notice_for_building_3(templates: NoticeTemplates) -> None:
    c = compose(parse_draft(WATER_CUT), now=NOW, templates=templates)
    assert c.kind is NoticeKind.WATER_CUT and c.buildings == ("3",) and c.pin and c.send_now
    assert c.event_at == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert c.text.splitlines()[0] == "【停水通知】"
    assert "因二次供水水箱清洗,3号楼将于 2026年11月25日(周三) 09:00–17:00 暂停供水" in c.text
    assert "0571-8888 6620" in c.text and not c.warnings  # 47 hours ahead: no warning


def test_planned_cut_less_than_24_hours_ahead_needs_confirmation(templates: NoticeTemplates) -> None:
    late = WATER_CUT.replace("2026-11-25 09:00-17:00", "2026-11-24 08:00-12:00")  # 22 h after NOW
    c = compose(parse_draft(late), now=NOW, templates=templates)
    assert c.needs_confirmation
    assert "提前24小时" in c.warnings[0] and "约 22 小时" in c.warnings[0]


def test_power_cut_scheduled_so_that_it_goes_out_late_also_warns(templates: NoticeTemplates) -> None:
    text = WATER_CUT.replace("停水", "停电", 1) + "\n发送: 2026-11-24 12:00"  # sent 21 h before the cut
    c = compose(parse_draft(text), now=NOW, templates=templates)
    assert c.kind is NoticeKind.POWER_CUT and not c.send_now and c.warnings


def test_other_kinds_never_get_the_24_hour_warning(templates: NoticeTemplates) -> None:
    text = "消防演练\n开始: 明天 15:00\n地点: 中心广场"
    assert not compose(parse_draft(text), now=NOW, templates=templates).warnings


def test_planned_cut_gets_an_automatic_reminder_two_hours_before(templates: NoticeTemplates) -> None:
    c = compose(parse_draft(WATER_CUT), now=NOW, templates=templates)
    assert [(r.purpose, r.send_at, r.relevant_until) for r in c.reminders] == [
        (NoticePurpose.CUT_REMINDER, c.event_at - timedelta(hours=2), c.event_at)]


def test_a_cut_announced_at_the_last_minute_gets_no_reminder_on_top(templates: NoticeTemplates) -> None:
    late = WATER_CUT.replace("2026-11-25 09:00-17:00", "2026-11-23 12:20-14:00")  # 2h20 after NOW
    assert compose(parse_draft(late), now=NOW, templates=templates).reminders == ()


def test_activity_reminds_signed_up_residents_the_day_before(templates: NoticeTemplates) -> None:
    text = "活动\n标题: 亲子运动会\n开始: 2026-11-28 09:00\n地点: 中心广场\n名额: 30人"
    c = compose(parse_draft(text), now=NOW, templates=templates)
    assert c.capacity == 30 and c.relevant_until == c.event_at
    assert [(r.purpose, r.send_at) for r in c.reminders] == [
        (NoticePurpose.SIGNUP_REMINDER, c.event_at - timedelta(hours=24))]
    assert "名额: 30 人" in c.text


@pytest.mark.parametrize(("text", "problem"), [
    ("停水\n区域: 3号楼", "缺少开始"),
    ("停水\n时间: 2026-11-25 17:00-09:00\n区域: 3号楼\n原因: 维修", "结束时间必须晚于开始时间"),
    ("停水\n时间: 2026-11-20 09:00-17:00\n区域: 3号楼\n原因: 维修", "开始时间必须晚于发送时间"),
    ("停水\n时间: 2026-02-30 09:00-17:00\n区域: 3号楼\n原因: 维修", "不存在"),
    ("停水\n时间: 下周某天\n区域: 3号楼\n原因: 维修", "看不懂的时间"),
    ("通用\n标题: 通知\n内容: 好\n发送: 2026-11-01 09:00", "发送时间已经过去了"),
    ("通用\n标题: 通知\n内容: 好\n对象: 楼下那栋", "看不懂的楼栋"),
    ("通用\n颜色: 红\n标题: 通知\n内容: 好", "不认识的字段: 颜色"),
    ("通用\n标题: 通知\n内容: " + "很长" * 600, "太长"),
    ("通用\n标题: 通知\n内容: a\x00b", "无法显示"),
    ("活动\n标题: 跑步\n开始: 明天 9:00\n地点: 操场\n名额: 很多", "名额请写一个正整数"),
    ("通用\n标题: 通知\n内容: 好\n语言: fr", "语言请写 zh 或 en"),
    ("通用\n标题: 通知\n内容: 好\n对象: " + " ".join(f"{i}号楼" for i in range(200)), "楼栋太多了"),
    ("停水\n名额: 3\n时间: 2026-11-25 09:00-17:00\n区域: 3号楼\n原因: 维修", "停水通知没有这些字段: 名额"),
], ids=["missing", "end-before-start", "past", "no-such-date", "unreadable-time", "send-in-past",
        "bad-building", "unknown-field", "too-long", "nul", "bad-capacity", "bad-language", "too-many-buildings",
        "wrong-field"])
def test_bad_input_gets_a_clear_message(templates: NoticeTemplates, text: str, problem: str) -> None:
    with pytest.raises(ComposeError) as err:
        compose(parse_draft(text), now=NOW, templates=templates)
    assert problem in str(err.value)


@pytest.mark.parametrize("text", ["", "   ", "/notice", "不知道什么类型\n标题: x"])
def test_missing_or_unknown_kind_is_refused(text: str) -> None:
    with pytest.raises(ComposeError):
        parse_draft(text.removeprefix("/notice"))


def test_several_problems_are_reported_together(templates: NoticeTemplates) -> None:
    with pytest.raises(ComposeError) as err:
        compose(parse_draft("停电\n原因: 检修"), now=NOW, templates=templates)
    assert {"缺少开始", "缺少结束", "缺少区域"} <= set(str(err.value).splitlines())


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-25 09:00", datetime(2026, 11, 25, 1, 0, tzinfo=UTC)),
    ("2026/11/25 9:30", datetime(2026, 11, 25, 1, 30, tzinfo=UTC)),
    ("2026年11月25日 9点", datetime(2026, 11, 25, 1, 0, tzinfo=UTC)),
    ("11月25日 下午3点", datetime(2026, 11, 25, 7, 0, tzinfo=UTC)),
    ("11-25 14:00", datetime(2026, 11, 25, 6, 0, tzinfo=UTC)),
    ("1-05 08:00", datetime(2027, 1, 5, 0, 0, tzinfo=UTC)),  # January is next year in November
    ("明天 14:30", datetime(2026, 11, 24, 6, 30, tzinfo=UTC)),
    ("18:00", datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
    ("2026-11-25T09:00+08:00", datetime(2026, 11, 25, 1, 0, tzinfo=UTC)),
], ids=lambda v: str(v))
def test_local_times_as_staff_type_them(value: str, expected: datetime) -> None:
    assert parse_when(value, now=NOW, zone=NoticeTemplates().zone) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-25 09:00-17:00", ("2026-11-25 09:00", "2026-11-25 17:00")),
    ("2026-11-25 09:00 至 2026-11-26 17:00", ("2026-11-25 09:00", "2026-11-26 17:00")),
    ("明天 9:00~12:00", ("明天 9:00", "明天 12:00")),
    ("2026-11-25 09:00", ("2026-11-25 09:00", "")),
])
def test_time_ranges(value: str, expected: tuple[str, str]) -> None:
    assert split_range(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("全部", ()), ("all", ()), ("", ()), ("3号楼", ("3",)), ("3号楼, 5栋、12幢", ("3", "5", "12")),
    ("3 3 5", ("3", "5")), ("Building 7", ("7",)),
])
def test_buildings(value: str, expected: tuple[str, ...]) -> None:
    assert parse_buildings(value) == expected


@pytest.mark.parametrize("value", ["99号楼 abc", "号楼", "楼下那栋", "12345678901号楼"])
def test_a_word_that_names_no_building_is_refused_not_read_as_everyone(value: str) -> None:
    """The Telegram form and `--to` share this rule: "abc" is no building, and "号楼" is not 全部."""
    with pytest.raises(ComposeError, match="对象"):
        parse_buildings(value)


def test_a_building_letter_or_a_numbered_block_is_accepted() -> None:
    assert parse_buildings("A栋 12A 12-1 B") == ("A", "12A", "12-1", "B")


def test_multi_line_body_and_fullwidth_colons(templates: NoticeTemplates) -> None:
    draft = parse_draft("温馨提示\n标题：降温提醒\n内容：本周气温骤降,\n请注意防寒保暖,\n关好门窗。")
    c = compose(draft, now=NOW, templates=templates)
    assert "本周气温骤降,\n请注意防寒保暖,\n关好门窗。" in c.text and c.text.startswith("【温馨提示】降温提醒")


def test_a_body_line_that_looks_like_a_field_stays_in_the_body(templates: NoticeTemplates) -> None:
    draft = parse_draft("通用\n标题: 电梯年检\n内容: 周三上午年检。\n注意: 请走楼梯\n置顶: 是")
    assert draft.fields["body"] == "周三上午年检。\n注意: 请走楼梯" and draft.options["pin"] == "是"


def test_the_dialogue_form_parses_back_once_filled_in(templates: NoticeTemplates) -> None:
    form = form_for(NoticeKind.FIRE_DRILL)
    filled = form.replace("开始: ", "开始: 明天 15:00").replace("地点: ", "地点: 中心广场")
    c = compose(parse_draft(filled, NoticeKind.FIRE_DRILL), now=NOW, templates=templates)
    assert "地点: 中心广场" in c.text and c.buildings == ()


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_template_renders_with_all_and_with_only_required_fields(
        templates: NoticeTemplates, kind: NoticeKind, language: str) -> None:
    values = {"start": datetime(2026, 11, 25, 1, tzinfo=UTC), "end": datetime(2026, 11, 25, 9, tzinfo=UTC),
              "area": "3号楼", "reason": "管道维修", "contact": "0571-8888 6620", "place": "中心广场",
              "title": "重阳节茶话会", "body": "请注意防寒。", "details": "请穿运动鞋。", "capacity": 40}
    required, optional = KIND_FIELDS[kind]
    full = templates.notice_text(kind, language, {k: values[k] for k in (*required, *optional)})
    bare = templates.notice_text(kind, language, {k: values[k] for k in required})
    assert "0571-8888 6620" in full and "0571-8888 6620" not in bare
    assert "None" not in bare and "{{" not in full
    assert ("物业服务中心" if language == "zh" else "Property Service Centre") in bare


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(("purpose", "kind"), [(NoticePurpose.CUT_REMINDER, NoticeKind.WATER_CUT),
                                                (NoticePurpose.CUT_REMINDER, NoticeKind.POWER_CUT),
                                                (NoticePurpose.SIGNUP_REMINDER, NoticeKind.ACTIVITY)])
def test_reminder_templates(templates: NoticeTemplates, purpose: NoticePurpose, kind: NoticeKind,
                            language: str) -> None:
    fields = {"start": datetime(2026, 11, 25, 1, tzinfo=UTC), "end": datetime(2026, 11, 25, 9, tzinfo=UTC),
              "area": "3号楼", "reason": "维修", "title": "运动会", "place": "广场"}
    text = templates.reminder_text(purpose, kind, language, fields)
    assert ("09:00–17:00" in text or "09:00" in text) and ("3号楼" in text or "运动会" in text)
    if kind is NoticeKind.POWER_CUT:
        assert ("停电" if language == "zh" else "power") in text


def test_english_notice(templates: NoticeTemplates) -> None:
    c = compose(parse_draft(WATER_CUT + "\n语言: en"), now=NOW, templates=templates)
    assert c.text.startswith("[Water supply interruption]") and "Wed 25 Nov 2026 09:00–17:00" in c.text

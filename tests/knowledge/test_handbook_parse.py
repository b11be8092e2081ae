"""The handbook loader follows shared/spec/handbook-format.md exactly, and fails with file:line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from knowledge import EMERGENCY_KINDS, Entry, Handbook, HandbookError, fill_placeholders, load_handbook
from tests.knowledge.conftest import MINI, WriteHandbook

SPEC_EXAMPLE = """# 第三章 费用与缴纳

## 物业费怎么交?
别名: 物业费在哪里交 | 怎么缴纳管理费 | how do I pay the management fee
标签: 费用, 缴费

物业费按季度预交,可以通过以下方式缴纳:

- 物业服务中心前台(工作日 8:30–17:30)
- 小区 APP "生活缴费" 页面
"""


def only_entry(folder: Path) -> Entry:
    (entry,) = load_handbook(folder).entries
    return entry


def error_of(folder: Path) -> HandbookError:
    with pytest.raises(HandbookError) as caught:
        load_handbook(folder)
    return caught.value


def test_spec_example_parses_into_title_aliases_tags_and_answer(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"01.md": SPEC_EXAMPLE})
    entry = only_entry(folder)
    assert entry.title == "物业费怎么交?"
    assert entry.aliases == ("物业费在哪里交", "怎么缴纳管理费", "how do I pay the management fee")
    assert entry.tags == ("费用", "缴费")
    assert entry.chapter == "第三章 费用与缴纳"
    assert entry.answer == ("物业费按季度预交,可以通过以下方式缴纳:\n\n- 物业服务中心前台(工作日 8:30–17:30)\n"
                            "- 小区 APP \"生活缴费\" 页面")
    assert entry.source == folder / "01.md"
    assert entry.line == 3
    assert entry.emergency_kind is None


def test_entry_is_frozen(write_handbook: WriteHandbook) -> None:
    entry = only_entry(write_handbook({"a.md": SPEC_EXAMPLE}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.title = "x"  # type: ignore[misc]


def test_english_labels_full_width_colons_and_separators(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 停车\nTags：停车，费用、车位\nAliases：车位｜parking|  \n\n月租 300 元。\n"})
    entry = only_entry(folder)
    assert entry.aliases == ("车位", "parking")
    assert entry.tags == ("停车", "费用", "车位")
    assert entry.answer == "月租 300 元。"


def test_metadata_lines_may_come_in_either_order_or_be_absent(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n标签: t1\n别名: a1\n答案甲\n## 乙\n答案乙\n"})
    first, second = load_handbook(folder).entries
    assert (first.tags, first.aliases, first.answer) == (("t1",), ("a1",), "答案甲")
    assert (second.tags, second.aliases, second.answer) == ((), (), "答案乙")


def test_second_alias_line_is_answer_text_and_a_warning(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n别名: a1\n别名: a2\n正文\n"})
    handbook = load_handbook(folder)
    (entry,) = handbook.entries
    assert entry.aliases == ("a1",)
    assert entry.answer == "别名: a2\n正文"
    assert [w.line for w in handbook.warnings] == [3]
    assert "a.md:3:" in str(handbook.warnings[0])


def test_metadata_after_the_answer_started_is_answer_text(write_handbook: WriteHandbook) -> None:
    entry = only_entry(write_handbook({"a.md": "## 甲\n正文第一行\n别名: 不是别名\n"}))
    assert entry.aliases == ()
    assert entry.answer == "正文第一行\n别名: 不是别名"


def test_chapter_introduction_is_not_an_entry(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "前言文字\n# 第一章\n本章介绍。\n\n## 条目\n答案\n"})
    handbook = load_handbook(folder)
    assert [e.title for e in handbook.entries] == ["条目"]
    assert "本章介绍" not in handbook.entries[0].answer
    assert handbook.chapters == ("第一章",)


def test_level_three_headings_and_tables_stay_in_the_answer(write_handbook: WriteHandbook) -> None:
    body = "第一段\n\n### 需要的材料\n\n| 项目 | 金额 |\n|---|---|\n| 押金 | 3000 |\n\n#标签不是章节\n"
    entry = only_entry(write_handbook({"a.md": f"## 装修\n{body}"}))
    assert entry.answer == body.rstrip("\n")


def test_next_chapter_ends_the_entry_and_changes_chapter(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "# 一\n## 甲\n答案甲\n# 二\n介绍\n## 乙\n答案乙\n"})
    first, second = load_handbook(folder).entries
    assert (first.chapter, first.answer) == ("一", "答案甲")
    assert (second.chapter, second.answer, second.line) == ("二", "答案乙", 6)


def test_files_in_name_order_and_subfolders_after_top_level_files(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({
        "b.md": "## B\nb\n",
        "a.md": "## A\na\n",
        "0-sub/c.md": "## C\nc\n",
        "z-sub/deeper/e.md": "## E\ne\n",
        "z-sub/d.md": "## D\nd\n",
        "notes.txt": "## not markdown\nx\n",
    })
    assert [e.title for e in load_handbook(folder).entries] == ["A", "B", "C", "D", "E"]


def test_bom_and_crlf_are_handled_and_lines_counted_as_an_editor_does(write_handbook: WriteHandbook) -> None:
    text = "\ufeff# 章\r\n\r\n## 甲\r\n别名: x | y\r\n答案\r\n\r\n## 乙\r\n答案二\r\n"
    folder = write_handbook({"a.md": text.encode("utf-8")})
    first, second = load_handbook(folder).entries
    assert first.chapter == "章"
    assert (first.line, second.line) == (3, 7)
    assert first.aliases == ("x", "y")
    assert "\r" not in first.answer + second.answer


def test_emergency_tag_gives_the_kind_and_guidance(mini: Handbook) -> None:
    lift = mini.emergency_guidance("elevator")
    assert lift is not None and lift.title == "电梯困人怎么办?"
    assert lift.emergency_kind == "elevator"
    assert mini.emergency_guidance("flood") is None
    assert mini.emergency_kinds == ("fire", "elevator", "gas")


def test_by_title_ignores_width_and_case(mini: Handbook) -> None:
    entry = mini.by_title("物业费怎么交？")
    assert entry is not None and entry.title == "物业费怎么交?"
    assert mini.by_title("没有这个条目") is None


def test_mini_handbook_reads_all_three_files_in_order(mini: Handbook) -> None:
    assert len(mini.entries) == 10
    files = [p.name for p in dict.fromkeys(e.source for e in mini.entries)]
    assert files == ["01-费用.md", "02-装修.md", "01-应急.md"]
    assert mini.chapters == ("第一章 费用与缴纳", "第二章 装修", "第三章 紧急情况")


def test_duplicate_title_names_both_places(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 物业费怎么交?\n一\n", "b.md": "# 章\n\n## 物业费怎么交？\n二\n"})
    error = error_of(folder)
    assert str(error) == f"{folder / 'b.md'}:3: duplicate title '物业费怎么交？' (first at a.md:1)"
    assert (error.path, error.line) == (folder / "b.md", 3)


def test_empty_answer_is_an_error_at_the_title(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 有答案\n内容\n\n## 空的\n别名: x\n标签: y\n\n   \n## 下一个\n内容\n"})
    assert str(error_of(folder)) == f"{folder / 'a.md'}:4: entry '空的' has an empty answer"


def test_empty_answer_at_end_of_file_is_an_error(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n答案\n## 乙\n"})
    assert error_of(folder).line == 3


def test_invalid_utf8_names_the_line_of_the_first_bad_byte(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n答案\n".encode() + "## 乙\n答案\n".encode("gbk")})
    error = error_of(folder)
    assert (error.path.name, error.line) == ("a.md", 3)
    assert "UTF-8" in error.message


def test_unknown_emergency_kind_is_an_error_at_the_tag_line(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 地震\n别名: 地震了\n标签: 安全, emergency:earthquake\n快跑\n"})
    error = error_of(folder)
    assert error.line == 3
    assert "earthquake" in error.message and "fire" in error.message


@pytest.mark.parametrize("kind", EMERGENCY_KINDS)
def test_every_kind_from_labels_md_is_accepted(write_handbook: WriteHandbook, kind: str) -> None:
    entry = only_entry(write_handbook({"a.md": f"## 应急\n标签: Emergency：{kind.upper()}\n做法\n"}))
    assert entry.emergency_kind == kind


def test_folder_without_entries_is_an_error(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "# 只有章节\n介绍文字\n"})
    assert "no entries" in str(error_of(folder))


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    assert "not a folder" in str(error_of(tmp_path / "nope"))


def test_title_missing_after_hashes_is_an_error(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n答案\n##   \n答案\n"})
    assert error_of(folder).line == 3


def test_fill_placeholders_replaces_known_keys_and_keeps_unknown() -> None:
    text = "请到{{service_centre}}或拨打 {{hotline}};{{ hotline }} 和 {{unknown}} 不变"
    filled = fill_placeholders(text, {"service_centre": "3栋大堂", "hotline": "0571-8888 6666"})
    assert filled == "请到3栋大堂或拨打 0571-8888 6666;{{ hotline }} 和 {{unknown}} 不变"


def test_mini_answers_keep_placeholders_as_written() -> None:
    entry = load_handbook(MINI).by_title("电梯困人怎么办?")
    assert entry is not None and "{{hotline}}" in entry.answer

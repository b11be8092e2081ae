"""`desk ask` and `desk handbook check` through a real subprocess, as other tools call them."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

from tests.knowledge.conftest import MINI, WriteHandbook

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_CONFIG_NAME = REPO / "bot" / "desk.example.toml"  # no desk.toml in the repository: the example


def desk(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True,
                          cwd=REPO, timeout=60, check=False)


def json_lines(out: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.decode("utf-8").splitlines()]


def test_ask_answers_one_json_object_per_line_in_order() -> None:
    questions = ["物业费在哪里交", "小区有没有游泳池", "", "装修押金什么时候退"]
    result = desk("ask", "--handbook", str(MINI), stdin="\n".join(questions).encode() + b"\n")
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert [r["question"] for r in records] == questions
    assert all(list(r) == ["question", "section", "answer", "score"] for r in records)
    assert records[0]["section"] == "物业费怎么交?"
    assert str(records[0]["answer"]).startswith("物业费按季度预交")
    assert 0 < float(records[0]["score"]) <= 1  # type: ignore[arg-type]
    assert records[1]["section"] is None and records[1]["answer"] is None
    assert records[2]["section"] is None
    assert records[3]["section"] == "装修押金怎么退?"


def test_ask_writes_chinese_unescaped_and_raw_keeps_placeholders() -> None:
    result = desk("ask", "--raw", "--handbook", str(MINI), stdin="被困电梯里了\n".encode())
    line = result.stdout.decode("utf-8")
    assert "电梯困人怎么办?" in line and "\\u" not in line
    assert "{{hotline}}" in json.loads(line)["answer"]


def test_ask_fills_placeholders_from_the_example_configuration_by_default(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "ask"], input="物业服务中心在哪里\n".encode(),
                            capture_output=True, cwd=tmp_path, timeout=60, check=False)  # no desk.toml there
    assert result.returncode == 0, result.stderr
    answer = str(json_lines(result.stdout)[0]["answer"])
    assert "{{" not in answer
    assert "3栋一楼大堂东侧" in answer  # service_centre of bot/desk.example.toml


def test_ask_prefers_the_local_desk_toml(tmp_path: Path) -> None:
    (tmp_path / "desk.toml").write_text('[community]\nhotline = "0571-1234 5678"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "--handbook", str(MINI)],
                            input="被困电梯里了\n".encode(), capture_output=True, cwd=tmp_path, timeout=60,
                            check=False)
    assert "0571-1234 5678" in str(json_lines(result.stdout)[0]["answer"])


def test_ask_with_an_unreadable_fill_from_says_so(tmp_path: Path) -> None:
    result = desk("ask", "--fill-from", str(tmp_path / "missing.toml"), stdin=b"x\n")
    assert result.returncode == 1 and b"missing.toml" in result.stderr and b"--raw" in result.stderr


def test_ask_fill_from_toml_fills_community_placeholders(tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[community]\nhotline = "0571-8888 6666"\nname = "翠湖花园"\n', encoding="utf-8")
    result = desk("ask", "--handbook", str(MINI), "--fill-from", str(config), stdin="被困电梯里了\n".encode())
    answer = json_lines(result.stdout)[0]["answer"]
    assert "0571-8888 6666" in str(answer) and "{{hotline}}" not in str(answer)


def test_ask_survives_invalid_bytes_and_crlf_without_losing_lines() -> None:
    stdin = b"\xff\xfe\x00zzqx\r\n" + "物业费怎么交".encode() + b"\r\n\x80"
    result = desk("ask", "--handbook", str(MINI), stdin=stdin)
    assert result.returncode == 0, result.stderr
    records = json_lines(result.stdout)
    assert len(records) == 3
    assert records[0]["section"] is None and "\ufffd" in str(records[0]["question"])
    assert records[1] == {**records[1], "question": "物业费怎么交", "section": "物业费怎么交?"}
    assert records[2]["section"] is None


def test_ask_with_a_broken_handbook_exits_1_with_file_and_line(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n\n## 乙\n答案\n"})
    result = desk("ask", "--handbook", str(folder), stdin=b"x\n")
    assert result.returncode == 1
    assert result.stderr.decode().strip() == f"{folder / 'a.md'}:1: entry '甲' has an empty answer"
    assert result.stdout == b""


def test_ask_defaults_to_the_bundled_handbook() -> None:
    result = desk("ask", stdin="物业服务中心的24小时热线是多少\n".encode())
    assert result.returncode == 0, result.stderr
    (record,) = json_lines(result.stdout)
    assert record["section"] is not None


def test_handbook_check_prints_a_summary() -> None:
    result = desk("handbook", "check", str(MINI))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "chapters:  3" in out
    assert "entries:   10" in out
    assert "aliases:   27" in out
    assert "emergency guidance: fire, elevator, gas" in out
    assert "emergency guidance missing: flood, outage, security, medical" in out


def test_handbook_check_reports_a_bad_tag_and_exits_1(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n标签: emergency:tsunami\n快跑\n"})
    result = desk("handbook", "check", str(folder))
    assert result.returncode == 1
    assert result.stderr.decode().startswith(f"{folder / 'a.md'}:2: unknown emergency kind 'tsunami'")


def test_handbook_check_shows_warnings_but_passes(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n别名: a\n别名: b\n答案\n"})
    result = desk("handbook", "check", str(folder))
    assert result.returncode == 0
    assert f"warning: {folder / 'a.md'}:3: second 别名 line" in result.stdout.decode()


def test_bundled_handbook_passes_check() -> None:
    result = desk("handbook", "check")
    assert result.returncode == 0, result.stderr
    assert "emergency guidance missing: none" in result.stdout.decode()


def test_ask_answers_each_line_before_stdin_closes() -> None:
    """Other tools keep the pipe open and wait for each answer: output is flushed per line."""
    process = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--handbook", str(MINI)], cwd=REPO,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("物业费怎么交\n".encode())
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 30)
        assert ready, "no answer while stdin is still open"
        assert json.loads(process.stdout.readline())["section"] == "物业费怎么交?"
    finally:
        process.kill()
        process.communicate()


def test_handbook_check_reports_every_error_not_just_the_first(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n答案\n\n## 乙\n\n## 甲\n又一个\n",
                             "b.md": "## 丙\n答案\n## \n文字\n"})
    (folder / "c.md").write_bytes("## 丁\n".encode() + b"\xff\xfe\n")
    result = desk("handbook", "check", str(folder))
    assert result.returncode == 1
    errors = result.stderr.decode().splitlines()
    assert errors == [
        f"{folder / 'a.md'}:4: entry '乙' has an empty answer",
        f"{folder / 'a.md'}:6: duplicate title '甲' (first at a.md:1)",
        f"{folder / 'b.md'}:3: entry without a title after `## `",
        f"{folder / 'c.md'}:2: not valid UTF-8 (byte 0xff); save the file as UTF-8",
        f"handbook {folder}: 4 errors",
    ]
    assert result.stdout == b""


def test_handbook_check_warns_of_unknown_and_unclosed_placeholders(write_handbook: WriteHandbook) -> None:
    folder = write_handbook({"a.md": "## 甲\n请拨打{{hotline}}或{{unknown_key}}。\n\n## 乙\n"
                                     "热线{{hotline，或找{{ name }}。\n"})
    result = desk("handbook", "check", str(folder))
    assert result.returncode == 0, result.stderr  # warnings: the format allows other text
    warnings = [line for line in result.stdout.decode().splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {folder / 'a.md'}:2: unknown placeholder {{{{unknown_key}}}} (not in [community] of "
        f"{EXAMPLE_CONFIG_NAME}): residents would see it as written",
        f"warning: {folder / 'a.md'}:5: unclosed placeholder '{{{{hotline，或找' (no }}}} after it)",
        f"warning: {folder / 'a.md'}:5: placeholder {{{{ name }}}} is not filled in: write {{{{name}}}}",
    ]


def test_handbook_check_takes_the_placeholders_of_the_given_configuration(
        write_handbook: WriteHandbook, tmp_path: Path) -> None:
    folder = write_handbook({"a.md": "## 甲\n停车请找{{parking_office}}。\n"})
    config = tmp_path / "desk.toml"
    config.write_text('[community]\nparking_office = "地下车库管理处"\n', encoding="utf-8")
    assert b"unknown placeholder" in desk("handbook", "check", str(folder)).stdout
    result = desk("handbook", "check", str(folder), "--fill-from", str(config))
    assert result.returncode == 0 and b"warning" not in result.stdout, result.stdout

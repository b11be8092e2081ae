"""`desk classify` through a real subprocess: the JSON-lines contract and --eval."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intents.conftest import REPO

KEYS = ["text", "intent", "confidence", "emergency", "place"]


def run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "classify", *args],
        input=stdin,
        capture_output=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def test_one_json_object_per_line_in_order_through_junk() -> None:
    lines = [
        "3栋2单元501 电梯困人了 快来".encode(),
        b"",
        b"   ",
        b"\xff\xfe\x00\x01binary\xed\xa0\x80junk",  # invalid UTF-8, an encoded lone surrogate
        "楼上装修天天电钻 吵死了".encode(),
        ("x" * 20_000).encode(),
        b"\x1b[31mcontrol\x07chars",
        "物业费怎么交".encode(),
    ]
    proc = run([], b"\n".join(lines) + b"\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")  # valid UTF-8 throughout
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(lines)
    for row in rows:
        assert list(row) == KEYS
        assert 0.0 <= row["confidence"] <= 1.0
    assert rows[0]["intent"] == "emergency" and rows[0]["emergency"] == "elevator"
    assert rows[0]["place"] == {"building": "3", "unit": "2", "room": "501"}
    assert [r["intent"] for r in rows[1:4]] == ["other", "other", "other"]
    assert "\ufffd" in rows[3]["text"] and "binary" in rows[3]["text"]
    assert rows[4]["intent"] == "complaint" and rows[4]["emergency"] is None and rows[4]["place"] is None
    assert len(rows[5]["text"]) == 20_000
    assert rows[7]["text"] == "物业费怎么交" and rows[7]["intent"] == "inquiry"
    assert "\\u" not in out.split("\n")[0]  # ensure_ascii=False: Chinese is written as is


def test_last_line_without_newline_and_crlf() -> None:
    proc = run([], "电梯坏了\r\n水管爆了 水漫到客厅".encode())
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [r["text"] for r in rows] == ["电梯坏了", "水管爆了 水漫到客厅"]


def test_answers_each_line_before_the_next_arrives() -> None:
    """Flushed per line: a pipe gets each answer while stdin is still open."""
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "classify"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO
    ) as proc:
        assert proc.stdin and proc.stdout
        for text in ["电梯坏了", "hello"]:
            proc.stdin.write(text.encode() + b"\n")
            proc.stdin.flush()
            row = json.loads(proc.stdout.readline())
            assert row["text"] == text
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0


def test_eval_prints_the_figures(tmp_path: Path) -> None:
    labelled = tmp_path / "small.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"text": "电梯困人了 快来", "intent": "emergency", "emergency": "elevator"},
                {"text": "厨房水龙头一直滴水", "intent": "repair", "emergency": None},
                {"text": "你好", "intent": "other", "emergency": None},
                {"text": "物业费怎么交", "intent": "inquiry", "emergency": None},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    proc = run(["--eval", str(labelled)])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    for needle in [
        "accuracy",
        "macro-F1",
        "emergency recall",
        "emergency precis",
        "emergency kind",
        "precision",
        "recall",
        "confusion",
    ]:
        assert needle in out
    assert "accuracy          1.000" in out

    proc = run(["--eval", str(labelled), "--json"])
    figures = json.loads(proc.stdout)
    assert figures["accuracy"] == 1.0 and figures["total"] == 4
    assert figures["emergency"] == {"recall": 1.0, "precision": 1.0, "kind_accuracy": 1.0}
    assert figures["confusion"]["repair"]["repair"] == 1
    assert set(figures["per_intent"]) == {
        "emergency",
        "repair",
        "complaint",
        "renovation",
        "inquiry",
        "other",
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text": "x", "intent": "repair"}\nnot json\n', b"line 2"),
        (b'{"text": "x", "intent": "broken-label"}\n', b"line 1"),
        (b"", b"no labelled messages"),
    ],
)
def test_eval_bad_file_is_a_clear_message(tmp_path: Path, content: bytes, message: bytes) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    proc = run(["--eval", str(bad)])
    assert proc.returncode == 2
    assert message in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_eval_missing_file() -> None:
    proc = run(["--eval", "/nonexistent/file.jsonl"])
    assert proc.returncode == 2
    assert b"cannot read" in proc.stderr and b"Traceback" not in proc.stderr

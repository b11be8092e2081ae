"""`desk classify`: one message per line on stdin → one JSON object per line on stdout.

Output contract (other tools rely on it), one line per input line, in order, flushed:
``{"text": ..., "intent": ..., "confidence": ..., "emergency": ..., "place": {...} | null}``.

`desk classify --eval FILE.jsonl [--json] [--mistakes]` evaluates on a labelled file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, TextIO

from intents.classifier import classify
from intents.evaluate import evaluate, format_report, read_labelled


def _decode(raw: bytes) -> str:
    """A line of stdin as text: invalid UTF-8 (binary junk, encoded surrogates) becomes U+FFFD."""
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def result_json(text: str) -> str:
    """The contract's JSON line for one message."""
    result = classify(text)
    return json.dumps(
        {
            "text": text,
            "intent": result.intent.value,
            "confidence": result.confidence,
            "emergency": result.emergency.value if result.emergency else None,
            "place": result.place.to_dict() if result.place else None,
        },
        ensure_ascii=False,
    )


def classify_stream(lines: Iterable[bytes], out: TextIO) -> int:
    """Classify each line and write its JSON line at once, so the command works in a pipe."""
    for raw in lines:
        # A str that still holds lone surrogates (from a caller, not from stdin) cannot be
        # written as UTF-8; replace them so the echoed text is always valid JSON/UTF-8.
        text = _decode(raw).encode("utf-8", errors="replace").decode("utf-8")
        out.write(result_json(text) + "\n")
        out.flush()
    return 0


def _evaluate(path: Path, as_json: bool, mistakes: bool, out: TextIO, err: TextIO) -> int:
    try:
        rows = read_labelled(path.read_bytes().decode("utf-8", errors="replace"))
    except OSError as error:
        err.write(f"desk classify: cannot read {path}: {error.strerror or error}\n")
        return 2
    except ValueError as error:
        err.write(f"desk classify: {path}: {error}\n")
        return 2
    if not rows:
        err.write(f"desk classify: {path}: no labelled messages\n")
        return 2
    report = evaluate(rows, classify)
    if as_json:
        out.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        out.write(format_report(report) + "\n")
    if mistakes:
        out.write("\nmistakes:\n")
        out.writelines(json.dumps(m, ensure_ascii=False) + "\n" for m in report.mistakes)
    return 0


def main(
    argv: list[str], stdin: BinaryIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Entry point of `desk classify` (see bot/cli.py)."""
    out, err = stdout or sys.stdout, stderr or sys.stderr
    parser = argparse.ArgumentParser(
        prog="desk classify",
        description="Classify resident messages, one per line on stdin, as JSON lines on stdout.",
    )
    parser.add_argument(
        "--eval",
        metavar="FILE.jsonl",
        type=Path,
        help="evaluate on a labelled file (spec/labels.md format) instead",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --eval: print the figures as one JSON object"
    )
    parser.add_argument("--mistakes", action="store_true", help="with --eval: also list the misread messages")
    args = parser.parse_args(argv)
    try:
        if args.eval is not None:
            return _evaluate(args.eval, args.json, args.mistakes, out, err)
        return classify_stream(stdin or sys.stdin.buffer, out)
    except BrokenPipeError:
        # The reader went away (`desk classify | head`): stop quietly, as other filters do.
        return 0
    except KeyboardInterrupt:
        return 130

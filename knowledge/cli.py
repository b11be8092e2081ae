"""`desk ask` and `desk handbook check`: the handbook from the command line.

`desk ask` is a contract other tools rely on: one question per line on stdin,
one JSON object per line on stdout, in order, flushed per line:
{"question": ..., "section": <entry title> | null, "answer": ... | null, "score": ...}

Answers come with their {{placeholders}} filled from the desk's configuration
([community] of ./desk.toml if present, else the bundled example), as residents
see them; `--fill-from FILE` names another configuration, `--raw` keeps them.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import BinaryIO, TextIO

from knowledge import BUNDLED_HANDBOOK, EMERGENCY_KINDS, HandbookError, fill_placeholders, load_handbook
from knowledge.handbook import _markdown_files, check_handbook

# The desk's bundled example configuration, found by path: `knowledge` does not import `bot`.
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "bot" / "desk.example.toml"


_KEY = re.compile(r"[A-Za-z0-9_]+")  # what fill_placeholders fills between {{ and }}


def default_config() -> Path:
    """The configuration the desk itself would use: ./desk.toml if present, else the bundled example."""
    local = Path("desk.toml")
    return local if local.is_file() else EXAMPLE_CONFIG


def ask_main(argv: list[str], stdin: BinaryIO | None = None, stdout: TextIO | None = None,
             stderr: TextIO | None = None) -> int:
    """Answer questions from stdin, one JSON line each on stdout."""
    parser = argparse.ArgumentParser(prog="desk ask", description="Answer questions from the owner handbook, "
                                     "one per line on stdin, one JSON object per line on stdout.")
    parser.add_argument("--handbook", type=Path, default=BUNDLED_HANDBOOK, metavar="DIR",
                        help="handbook folder (default: the bundled handbook)")
    parser.add_argument("--fill-from", type=Path, metavar="desk.toml",
                        help="fill {{placeholders}} in answers from this file's [community] table "
                             "(default: ./desk.toml if present, else the bundled example configuration)")
    parser.add_argument("--raw", action="store_true", help="keep {{placeholders}} in answers as written")
    args = parser.parse_args(argv)
    stdin = stdin if stdin is not None else sys.stdin.buffer
    if stdout is None:
        stdout = sys.stdout
        if isinstance(stdout, io.TextIOWrapper):
            stdout.reconfigure(encoding="utf-8")   # the contract is UTF-8 JSON, whatever the locale
    stderr = stderr if stderr is not None else sys.stderr
    try:
        handbook = load_handbook(args.handbook)
    except HandbookError as error:
        stderr.write(f"{error}\n")
        return 1
    values: dict[str, str] = {}
    if not args.raw:
        source = args.fill_from or default_config()
        try:
            with source.open("rb") as f:
                community = tomllib.load(f).get("community", {})
        except (OSError, tomllib.TOMLDecodeError) as error:
            stderr.write(f"desk ask: cannot read {source}: {error} (--raw keeps the placeholders)\n")
            return 1
        values = {str(k): str(v) for k, v in community.items()} if isinstance(community, dict) else {}
    # Bytes, decoded leniently: a bad byte in one question must not stop the rest.
    lines = io.TextIOWrapper(stdin, encoding="utf-8", errors="replace", newline=None)
    for number, raw in enumerate(lines, start=1):
        question = raw.rstrip("\n")
        try:
            found = handbook.answer(question)
        except Exception as error:  # one bad line must not lose the rest; no question text in the log
            stderr.write(f"desk ask: line {number}: internal error ({type(error).__name__}); answered null\n")
            found = None
        record = {
            "question": question,
            "section": found.title if found else None,
            "answer": (fill_placeholders(found.text, values) if values else found.text) if found else None,
            "score": found.score if found else 0.0,
        }
        stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0


def handbook_main(argv: list[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """`desk handbook check DIR`: validate a handbook and print a summary."""
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    parser = argparse.ArgumentParser(prog="desk handbook", description="Owner handbook tools.")
    sub = parser.add_subparsers(dest="action", required=True)
    check = sub.add_parser("check", help="validate a handbook folder and print a summary")
    check.add_argument("folder", type=Path, nargs="?", default=BUNDLED_HANDBOOK, metavar="DIR")
    check.add_argument("--fill-from", type=Path, metavar="desk.toml",
                       help="check {{placeholders}} against this file's [community] table "
                            "(default: ./desk.toml if present, else the bundled example configuration)")
    args = parser.parse_args(argv)
    errors = check_handbook(args.folder)
    if errors:
        for error in errors:
            stderr.write(f"{error}\n")
        stderr.write(f"handbook {args.folder}: {len(errors)} error{'s' if len(errors) != 1 else ''}\n")
        return 1
    try:
        handbook = load_handbook(args.folder)
    except HandbookError as error:  # check_handbook found none: only if the folder changed meanwhile
        stderr.write(f"{error}\n")
        return 1
    entries = handbook.entries
    files = dict.fromkeys(e.source for e in entries)
    present = handbook.emergency_kinds
    missing = [k for k in EMERGENCY_KINDS if k not in present]
    stdout.write(
        f"handbook {args.folder}: ok\n"
        f"  files:     {len(files)}\n"
        f"  chapters:  {len(handbook.chapters)}\n"
        f"  entries:   {len(entries)}\n"
        f"  aliases:   {sum(len(e.aliases) for e in entries)}"
        f" ({sum(1 for e in entries if e.aliases)} entries have aliases)\n"
        f"  emergency guidance: {', '.join(present) if present else 'none'}\n"
        f"  emergency guidance missing: {', '.join(missing) if missing else 'none'}\n"
    )
    for warning in handbook.warnings:
        stdout.write(f"warning: {warning}\n")
    for warning in _placeholder_warnings(args.folder, args.fill_from or default_config()):
        stdout.write(f"warning: {warning}\n")
    return 0


def _placeholder_warnings(folder: Path, config: Path) -> list[str]:
    """{{key}}s the desk would not fill from ``config``'s [community], and {{ left unclosed.

    Warnings, not errors: the handbook format allows any other text, but residents would
    see such a placeholder as written instead of the hotline or address it stands for.
    """
    try:
        with config.open("rb") as f:
            community = tomllib.load(f).get("community", {})
    except (OSError, tomllib.TOMLDecodeError) as error:
        return [f"cannot read {config} ({error}): placeholders not checked (--fill-from names another)"]
    known = set(community) if isinstance(community, dict) else set()
    found: list[str] = []
    for path in _markdown_files(folder):
        text = path.read_text(encoding="utf-8")  # check_handbook already refused a file that is not UTF-8
        for number, line in enumerate(text.splitlines(), start=1):
            found.extend(f"{path}:{number}: {problem}" for problem in _line_placeholder_problems(line, known, config))
    return found


def _line_placeholder_problems(line: str, known: set[str], config: Path) -> list[str]:
    problems = []
    start = line.find("{{")
    while start != -1:
        close = line.find("}}", start + 2)
        following = line.find("{{", start + 2)
        if close == -1 or following != -1 and following < close:
            written = line[start:following if following != -1 else len(line)].rstrip()
            problems.append(f"unclosed placeholder {written[:30]!r} (no }}}} after it)")
            start = following
            continue
        inner = line[start + 2:close]
        if not _KEY.fullmatch(inner):
            hint = f": write {{{{{inner.strip()}}}}}" if _KEY.fullmatch(inner.strip()) else ""
            problems.append(f"placeholder {{{{{inner}}}}} is not filled in{hint}")
        elif inner not in known:
            problems.append(f"unknown placeholder {{{{{inner}}}}} (not in [community] of {config}): "
                            "residents would see it as written")
        start = line.find("{{", close + 2)
    return problems

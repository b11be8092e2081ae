"""`python -m knowledge.evaluate QUESTIONS.jsonl [--handbook DIR]`: how well the matcher answers.

Each line of the question file is a JSON object with the question (`question`)
and the title of the entry that answers it (`section`), or null when the
handbook does not cover it. Prints top-1 correct and wrong answers as shares of
in-scope questions, out-of-scope declined, and every miss.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge import BUNDLED_HANDBOOK, Handbook, load_handbook

_QUESTION_KEYS = ("question", "text", "q")
_SECTION_KEYS = ("section", "expected", "title", "entry", "answer_title")


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled question: the title that answers it, or None when out of scope."""

    question: str
    section: str | None
    line: int


@dataclass
class Report:
    """Counts and misses of one evaluation run."""

    in_scope: int = 0
    out_of_scope: int = 0
    correct: int = 0
    wrong: int = 0
    declined_in_scope: int = 0
    declined_out_of_scope: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1(self) -> float:
        """Correct answers as a share of in-scope questions."""
        return self.correct / self.in_scope if self.in_scope else 0.0

    @property
    def wrong_rate(self) -> float:
        """Wrong answers as a share of in-scope questions."""
        return self.wrong / self.in_scope if self.in_scope else 0.0

    @property
    def declined(self) -> float:
        """Declined out-of-scope questions as a share of them."""
        return self.declined_out_of_scope / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def answered_out_of_scope(self) -> int:
        """Out-of-scope questions that got an answer anyway."""
        return self.out_of_scope - self.declined_out_of_scope

    def summary(self) -> str:
        """The headline figures with their targets."""
        return (f"in-scope {self.in_scope}, out-of-scope {self.out_of_scope}\n"
                f"top-1 correct      {self.top1:.3f}  (target >= 0.80)  [{self.correct}/{self.in_scope}]\n"
                f"wrong answers      {self.wrong_rate:.3f}  (target <= 0.10)"
                f"  [{self.wrong}/{self.in_scope}]\n"
                f"in-scope declined  {self.declined_in_scope / max(self.in_scope, 1):.3f}"
                f"  [{self.declined_in_scope}/{self.in_scope}]\n"
                f"out-of-scope declined {self.declined:.3f}  (target >= 0.80)"
                f"  [{self.declined_out_of_scope}/{self.out_of_scope}]")


def read_cases(path: Path) -> list[Case]:
    """Labelled questions from a JSON Lines file; blank lines are skipped."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        question = next((record[k] for k in _QUESTION_KEYS if k in record), None)
        if not isinstance(question, str):
            raise ValueError(f"{path}:{number}: no question text")
        section = next((record[k] for k in _SECTION_KEYS if k in record), None)
        cases.append(Case(question=question, section=section, line=number))
    return cases


def evaluate(cases: Iterable[Case], handbook: Handbook) -> Report:
    """Answer every case and count what happened."""
    report = Report()
    for case in cases:
        found = handbook.answer(case.question)
        got = found.title if found else None
        score = f"{found.score:.3f}" if found else "-"
        if case.section is None:
            report.out_of_scope += 1
            if got is None:
                report.declined_out_of_scope += 1
            else:
                report.misses.append(f"out-of-scope answered  {case.question!r} -> {got!r} ({score})")
            continue
        report.in_scope += 1
        expected = handbook.by_title(case.section)
        if found is not None and found.entry is expected:
            report.correct += 1
        elif got is None:
            report.declined_in_scope += 1
            best = handbook._matcher.scores(case.question)[:1]  # why it declined, for tuning
            hint = f"best {best[0][1].title!r} {best[0][0]:.3f}" if best else "no candidate"
            report.misses.append(f"declined  {case.question!r} (want {case.section!r}; {hint})")
        else:
            report.wrong += 1
            report.misses.append(f"WRONG     {case.question!r} -> {got!r} ({score}), want {case.section!r}")
    return report


def main(argv: list[str] | None = None) -> int:
    """Evaluate a question file against a handbook and print figures and misses."""
    parser = argparse.ArgumentParser(prog="python -m knowledge.evaluate", description=__doc__)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--handbook", type=Path, default=BUNDLED_HANDBOOK)
    parser.add_argument("--quiet", action="store_true", help="figures only, no list of misses")
    args = parser.parse_args(argv)
    handbook = load_handbook(args.handbook)
    cases = read_cases(args.questions)
    unknown = sorted({c.section for c in cases
                      if c.section is not None and handbook.by_title(c.section) is None})
    if unknown:
        sys.stderr.write(f"warning: {len(unknown)} expected titles are not in the handbook: {unknown[:5]}\n")
    report = evaluate(cases, handbook)
    print(report.summary())
    if not args.quiet:
        for miss in report.misses:
            print(f"  {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

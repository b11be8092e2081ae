"""Quality floors on the question sets: the two known handbooks, and proxies for an unseen one.

The floors are the figures reached when they were set, minus a small margin, so a
change that makes matching worse fails here. `python -m knowledge.evaluate`
prints the full figures and the misses of one set; `python -m tests.knowledge.test_quality`
prints every set, proxies included.

The known sets were read for misses while the matcher was tuned, so they are
optimistic. The proxies stand in for an unseen handbook with few aliases: the two
known handbooks with every alias removed (`noalias`) or with at most one alias on
every other entry (`sparse`), asked the same questions, and a small handbook in
another house style (`proxy-handbook/`, topic titles) whose questions were written
before the matcher was run on it, and the same handbook with every title rewritten as
a question (`proxy-asked-handbook/`, the same questions).

`sealed` (`sealed-handbook/`, an older northern estate with few aliases) was measured once
unseen (top-1 0.721, wrong 0.065, out-of-scope declined 0.868) and then opened as development
data in the fourth round; `sealed2` and `sealed3` are unseen and no test reads them.
`furongli` (a Chengdu estate) and `yuelan` (a Shanghai one) were written by two independent
writers and measured once blind before the sixth round trained on them.

Since the fifth round the matcher uses associations learned from these very question sets
(`knowledge.learn`), so every figure here is in-sample for them; the held-out measure of that
mechanism is `python -m knowledge.learn --loo-only` (leave one handbook out).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from knowledge import BUNDLED_HANDBOOK, Handbook, load_handbook
from knowledge.evaluate import Report, evaluate, read_cases
from tests.knowledge.conftest import DATA

# name -> (questions, handbook folder, alias treatment)
SETS = {
    "bundled": (DATA / "questions-bundled.jsonl", BUNDLED_HANDBOOK, "all"),
    "other": (DATA / "questions-other.jsonl", DATA / "other-handbook", "all"),
    "bundled-noalias": (DATA / "questions-bundled.jsonl", BUNDLED_HANDBOOK, "none"),
    "bundled-sparse": (DATA / "questions-bundled.jsonl", BUNDLED_HANDBOOK, "sparse"),
    "other-noalias": (DATA / "questions-other.jsonl", DATA / "other-handbook", "none"),
    "other-sparse": (DATA / "questions-other.jsonl", DATA / "other-handbook", "sparse"),
    "proxy": (DATA / "proxy-questions.jsonl", DATA / "proxy-handbook", "all"),
    "proxy-asked": (DATA / "proxy-asked-questions.jsonl", DATA / "proxy-asked-handbook", "all"),
    "sealed": (DATA / "questions-sealed.jsonl", DATA / "sealed-handbook", "all"),
    "furongli": (DATA / "questions-furongli.jsonl", DATA / "furongli-handbook", "all"),
    "yuelan": (DATA / "questions-yuelan.jsonl", DATA / "yuelan-handbook", "all"),
}
# (top-1 at least, wrong at most, out-of-scope declined at least); see docs/knowledge.md for the figures.
FLOORS = {
    "bundled": (0.83, 0.07, 0.83),           # reached 0.863, 0.040, 0.865
    "other": (0.87, 0.05, 0.83),             # reached 0.899, 0.030, 0.857
    "bundled-noalias": (0.67, 0.12, 0.83),   # reached 0.704, 0.106, 0.865
    "bundled-sparse": (0.67, 0.12, 0.81),    # reached 0.710, 0.103, 0.838
    "other-noalias": (0.85, 0.06, 0.83),     # reached 0.876, 0.041, 0.857
    "other-sparse": (0.87, 0.05, 0.82),      # reached 0.899, 0.030, 0.843
    "proxy": (0.82, 0.09, 0.84),             # reached 0.850, 0.060, 0.875
    "proxy-asked": (0.80, 0.10, 0.81),       # reached 0.850, 0.080, 0.844
    "sealed": (0.80, 0.07, 0.84),            # reached 0.833, 0.051, 0.868 (0.721, 0.065, 0.868 unseen)
    # Sixth round; in-sample (the shipped table learned from them). Blind: 0.592, 0.096, 0.886 and
    # 0.654, 0.062, 0.843; leave-one-out 0.604, 0.100, 0.900 and 0.683, 0.058, 0.857.
    # Seventh round (dialect table, written without reading them): leave-one-out 0.621, 0.108, 0.900
    # and 0.688, 0.058, 0.857.
    "furongli": (0.67, 0.10, 0.85),          # reached 0.700, 0.087, 0.886 (0.688 in the sixth round)
    "yuelan": (0.72, 0.07, 0.81),            # reached 0.750, 0.046, 0.843
}


def handbook_for(name: str) -> Handbook:
    """The set's handbook, with its aliases kept, removed, or thinned to one on every other entry."""
    _, folder, aliases = SETS[name]
    handbook = load_handbook(Path(folder))
    if aliases == "all":
        return handbook
    entries = tuple(
        dataclasses.replace(entry, aliases=entry.aliases[:1] if aliases == "sparse" and i % 2 else ())
        for i, entry in enumerate(handbook.entries))
    return Handbook(entries, folder=handbook.folder)


def run(name: str) -> Report:
    questions = SETS[name][0]
    if not questions.exists():
        pytest.skip(f"{questions} not present")
    return evaluate(read_cases(questions), handbook_for(name))


@pytest.mark.parametrize("name", SETS)
def test_question_set_meets_its_floors(name: str) -> None:
    report = run(name)
    top1, wrong, declined = FLOORS[name]
    detail = report.summary() + "\n" + "\n".join(report.misses[:40])
    assert report.in_scope >= 90 and report.out_of_scope >= 30, detail
    assert report.top1 >= top1, detail
    assert report.wrong_rate <= wrong, detail
    assert report.declined >= declined, detail


@pytest.mark.parametrize("name", ["bundled", "other", "proxy", "proxy-asked", "sealed", "furongli", "yuelan"])
def test_every_expected_title_exists_in_its_handbook(name: str) -> None:
    questions, folder, _ = SETS[name]
    if not questions.exists():
        pytest.skip(f"{questions} not present")
    handbook = load_handbook(Path(folder))
    missing = {c.section for c in read_cases(questions) if c.section and handbook.by_title(c.section) is None}
    assert not missing


def test_stripping_aliases_removes_them() -> None:
    noalias, sparse = handbook_for("other-noalias"), handbook_for("other-sparse")
    assert not any(e.aliases for e in noalias.entries)
    assert all(len(e.aliases) <= 1 for e in sparse.entries)
    assert any(e.aliases for e in sparse.entries)


if __name__ == "__main__":
    # The sealed set is development data now, but not a proxy: it is reported on its own line.
    proxies = [name for name, spec in SETS.items() if spec[2] != "all" or name.startswith("proxy")]
    sums = [0.0, 0.0, 0.0, 0.0]
    for set_name in SETS:
        r = run(set_name)
        figures = (r.top1, r.wrong_rate, r.declined_in_scope / max(r.in_scope, 1), r.declined)
        if set_name in proxies:
            sums = [a + b for a, b in zip(sums, figures, strict=True)]
        print(f"{set_name:16s} top-1 {figures[0]:.3f}  wrong {figures[1]:.3f}  "
              f"in-scope declined {figures[2]:.3f}  out-of-scope declined {figures[3]:.3f}")
    avg = [s / len(proxies) for s in sums]
    print(f"{'proxy average':16s} top-1 {avg[0]:.3f}  wrong {avg[1]:.3f}  "
          f"in-scope declined {avg[2]:.3f}  out-of-scope declined {avg[3]:.3f}")

"""Learn question→handbook term associations and the topic bridge from labelled question sets,
validated leave-one-handbook-out.

`python -m knowledge.learn` prints the leave-one-handbook-out figures (before: nothing
learned; after: table and bridge learned on the other handbooks) and writes
`knowledge/associations.py` and `knowledge/bridge_data.py`, trained on every development
handbook. `python -m knowledge.learn --loo-only` prints the figures and writes nothing.

The bridge (`knowledge.bridge`) keeps every labelled question (out-of-scope ones too) and
alias with the terms of the entry that answers it; see that module.

The table maps a question term (a bigram or English-glossed word, after
`text.normalise`) to entry terms that the right entry's title, aliases or
answer contains far more often than the other entries of the same handbook
(lift over that background) — the words residents use for what handbooks call
otherwise (漏水 → 维修, 朋友 → 访客). A pair survives only when it is seen in at
least two handbooks, so nothing specific to one community is learned. Each alias
of a development handbook counts as one more question for its entry's title and
answer: it is the handbook writer's guess at a resident's words.
"""

from __future__ import annotations

import argparse
import dataclasses
import pprint
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.bridge import Bridge, Record, Target, build, features
from knowledge.evaluate import Report, read_cases
from knowledge.handbook import Entry, Handbook, load_handbook

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "knowledge" / "data"
OUTPUT = Path(__file__).resolve().parent / "associations.py"
BRIDGE_OUTPUT = Path(__file__).resolve().parent / "bridge_data.py"

Table = dict[str, tuple[tuple[str, float], ...]]


@dataclass(frozen=True, slots=True)
class Corpus:
    """One development handbook and its labelled question files (the first is the one evaluated)."""

    name: str
    folder: Path
    questions: tuple[Path, ...]
    # Extra (handbook, questions) of the same community in another house style, used for training only.
    variants: tuple[tuple[Path, Path], ...] = ()


def _community(name: str) -> Corpus:
    """A development community laid out as the data README says: NAME-handbook/ and questions-NAME.jsonl."""
    return Corpus(name, DATA / f"{name}-handbook", (DATA / f"questions-{name}.jsonl",))


def development_corpora() -> list[Corpus]:
    """The seventy-one development handbooks; never the unseen sealed2 or sealed3."""
    return [
        Corpus("bundled", ROOT / "knowledge" / "handbook", (DATA / "questions-bundled.jsonl",)),
        _community("other"),
        _community("sealed"),
        Corpus("proxy", DATA / "proxy-handbook", (DATA / "proxy-questions.jsonl",),
               ((DATA / "proxy-asked-handbook", DATA / "proxy-asked-questions.jsonl"),)),
        # Written by two independent writers after the fifth round; the lexicon was not written from them.
        _community("furongli"),
        _community("yuelan"),
        # Written blind in the third session (RONGYIN.md … DIANCHIWAN.md), each measured before joining.
        _community("rongyin"),
        _community("beian"),
        _community("shanyu"),
        _community("wutongli"),
        _community("lanting"),
        _community("kangning"),
        _community("xiangji"),
        _community("lujiang"),
        _community("jinmenli"),
        _community("dianchiwan"),
        # Written blind in the fourth session (QUJIANG.md … QUANCHENG.md), each measured before joining.
        _community("qujiang"),
        _community("hanjiang"),
        _community("haiyun"),
        _community("gusu"),
        _community("shenbei"),
        _community("luzhou"),
        _community("yongjiang"),
        _community("huanghe"),
        _community("minjiang"),
        _community("quancheng"),
        # The fourth session's second batch (NANHU.md … HAIDIAN.md), each a blind first run of the
        # twenty-six-handbook matcher before joining.
        _community("nanhu"),
        _community("yuhua"),
        _community("fenhe"),
        _community("ganjiang"),
        _community("qianling"),
        _community("haidian"),
        # The sixth session's (SONGHUA.md, XINGHAI.md), each a blind first run of the thirty-two-handbook
        # matcher before joining.
        _community("songhua"),
        _community("xinghai"),
        # The seventh session's (TIANSHAN.md, YECHENG.md), each a blind first run of the thirty-four-handbook
        # matcher before joining.
        _community("tianshan"),
        _community("yecheng"),
        # The eighth session's (GESANG.md … GUICHENG.md), each a blind first run of the thirty-six-handbook
        # matcher before joining.
        _community("gesang"),
        _community("oujiang"),
        _community("qiantang"),
        _community("tongyuan"),
        _community("guicheng"),
        # The ninth session's (BINHAI.md … LIJIANG.md), each a blind first run of the forty-one-handbook
        # matcher before joining.
        _community("binhai"),
        _community("weihe"),
        _community("xiangjiang"),
        _community("lijiang"),
        # The tenth session's (ZHUJIANG.md, CHAOHU.md), each a blind first run of the forty-five-handbook
        # matcher before joining.
        _community("zhujiang"),
        _community("chaohu"),
        # The eleventh session's (JIALING.md, ZHONGZHOU.md), each a blind first run of the
        # forty-seven-handbook matcher before joining.
        _community("jialing"),
        _community("zhongzhou"),
        # The eleventh session's second pair (SAIHAN.md, QINHUAI.md), each a blind first run of the
        # forty-nine-handbook matcher before joining.
        _community("saihan"),
        _community("qinhuai"),
        # The twelfth session's eight (HELAN.md … JINJI.md), each a blind first run of the fifty-one- to
        # fifty-seven-handbook matcher before joining.
        _community("helan"),
        _community("shekou"),
        _community("yanji"),
        _community("lumei"),
        _community("fengnan"),
        _community("hengqin"),
        _community("huangshui"),
        _community("jinji"),
        # The thirteenth session's four (ANXIN.md … CHANGNAN.md), each a blind first run of the fifty-nine-handbook
        # matcher before joining.
        _community("anxin"),
        _community("laoshan"),
        _community("yique"),
        _community("changnan"),
        # Its second four (HUILONGGUAN.md … JINGHONG.md), each a blind first run of the sixty-three-handbook
        # matcher before joining.
        _community("huilongguan"),
        _community("nanxun"),
        _community("choujiang"),
        _community("jinghong"),
        # Its third four (ERHAI.md … SONGHE.md), each a blind first run of the sixty-seven-handbook matcher
        # before joining.
        _community("erhai"),
        _community("shunde"),
        _community("baishizhou"),
        _community("songhe"),
    ]


@dataclass(frozen=True, slots=True)
class Rules:
    """What a learned pair must show to be kept."""

    min_question_count: int = 2    # questions (all handbooks) containing the question term
    min_pair_count: int = 2        # of which the right entry contains the entry term
    min_handbooks: int = 2         # handbooks in which the pair was seen
    min_probability: float = 0.3   # P(entry term | question term)
    min_lift: float = 3.0          # that probability over the background share of entries containing it
    per_term: int = 4              # at most this many entry terms per question term
    alias_questions: bool = True   # also learn from aliases, as questions for their entry's title and answer


DEFAULT_RULES = Rules()


def question_features(question: str) -> set[str]:
    """Terms of a question worth associating."""
    return features(question)


def entry_features(entry: Entry) -> set[str]:
    """Terms of an entry's title, aliases and answer."""
    return features(" ".join((entry.title, *entry.aliases, entry.answer)))


@dataclass(frozen=True, slots=True)
class Pair:
    """One labelled question, the terms of its right entry, and its handbook's background."""

    community: str
    question: str
    entry_terms: frozenset[str]
    background: Counter[str]   # entry term -> entries of this handbook containing it
    entries: int


def pairs(corpus: Corpus, aliases: bool = False) -> Iterable[Pair]:
    """Every in-scope question of a corpus (variants included) with its right entry; aliases too if asked."""
    sources = [(corpus.folder, q) for q in corpus.questions] + list(corpus.variants)
    for folder, questions in sources:
        handbook = load_handbook(folder)
        of_entry = {entry.title: frozenset(entry_features(entry)) for entry in handbook.entries}
        background: Counter[str] = Counter(t for found in of_entry.values() for t in found)
        for case in read_cases(questions):
            if case.section is not None and (entry := handbook.by_title(case.section)) is not None:
                yield Pair(corpus.name, case.question, of_entry[entry.title], background, len(of_entry))
        if aliases and folder == corpus.folder:
            # An alias is a handbook writer's guess at a resident's words: a question for its entry's
            # title and answer (not for the aliases, which it would trivially match).
            for entry in handbook.entries:
                plain = frozenset(features(" ".join((entry.title, entry.answer))))
                for alias in entry.aliases:
                    yield Pair(corpus.name, alias, plain, background, len(of_entry))


def learn(corpora: Sequence[Corpus], rules: Rules = DEFAULT_RULES) -> Table:
    """The association table learned from the corpora's labelled questions (deterministic)."""
    q_count: Counter[str] = Counter()
    pair_count: Counter[tuple[str, str]] = Counter()
    expected: defaultdict[tuple[str, str], float] = defaultdict(float)   # what chance alone would give
    seen_in: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for pair in (p for c in corpora for p in pairs(c, rules.alias_questions)):
        q_terms = question_features(pair.question)
        for qt in q_terms:
            q_count[qt] += 1
            for et in pair.entry_terms - {qt}:
                pair_count[qt, et] += 1
                seen_in[qt, et].add(pair.community)
                # Against the background: a random entry of this handbook has et this often.
                expected[qt, et] += pair.background[et] / pair.entries
    table: defaultdict[str, list[tuple[str, float]]] = defaultdict(list)
    for (qt, et), count in pair_count.items():
        if (q_count[qt] < rules.min_question_count or count < rules.min_pair_count
                or len(seen_in[qt, et]) < rules.min_handbooks):
            continue
        probability = count / q_count[qt]
        lift = count / max(expected[qt, et], 1e-9)
        if probability >= rules.min_probability and lift >= rules.min_lift:
            table[qt].append((et, round(probability, 3)))
    return {qt: tuple(sorted(ets, key=lambda p: (-p[1], p[0]))[:rules.per_term])
            for qt, ets in sorted(table.items())}


# Aliases as questions of the bridge, like the table's alias questions: leave one out 0.840 / 0.056 / 0.104 /
# 0.889 with them, 0.838 / 0.053 / 0.108 / 0.894 without (top-1 / wrong / in-scope declined / oos declined).
ALIAS_QUESTIONS = True


def bridge_texts(corpora: Sequence[Corpus], aliases: bool = ALIAS_QUESTIONS
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    """Every entry of the corpora (title and aliases, answer) and every labelled question (variants
    included, out-of-scope ones as -1), and alias if asked, with the index of the entry that answers it."""
    entries: list[tuple[str, str]] = []
    questions: list[tuple[str, int]] = []
    for corpus in corpora:
        for folder, question_file in [(corpus.folder, q) for q in corpus.questions] + list(corpus.variants):
            handbook = load_handbook(folder)
            index: dict[str, int] = {}
            for entry in handbook.entries:
                index[entry.title] = len(entries)
                entries.append((" ".join((entry.title, *entry.aliases)), entry.answer))
            for case in read_cases(question_file):
                if case.section is None:
                    questions.append((case.question, -1))
                elif case.section in index:
                    questions.append((case.question, index[case.section]))
            if aliases and folder == corpus.folder:
                # An alias is a handbook writer's guess at a resident's words for its entry.
                questions += [(alias, index[entry.title]) for entry in handbook.entries for alias in entry.aliases]
    return entries, questions


def learn_bridge(corpora: Sequence[Corpus], aliases: bool = ALIAS_QUESTIONS
                 ) -> tuple[tuple[Target, ...], tuple[Record, ...]]:
    """The topic bridge's data (knowledge.bridge) from the corpora's labelled questions (deterministic)."""
    return build(*bridge_texts(corpora, aliases))


NO_BRIDGE = Bridge((), ())


def evaluate_with(corpus: Corpus, table: Table | None, *, aliases: bool = True,
                  bridge: Bridge | None = None) -> Report:
    """Answer the corpus's first question file with a matcher using this table (None: no table) and
    this topic bridge (None: none).

    Without aliases, the handbook stands in for a terse one whose wording residents share less.
    """
    from knowledge.search import Matcher

    handbook = load_handbook(corpus.folder)
    entries = handbook.entries if aliases else tuple(dataclasses.replace(e, aliases=()) for e in handbook.entries)
    handbook = Handbook(entries, folder=handbook.folder)
    matcher = Matcher(handbook.entries, associations=table or {}, bridge=bridge or NO_BRIDGE)
    report = Report()
    for case in read_cases(corpus.questions[0]):
        found = matcher.answer(case.question)
        if case.section is None:
            report.out_of_scope += 1
            report.declined_out_of_scope += found is None
        else:
            report.in_scope += 1
            if found is None:
                report.declined_in_scope += 1
            elif found.entry is handbook.by_title(case.section):
                report.correct += 1
            else:
                report.wrong += 1
    return report


def figures(report: Report) -> tuple[float, float, float, float]:
    """top-1, wrong, in-scope declined, out-of-scope declined."""
    return (report.top1, report.wrong_rate, report.declined_in_scope / max(report.in_scope, 1), report.declined)


def leave_one_out(corpora: Sequence[Corpus], rules: Rules = DEFAULT_RULES, *, aliases: bool = True
                  ) -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    """For each corpus: figures with nothing learned, and with the table and bridge learned on the others."""
    out = {}
    for held in corpora:
        others = [c for c in corpora if c is not held]
        table, bridge = learn(others, rules), Bridge(*learn_bridge(others))
        out[held.name] = (figures(evaluate_with(held, None, aliases=aliases)),
                          figures(evaluate_with(held, table, aliases=aliases, bridge=bridge)))
    return out


def _line(name: str, f: Sequence[float]) -> str:
    return f"{name:10s} top-1 {f[0]:.3f}  wrong {f[1]:.3f}  in-scope declined {f[2]:.3f}  oos declined {f[3]:.3f}"


def print_leave_one_out(results: dict[str, tuple[tuple[float, ...], tuple[float, ...]]]) -> None:
    """Before/after per held-out handbook and the averages, with the targets."""
    for label, index in (("before (nothing learned)", 0), ("after (table and bridge learned on the others)", 1)):
        print(label)
        rows = [r[index] for r in results.values()]
        for name, row in zip(results, rows, strict=True):
            print("  " + _line(name, row))
        print("  " + _line("average", [sum(col) / len(rows) for col in zip(*rows, strict=True)]))
    print("targets: top-1 >= 0.80, wrong <= 0.10, oos declined >= 0.80")


def write_module(table: Table, path: Path = OUTPUT) -> None:
    """Write the table as a Python module (package data covers only handbook/*.md)."""
    body = pprint.pformat(table, width=110, compact=True, sort_dicts=True)
    path.write_text(
        '"""Question→entry term associations, generated by `python -m knowledge.learn`: do not edit."""\n\n'
        f"ASSOCIATIONS: dict[str, tuple[tuple[str, float], ...]] = {body}\n", encoding="utf-8")


def write_bridge(data: tuple[tuple[Target, ...], tuple[Record, ...]], path: Path = BRIDGE_OUTPUT) -> None:
    """Write the bridge's data as a Python module."""
    targets, records = data
    path.write_text(
        '"""Labelled questions for the topic bridge (knowledge.bridge), generated by `python -m knowledge.learn`: '
        'do not edit."""\n\n'
        f"TARGETS: tuple[tuple[str, str], ...] = {pprint.pformat(targets, width=110)}\n\n"
        f"RECORDS: tuple[tuple[str, int], ...] = {pprint.pformat(records, width=110, compact=True)}\n",
        encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Print the leave-one-handbook-out figures and write the table trained on all handbooks."""
    parser = argparse.ArgumentParser(prog="python -m knowledge.learn", description=__doc__)
    parser.add_argument("--loo-only", action="store_true", help="print figures, do not write the table")
    args = parser.parse_args(argv)
    corpora = development_corpora()
    print("== leave one handbook out ==")
    print_leave_one_out(leave_one_out(corpora))
    # A handbook with no aliases shares least wording with its residents: where the table should matter most.
    print("== leave one handbook out, the held-out handbook's aliases removed ==")
    print_leave_one_out(leave_one_out(corpora, aliases=False))
    if not args.loo_only:
        table = learn(corpora)
        write_module(table)
        print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(table)} question terms, "
              f"{sum(len(v) for v in table.values())} pairs", file=sys.stderr)
        data = learn_bridge(corpora)
        write_bridge(data)
        print(f"wrote {BRIDGE_OUTPUT.relative_to(ROOT)}: {len(data[1])} questions, {len(data[0])} entries",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

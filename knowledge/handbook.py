"""Read an owner handbook folder (shared/spec/handbook-format.md) into a `Handbook`.

Parsing is strict where the spec names an error (duplicate title, empty answer,
invalid UTF-8, unknown emergency kind) and literal everywhere else: answers are
kept exactly as written. This module imports only the standard library.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # search imports this module, so these are imported late (below) or for types only
    from knowledge.search import Answer

# labels.md "Emergency kinds"; kept here because knowledge must not import intents.
EMERGENCY_KINDS: tuple[str, ...] = ("fire", "elevator", "gas", "flood", "outage", "security", "medical")

_CHAPTER = "# "
_ENTRY = "## "
# handbook-format.md: `别名:`/`Aliases:` and `标签:`/`Tags:`, ASCII or full-width colon.
_ALIASES_LINE = re.compile(r"^\s*(?:别名|aliases)\s*[:：]\s*(?P<value>.*)$", re.IGNORECASE)
_TAGS_LINE = re.compile(r"^\s*(?:标签|tags)\s*[:：]\s*(?P<value>.*)$", re.IGNORECASE)
_ALIAS_SEPARATORS = re.compile(r"[|｜]")
_TAG_SEPARATORS = re.compile(r"[,，、]")
_EMERGENCY_TAG = re.compile(r"^emergency\s*[:：]\s*(?P<kind>.*)$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")


class HandbookError(Exception):
    """A handbook that breaks the format, located as `file:line: what is wrong`."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = Path(path)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Entry:
    """One `## ` entry: a topic residents ask about and its answer as written."""

    title: str
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    answer: str
    chapter: str
    source: Path
    line: int

    @property
    def emergency_kind(self) -> str | None:
        """The KIND of an `emergency:KIND` tag, or None."""
        for tag in self.tags:
            match = _EMERGENCY_TAG.match(tag)
            if match:
                return match.group("kind").strip().lower()
        return None


@dataclass(frozen=True, slots=True)
class HandbookWarning:
    """Something legal but probably unintended, reported by `desk handbook check`."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Handbook:
    """A loaded handbook: entries in file order, lookups, and the matcher built once."""

    def __init__(self, entries: tuple[Entry, ...], *, folder: Path | None = None,
                 warnings: tuple[HandbookWarning, ...] = ()) -> None:
        self.entries = entries
        self.folder = folder
        self.warnings = warnings
        self._by_title = {_title_key(e.title): e for e in entries}
        self._emergency: dict[str, Entry] = {}
        for entry in entries:
            kind = entry.emergency_kind
            if kind and kind not in self._emergency:
                self._emergency[kind] = entry
        from knowledge.search import Matcher

        self._matcher = Matcher(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __repr__(self) -> str:
        return f"Handbook({self.folder}, {len(self.entries)} entries)"

    @property
    def chapters(self) -> tuple[str, ...]:
        """Chapter titles in file order, each once (entries before any chapter have '')."""
        return tuple(dict.fromkeys(e.chapter for e in self.entries if e.chapter))

    def by_title(self, title: str) -> Entry | None:
        """The entry with this title (compared after Unicode/case folding), or None."""
        return self._by_title.get(_title_key(title))

    def emergency_guidance(self, kind: str) -> Entry | None:
        """The first entry tagged `emergency:KIND`, or None."""
        return self._emergency.get(str(kind).lower())

    @property
    def emergency_kinds(self) -> tuple[str, ...]:
        """Kinds with guidance, in the order of EMERGENCY_KINDS."""
        return tuple(k for k in EMERGENCY_KINDS if k in self._emergency)

    def answer(self, question: str) -> Answer | None:
        """The entry that answers the question, or None when the handbook does not cover it."""
        return self._matcher.answer(question)

    def suggest(self, question: str, limit: int = 3) -> tuple[Entry, ...]:
        """Entries that may answer a question `answer` declined, best first; () when none is plausible."""
        return self._matcher.suggest(question, limit)


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """Replace `{{key}}` with values[key]; unknown keys stay as written."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def load_handbook(folder: Path | str) -> Handbook:
    """Parse every `*.md` file of a handbook folder; raise HandbookError on a broken one."""
    return _load(Path(folder), errors=None)


def check_handbook(folder: Path | str) -> list[HandbookError]:
    """Every error of a handbook folder (empty when it loads), not just the first (`desk handbook check`)."""
    errors: list[HandbookError] = []
    _load(Path(folder), errors=errors)
    return errors


def _fail(errors: list[HandbookError] | None, error: HandbookError) -> None:
    """Raise ``error``, or collect it when checking a whole handbook."""
    if errors is None:
        raise error
    errors.append(error)


def _load(folder: Path, *, errors: list[HandbookError] | None) -> Handbook:
    if not folder.is_dir():
        _fail(errors, HandbookError(folder, 0, "not a folder (a handbook is a folder of *.md files)"))
        return Handbook((), folder=folder)
    entries: list[Entry] = []
    warnings: list[HandbookWarning] = []
    first_seen: dict[str, Entry] = {}
    for path in _markdown_files(folder):
        for entry in _parse_file(path, warnings, errors):
            key = _title_key(entry.title)
            if key in first_seen:
                first = first_seen[key]
                _fail(errors, HandbookError(path, entry.line, f"duplicate title {entry.title!r} "
                                            f"(first at {_relative(first.source, folder)}:{first.line})"))
                continue
            first_seen[key] = entry
            entries.append(entry)
    if not entries and not errors:
        _fail(errors, HandbookError(folder, 0,
                                    "no entries: a handbook needs at least one `## ` entry in a *.md file"))
    seen_kinds: dict[str, Entry] = {}
    for entry in entries:
        kind = entry.emergency_kind
        if kind in seen_kinds:
            first = seen_kinds[kind]
            where = f"{_relative(first.source, folder)}:{first.line}"
            warnings.append(HandbookWarning(
                entry.source, entry.line,
                f"second emergency:{kind} entry is never sent as guidance (first at {where})"))
        elif kind:
            seen_kinds[kind] = entry
    return Handbook(tuple(entries), folder=folder, warnings=tuple(warnings))


def _markdown_files(folder: Path) -> list[Path]:
    """`*.md` files in file-name order, files of a folder before those of its sub-folders."""
    files: list[Path] = []
    children = sorted(folder.iterdir(), key=lambda p: p.name)
    files.extend(p for p in children
                 if p.is_file() and p.suffix.lower() == ".md" and not p.name.startswith("."))
    for sub in children:
        # Hidden folders (.git, editor state) and symlinked folders (possible loops) are skipped.
        if sub.is_dir() and not sub.is_symlink() and not sub.name.startswith("."):
            files.extend(_markdown_files(sub))
    return files


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise HandbookError(path, 0, f"cannot read the file: {error.strerror or error}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise HandbookError(path, line, f"not valid UTF-8 (byte 0x{data[error.start]:02x}); "
                            "save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")  # a BOM from Windows editors
    # Only CR/LF end lines, so line numbers match what an editor shows.
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class _Draft:
    title: str
    line: int
    chapter: str
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tags_line: int = 0
    body: list[str] = field(default_factory=list)
    in_header: bool = True
    seen: set[str] = field(default_factory=set)


def _parse_file(path: Path, warnings: list[HandbookWarning],
                errors: list[HandbookError] | None = None) -> Iterator[Entry]:
    chapter = ""
    draft: _Draft | None = None
    try:
        text = _read_text(path)
    except HandbookError as error:
        _fail(errors, error)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(_CHAPTER) or line.startswith(_ENTRY):
            if draft is not None:
                yield from _finished(draft, path, errors)
                draft = None
            if line.startswith(_CHAPTER):
                chapter = line[len(_CHAPTER):].strip()
                continue
            title = line[len(_ENTRY):].strip()
            if not title:
                _fail(errors, HandbookError(path, number, "entry without a title after `## `"))
                continue
            draft = _Draft(title=title, line=number, chapter=chapter)
            continue
        if draft is None:
            continue  # a chapter's introduction, or text before any chapter: not an entry
        if draft.in_header:
            if not line.strip():
                continue  # blank lines between the title and its 别名/标签 lines
            aliases, tags = _ALIASES_LINE.match(line), _TAGS_LINE.match(line)
            kind = "aliases" if aliases else "tags" if tags else None
            # handbook-format.md allows "one of each" in the first lines: a second one is answer text.
            if kind and kind not in draft.seen:
                draft.seen.add(kind)
                if aliases:
                    draft.aliases = _split(aliases.group("value"), _ALIAS_SEPARATORS)
                else:
                    draft.tags = _split(tags.group("value"), _TAG_SEPARATORS)  # type: ignore[union-attr]
                    draft.tags_line = number
                    try:
                        _check_tags(draft.tags, path, number)
                    except HandbookError as error:
                        _fail(errors, error)
                continue
            draft.in_header = False
            if kind:
                label = "别名" if kind == "aliases" else "标签"
                warnings.append(HandbookWarning(
                    path, number,
                    f"second {label} line of this entry is answer text (one of each is allowed)"))
        draft.body.append(line)
    if draft is not None:
        yield from _finished(draft, path, errors)


def _finished(draft: _Draft, path: Path, errors: list[HandbookError] | None) -> Iterator[Entry]:
    """The finished entry, or nothing (its error collected) when checking a whole handbook."""
    try:
        yield _finish(draft, path)
    except HandbookError as error:
        _fail(errors, error)


def _finish(draft: _Draft, path: Path) -> Entry:
    lines = draft.body
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    answer = "\n".join(lines)
    if not answer.strip():
        raise HandbookError(path, draft.line, f"entry {draft.title!r} has an empty answer")
    return Entry(title=draft.title, aliases=draft.aliases, tags=draft.tags, answer=answer,
                 chapter=draft.chapter, source=path, line=draft.line)


def _split(value: str, separators: re.Pattern[str]) -> tuple[str, ...]:
    parts = (part.strip() for part in separators.split(value))
    return tuple(dict.fromkeys(part for part in parts if part))


def _check_tags(tags: tuple[str, ...], path: Path, line: int) -> None:
    for tag in tags:
        match = _EMERGENCY_TAG.match(tag)
        if match:
            kind = match.group("kind").strip().lower()
            if kind not in EMERGENCY_KINDS:
                raise HandbookError(path, line, f"unknown emergency kind {kind!r} in tag {tag!r} "
                                    f"(known: {', '.join(EMERGENCY_KINDS)})")


def _title_key(title: str) -> str:
    # "物业费怎么交?" and "物业费怎么交？" are the same title to a resident.
    return " ".join(unicodedata.normalize("NFKC", title).casefold().split())


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)

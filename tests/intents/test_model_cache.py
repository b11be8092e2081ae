"""The cached counts (data/model.cache.json): shipped up to date, ignored when stale or broken."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from intents import training
from intents.model import fit
from intents.normalize import DATA


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the shipped data folder, cache included, to edit."""
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    return copy


def test_the_shipped_cache_matches_the_shipped_examples() -> None:
    """Fails when someone edits an example, lexicon, folding or model file and forgets `python -m intents.build`."""
    cached = training.read_cache()
    assert cached is not None, "intents/data/model.cache.json is stale or missing: run `python -m intents.build`"
    fresh = training.train_files()
    assert cached == fresh
    # The tables the classifier builds from the cache are the very ones training gives.
    assert fit(cached.intent) == fit(fresh.intent)
    assert fit(cached.kind) == fit(fresh.kind)


def test_an_added_example_line_makes_the_cache_stale_and_is_learnt(
    data_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert training.read_cache(data_copy) is not None
    before = training.load(data_copy)
    line = {"text": "the zorblat in the lobby is broken", "intent": "repair", "emergency": None}
    with (data_copy / "examples.jsonl").open("a", encoding="utf-8") as examples:
        examples.write(json.dumps(line) + "\n")

    with caplog.at_level(logging.DEBUG, logger="intents.training"):
        assert training.read_cache(data_copy) is None
        after = training.load(data_copy)
    assert "stale" in caplog.text
    assert "zorblat" in after.known_words and "zorblat" not in before.known_words
    repair = after.intent.classes.index("repair")
    assert after.intent.docs[repair] == before.intent.docs[repair] + 1
    assert after.intent.features["w:zorblat"][repair] == 1


def test_a_new_example_file_makes_the_cache_stale(data_copy: Path) -> None:
    (data_copy / "examples-zz.jsonl").write_text(
        '{"text": "gas smell in the zorblat room", "intent": "emergency", "emergency": "gas"}\n', encoding="utf-8"
    )
    assert training.read_cache(data_copy) is None
    assert "w:zorblat" in training.load(data_copy).kind.features


def test_a_rebuilt_cache_is_used_again_and_is_reproducible(data_copy: Path) -> None:
    with (data_copy / "folding.tsv").open("a", encoding="utf-8") as folding:
        folding.write("# a comment changes the key\n")
    assert training.read_cache(data_copy) is None
    first = training.write_cache(data_copy).read_bytes()
    assert training.read_cache(data_copy) == training.train_files(data_copy)
    assert training.write_cache(data_copy).read_bytes() == first


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe not json", b"[1, 2]", b'{"key": 5}', b"{}"],
    ids=["empty", "binary", "list", "wrong-key", "no-key"],
)
def test_a_broken_cache_is_ignored(data_copy: Path, content: bytes) -> None:
    (data_copy / training.CACHE_NAME).write_bytes(content)
    assert training.read_cache(data_copy) is None
    assert training.load(data_copy) == training.train_files(data_copy)


def test_a_cache_with_the_right_key_but_missing_parts_is_ignored(data_copy: Path) -> None:
    path = data_copy / training.CACHE_NAME
    document = json.loads(path.read_text(encoding="utf-8"))
    del document["kind"]
    path.write_text(json.dumps(document), encoding="utf-8")
    assert training.read_cache(data_copy) is None


def test_a_missing_cache_means_training(data_copy: Path) -> None:
    (data_copy / training.CACHE_NAME).unlink()
    assert training.load(data_copy) == training.train_files(data_copy)

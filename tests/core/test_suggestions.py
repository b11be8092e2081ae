""""Maybe one of these?": a question the handbook declines gets its plausible entries as buttons."""

from __future__ import annotations

import pytest

from bot.desk import ServiceDesk
from bot.resident_turn import SUGGESTION_LABEL_CHARS
from knowledge import Handbook, load_handbook
from tests.knowledge.conftest import MINI
from tests.support.chat import Person, actions

# Declined by the bundled handbook, though it covers it (物业费多少钱一平方米?): the right entry is a suggestion.
COVERED_BUT_DECLINED = "我们这种大户型每个月要给物业多少"
UNRELATED = "高铁票怎么买"


@pytest.fixture
def suggested(resident, handbook):
    """The reply to a declined question and the entries the handbook suggests for it."""
    assert handbook.answer(COVERED_BUT_DECLINED) is None, "the matcher now answers it: pick another question"
    entries = handbook.suggest(COVERED_BUT_DECLINED)
    assert entries, "the matcher no longer suggests anything for it: pick another question"
    (reply,) = resident.send(COVERED_BUT_DECLINED)
    return reply, entries


def test_a_declined_question_lists_entry_titles_as_buttons_and_a_person(suggested, handbook):
    reply, entries = suggested
    assert "可能相关的内容" in reply.text
    labels = [b.label for row in reply.buttons for b in row]
    assert len(labels) == len(entries) + 1 <= 4
    assert actions(reply)[-1] == "human"
    for entry, label, action in zip(entries, labels, actions(reply), strict=False):
        assert entry.title.startswith(label.rstrip("…")) and len(label) <= SUGGESTION_LABEL_CHARS
        assert action.startswith("kb:") and len(action.encode()) <= 64 and entry.title not in action
    assert handbook.by_title("物业费多少钱一平方米?") in entries


def test_pressing_a_suggestion_shows_that_entry_with_the_helpful_buttons(resident, suggested, desk):
    reply, entries = suggested
    for entry, action in zip(entries, actions(reply), strict=False):
        (shown,) = resident.press(action)
        assert entry.title in shown
        assert desk._fill(entry.answer) in shown  # placeholders filled, as for any answer
        assert "{{" not in shown
        assert actions(resident.last[0]) == ["helpful:yes", "helpful:no"]


def test_not_solved_after_a_suggestion_still_hands_the_question_to_a_person(resident, suggested):
    reply, _ = suggested
    resident.press(actions(reply)[0])
    resident.press("helpful:no")
    resident.press("human")
    (ticket,) = resident.desk.store.tickets_of_chat(resident.chat)
    assert ticket.kind == "inquiry" and ticket.description == COVERED_BUT_DECLINED


def test_an_unrelated_question_gets_no_suggestions_only_a_person(resident, handbook):
    assert handbook.suggest(UNRELATED) == ()
    (reply,) = resident.send(UNRELATED)
    assert actions(reply) == ["human"]
    assert "可能相关" not in reply.text


def test_suggestions_in_english(resident, handbook):
    resident.press("lang:en")
    (reply,) = resident.send(COVERED_BUT_DECLINED)
    assert "Maybe one of these" in reply.text
    assert [a for a in actions(reply) if a.startswith("kb:")]


@pytest.mark.parametrize("action", ["kb:9999:00000000", "kb:", "kb:abc", "kb:0", "kb:-1:00000000", "kb:0:zz"])
def test_an_unknown_suggestion_is_answered_politely_with_a_person(resident, action):
    (reply,) = resident.send(action=action)
    assert "找不到" in reply.text
    assert actions(reply) == ["human"]


def test_a_suggestion_from_before_a_handbook_change_is_not_found(resident, suggested, handbook, config, store,
                                                                 templates, clock):
    reply, _ = suggested
    # The desk restarted with an edited handbook: the old buttons name indexes that now hold other entries
    # (entries moved: in range, another title) or none at all (a shorter handbook).
    moved = Handbook(handbook.entries[1:] + handbook.entries[:1])
    for edited in (moved, load_handbook(MINI)):
        reloaded = ServiceDesk(config=config, store=store, handbook=edited, templates=templates)
        same_chat = Person(reloaded, resident.chat, clock)
        for action in [a for a in actions(reply) if a.startswith("kb:")]:
            (shown,) = same_chat.press(action)
            assert "找不到" in shown and actions(same_chat.last[0]) == ["human"]


def _dialogue(person: Person):
    with person.desk.store.work() as w:
        return w.dialogue(person.chat)


def test_looking_up_a_suggestion_mid_application_keeps_the_application(resident, suggested):
    reply, entries = suggested
    resident.send("我家要装修,想办申请")
    before = _dialogue(resident)
    assert before.state == "renovation"
    (shown,) = resident.press(actions(reply)[0])
    assert entries[0].title in shown
    after = _dialogue(resident)
    assert (after.state, after.data) == (before.state, before.data)

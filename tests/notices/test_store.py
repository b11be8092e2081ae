"""NoticeStore on SQLite and PostgreSQL: audiences, lifecycle, exactly-once bookkeeping, sign-ups."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.models import Resident
from bot.notices.compose import NoticeTemplates, compose, parse_draft
from bot.notices.models import DeliveryStatus, NoticePurpose, NoticeStatus, SignupAnswer
from bot.notices.store import NoticeInfo, NoticeStore, SignupOutcome
from tests.notices.conftest import NOW

ACTIVITY = "活动\n标题: 亲子运动会\n开始: 2026-11-28 09:00\n地点: 中心广场\n名额: {capacity}"


def make(store: NoticeStore, templates: NoticeTemplates, text: str, now: datetime = NOW) -> NoticeInfo:
    return store.create_notice(compose(parse_draft(text), now=now, templates=templates),
                               created_by="100001", report_to="100001", now=now)


def register(store: NoticeStore, chat_id: str, *buildings: str) -> None:
    store.register_group(channel="telegram", chat_id=chat_id, title=f"群{chat_id}", buildings=buildings,
                         by="100001", now=NOW)


def targets(store: NoticeStore, notice_id: int) -> dict[str, DeliveryStatus]:
    store.prepare_deliveries(notice_id, now=NOW)
    report = store.report(notice_id)
    pending = {t.chat_id: DeliveryStatus.PENDING for t in store.pending_targets(notice_id)}
    return pending | {p.chat_id: p.status for p in report.problems}


def test_a_building_notice_reaches_that_buildings_groups_and_community_wide_ones(
        store: NoticeStore, templates: NoticeTemplates) -> None:
    register(store, "-1")  # the whole community
    register(store, "-3", "3")
    register(store, "-35", "3", "5")
    register(store, "-5", "5")
    notice = make(store, templates, "通用\n标题: 水箱清洗\n内容: 3号楼水箱清洗。\n对象: 3号楼")
    assert targets(store, notice.id) == {"-1": "pending", "-3": "pending", "-35": "pending"}
    everyone = make(store, templates, "通用\n标题: 电梯年检\n内容: 全小区。")
    assert set(targets(store, everyone.id)) == {"-1", "-3", "-35", "-5"}


def test_inactive_groups_are_recorded_not_sent_to(store: NoticeStore, templates: NoticeTemplates) -> None:
    register(store, "-1")
    register(store, "-2")
    assert store.set_group_active(channel="telegram", chat_id="-2", active=False, reason="bot kicked", now=NOW)
    assert not store.set_group_active(channel="telegram", chat_id="-99", active=False, reason="x", now=NOW)
    notice = make(store, templates, "通用\n标题: t\n内容: b")
    assert targets(store, notice.id) == {"-1": "pending", "-2": "inactive"}
    assert store.report(notice.id).problems[0].reason == "bot kicked"


def test_re_registering_a_group_reactivates_it_with_new_buildings(store: NoticeStore) -> None:
    register(store, "-1", "3")
    store.set_group_active(channel="telegram", chat_id="-1", active=False, reason="bot removed", now=NOW)
    register(store, "-1", "4", "5")
    [group] = store.groups()
    assert group.active and group.buildings == ("4", "5")


def test_a_group_upgraded_to_supergroup_keeps_its_registration(store: NoticeStore) -> None:
    register(store, "-7", "2")
    assert store.move_group(channel="telegram", old_chat_id="-7", new_chat_id="-1007", now=NOW)
    assert [(g.chat_id, g.buildings) for g in store.groups()] == [("-1007", ("2",))]


def test_private_copies_go_to_reachable_residents_of_those_buildings(
        engine: Engine, store: NoticeStore, templates: NoticeTemplates) -> None:
    with Session(engine) as s:
        s.add(Resident(channel="telegram", chat_id="501", building="3", created_at=NOW))
        s.add(Resident(channel="telegram", chat_id="502", building="3", reachable=False, created_at=NOW))
        s.add(Resident(channel="telegram", chat_id="601", building="6", created_at=NOW))
        s.add(Resident(channel="console", chat_id="1", building="3", created_at=NOW))
        s.commit()
    register(store, "-3", "3")
    notice = make(store, templates, "通用\n标题: t\n内容: b\n对象: 3号楼\n私信: 是")
    assert targets(store, notice.id) == {"-3": "pending", "501": "pending", "502": "failed"}


def test_delivery_rows_are_created_once_and_a_claim_wins_once(store: NoticeStore,
                                                               templates: NoticeTemplates) -> None:
    register(store, "-1")
    notice = make(store, templates, "通用\n标题: t\n内容: b")
    assert store.claim_notice(notice.id, now=NOW).status is NoticeStatus.SENDING
    assert store.claim_notice(notice.id, now=NOW) is None
    assert store.prepare_deliveries(notice.id, now=NOW) == 1
    register(store, "-2")  # registered mid-broadcast: picked up when the broadcast resumes
    assert store.prepare_deliveries(notice.id, now=NOW) == 2
    first = store.pending_targets(notice.id)[0]
    assert store.claim_delivery(first.delivery_id, now=NOW)
    assert not store.claim_delivery(first.delivery_id, now=NOW)
    store.release_delivery(first.delivery_id, now=NOW, reason="429")
    assert store.claim_delivery(first.delivery_id, now=NOW)
    # The desk dies here; on restart the row's outcome is unknown and it is not offered again.
    store.prepare_deliveries(notice.id, now=NOW)
    assert [t.chat_id for t in store.pending_targets(notice.id)] == ["-2"]
    assert store.report(notice.id).unknown == 1


def test_cancel_and_edit_only_before_it_goes(store: NoticeStore, templates: NoticeTemplates) -> None:
    water = "停水\n时间: 2026-11-25 09:00-17:00\n区域: 3号楼\n原因: 清洗\n发送: 2026-11-24 09:00"
    notice = make(store, templates, water)
    [reminder] = [n for n in store.list_notices() if n.purpose is NoticePurpose.CUT_REMINDER]
    assert reminder.parent_id == notice.id
    later = compose(parse_draft(water.replace("2026-11-25 09:00-17:00", "2026-11-26 09:00-17:00")),
                    now=NOW, templates=templates)
    edited = store.update_notice(notice.id, later, now=NOW)
    assert edited is not None and "11月26日" in edited.text
    reminders = [n for n in store.list_notices() if n.purpose is NoticePurpose.CUT_REMINDER]
    assert [r.send_at for r in reminders] == [datetime(2026, 11, 25, 23, 0, tzinfo=UTC)]  # moved along
    assert store.cancel_notice(notice.id, now=NOW)
    assert store.list_notices() == []  # the reminder went with it
    assert not store.cancel_notice(notice.id, now=NOW)
    assert store.update_notice(notice.id, later, now=NOW) is None


def test_a_notice_missed_past_its_relevance_expires_instead_of_going(
        store: NoticeStore, templates: NoticeTemplates) -> None:
    notice = make(store, templates, "活动\n标题: 运动会\n开始: 2026-11-24 09:00\n地点: 广场")
    after = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert store.due_notices(after)[0] == notice.id
    assert store.claim_notice(notice.id, now=after).status is NoticeStatus.EXPIRED
    assert notice.id not in store.due_notices(after + timedelta(days=1))


def test_signups_change_answers_and_respect_capacity(store: NoticeStore, templates: NoticeTemplates) -> None:
    notice = make(store, templates, ACTIVITY.format(capacity=2))
    press = lambda user, answer: store.record_signup(notice.id, user_id=user, user_name=f"住户{user}",  # noqa: E731
                                                     answer=answer, now=NOW)
    assert press("1", SignupAnswer.JOIN).outcome == SignupOutcome.ACCEPTED
    assert press("1", SignupAnswer.JOIN).outcome == SignupOutcome.UNCHANGED
    assert press("2", SignupAnswer.JOIN).outcome == SignupOutcome.ACCEPTED
    full = press("3", SignupAnswer.JOIN)
    assert full.outcome == SignupOutcome.FULL and (full.counts.joined, full.counts.capacity) == (2, 2)
    assert (press("1", SignupAnswer.DECLINE).counts.joined, press("3", SignupAnswer.DECLINE).counts.declined) == (1, 2)
    assert press("3", SignupAnswer.JOIN).outcome == SignupOutcome.ACCEPTED  # a place came free
    assert [(n, a) for n, a, _ in store.signups(notice.id)] == [("住户1", "decline"), ("住户2", "join"),
                                                                ("住户3", "join")]  # same instant: first press first


def test_signups_close_when_the_activity_starts_or_for_other_notices(
        store: NoticeStore, templates: NoticeTemplates) -> None:
    activity = make(store, templates, ACTIVITY.format(capacity=5))
    general = make(store, templates, "通用\n标题: t\n内容: b")
    late = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert store.record_signup(activity.id, user_id="1", user_name="a", answer=SignupAnswer.JOIN,
                               now=late).outcome == SignupOutcome.CLOSED
    for notice_id in (general.id, 9999):
        assert store.record_signup(notice_id, user_id="1", user_name="a", answer=SignupAnswer.JOIN,
                                   now=NOW).outcome == SignupOutcome.CLOSED


def test_concurrent_presses_never_overfill_an_activity(engine: Engine, store: NoticeStore,
                                                        templates: NoticeTemplates) -> None:
    notice = make(store, templates, ACTIVITY.format(capacity=10))
    presses = [(str(u % 40), SignupAnswer.JOIN) for u in range(60)]  # 40 people, some pressing twice

    def press(args: tuple[str, SignupAnswer]) -> str:
        user, answer = args
        return NoticeStore(engine).record_signup(notice.id, user_id=user, user_name=user, answer=answer,
                                                 now=NOW).outcome

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(press, presses))
    counts = store.signup_counts(notice.id)
    assert (counts.joined, counts.declined) == (10, 0)
    assert outcomes.count(SignupOutcome.ACCEPTED) == 10
    assert len(store.signups(notice.id)) == 10


def test_signup_reminder_goes_privately_to_those_who_joined(store: NoticeStore,
                                                             templates: NoticeTemplates) -> None:
    register(store, "-1")
    notice = make(store, templates, ACTIVITY.format(capacity=5))
    for user, answer in (("11", SignupAnswer.JOIN), ("12", SignupAnswer.DECLINE), ("13", SignupAnswer.JOIN)):
        store.record_signup(notice.id, user_id=user, user_name=user, answer=answer, now=NOW)
    [reminder] = [n for n in store.list_notices() if n.purpose is NoticePurpose.SIGNUP_REMINDER]
    assert targets(store, reminder.id) == {"11": "pending", "13": "pending"}


def test_drafts_round_trip(store: NoticeStore) -> None:
    store.save_draft(user_id="100001", chat_id="100001", step="fields", data={"kind": "water_cut"}, now=NOW)
    store.save_draft(user_id="100001", chat_id="100001", step="confirm", data={"body": "停水"}, now=NOW)
    assert store.load_draft("100001", "100001") == ("confirm", {"body": "停水"}, NOW)
    assert store.load_draft("100001", "-5") is None
    store.drop_draft("100001")
    assert store.load_draft("100001", "100001") is None

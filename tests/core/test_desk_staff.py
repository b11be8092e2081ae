"""Staff working tickets through the desk: queue, 首问负责制, replies, notes, every workflow by command."""

from __future__ import annotations

from bot.messages import AGENTS_ROOM, ENGINEERING_ROOM, MANAGER_ROOM, Attachment, AttachmentKind, ticket_room
from bot.models import EventKind
from bot.workflow import Status
from tests.support.chat import Person, actions, to_resident, to_staff

R1 = "R-20261123-0001"


def status(person: Person, code: str) -> str:
    return person.desk.store.ticket(code).status


def test_the_queue_lists_open_tickets_most_urgent_first(resident, neighbour, agent):
    resident.send("楼下的狗每天叫个不停")  # complaint, normal
    neighbour.send("卫生间下水道堵了")  # repair, high
    neighbour.send("地下车库B区水管爆了,水一直往外冒")  # emergency, urgent
    queue = agent.says("/queue")[0]
    order = [queue.index(code) for code in ("E-20261123-0001", R1, "C-20261123-0001")]
    assert order == sorted(order)


def test_a_repair_goes_from_report_to_archive_by_staff_commands(resident, agent, engineer):
    resident.send("卫生间下水道堵了")
    out = agent.send(f"/dispatch {R1} 王师傅")
    assert "王师傅" in to_resident(out, resident.chat)[0].text
    assert f"do:{R1}:accept" in actions(to_staff(out, ENGINEERING_ROOM)[0])
    engineer.press(f"do:{R1}:accept")
    engineer.send(f"/start {R1}")
    out = engineer.send(f"/done {R1} 疏通完毕", attachments=(Attachment(AttachmentKind.PHOTO, "after"),))
    assert status(resident, R1) == Status.COMPLETED
    assert [f.ref for f in resident.desk.store.files(R1)] == ["after"]
    assert to_resident(out, resident.chat)[0].buttons  # the rating buttons
    agent.send(f"/followup {R1}")
    agent.send(f"/archive {R1}")
    ticket = resident.desk.store.ticket(R1)
    assert ticket.status == Status.ARCHIVED and not ticket.is_open and ticket.resolved_at is not None
    trail = [(e.from_status, e.to_status) for e in resident.desk.store.events(R1) if e.kind == EventKind.STATUS]
    assert trail == [("reported", "dispatched"), ("dispatched", "accepted"), ("accepted", "in_progress"),
                     ("in_progress", "completed"), ("completed", "followed_up"), ("followed_up", "archived")]


def test_an_illegal_step_is_refused_with_the_reason(resident, engineer):
    resident.send("卫生间下水道堵了")
    reply = engineer.says(f"/done {R1}")[0]
    assert "not possible while the ticket is reported" in reply
    assert status(resident, R1) == Status.REPORTED


def test_a_role_that_may_not_take_a_step_is_refused(resident, agent):
    resident.send("卫生间下水道堵了")
    agent.send(f"/dispatch {R1} 王师傅")
    assert "only engineer" in agent.says(f"/accept {R1}")[0]


def test_only_the_assigned_engineer_accepts(resident, agent, engineer, engineer2):
    resident.send("卫生间下水道堵了")
    agent.send(f"/dispatch {R1} 王师傅")
    assert "assigned to 王师傅" in engineer2.says(f"/accept {R1}")[0]
    assert status(resident, R1) == Status.DISPATCHED


def test_dispatch_needs_a_known_engineer(resident, agent):
    resident.send("卫生间下水道堵了")
    reply = agent.says(f"/dispatch {R1} 李客服")[0]
    assert "王师傅" in reply and "张师傅" in reply
    assert status(resident, R1) == Status.REPORTED


def test_an_engineer_returns_or_transfers_a_job(resident, agent, engineer, engineer2):
    resident.send("卫生间下水道堵了")
    engineer.press(f"grab:{R1}")
    assert status(resident, R1) == Status.ACCEPTED
    out = engineer.send(f"/return {R1} 需要专业管道公司")
    assert status(resident, R1) == Status.REPORTED
    assert "需要专业管道公司" in to_staff(out, AGENTS_ROOM)[0].text
    engineer2.press(f"grab:{R1}")
    out = engineer2.send(f"/transfer {R1} 王师傅")
    assert status(resident, R1) == Status.DISPATCHED
    assert "王师傅" in to_staff(out, ENGINEERING_ROOM)[0].text
    assert "already with" in engineer2.says(f"/grab {R1}")[0]


def test_first_to_take_a_chat_owns_it(resident, agent, manager, clock):
    resident.send("转人工")
    assert "Q-20261123-0001" in agent.says("/take Q-20261123-0001")[0]
    late = Person(resident.desk, AGENTS_ROOM, clock, sender_id="100005")  # the manager, also an agent
    assert "李客服" in late.says("/take Q-20261123-0001")[0]
    assert resident.desk.store.ticket("Q-20261123-0001").agent_id is not None


def test_taken_chat_relays_both_ways_and_notes_stay_internal(resident, agent, clock):
    resident.send("转人工")
    out = agent.send("/take Q-20261123-0001")
    assert "李客服" in to_resident(out, resident.chat)[0].text
    room = Person(resident.desk, ticket_room("Q-20261123-0001"), clock, sender_id="100001")
    out = resident.send("我想租个车位")
    assert to_staff(out, ticket_room("Q-20261123-0001"))[0].text.endswith("我想租个车位")
    assert to_resident(out, resident.chat) == []
    out = room.send("可以的,下午来服务中心办理")
    assert to_resident(out, resident.chat)[0].text.endswith("可以的,下午来服务中心办理")
    out = room.send("/note 业主要地面车位")
    assert to_resident(out, resident.chat) == []
    notes = [e.text for e in resident.desk.store.events("Q-20261123-0001") if e.kind == EventKind.NOTE]
    assert notes == ["业主要地面车位"]
    assert status(resident, "Q-20261123-0001") == Status.ANSWERED
    room.send("/close")
    assert status(resident, "Q-20261123-0001") == Status.CLOSED
    reply = resident.says("物业费怎么交?")  # back with the bot
    assert "来源" in reply[0]


def test_someone_else_cannot_reply_in_a_taken_chat(resident, agent, engineer):
    resident.send("转人工")
    agent.send("/take Q-20261123-0001")
    out = engineer.send("/reply Q-20261123-0001 我来回答")
    assert to_resident(out, resident.chat) == []
    assert "李客服" in out[0].text


def test_replying_to_an_untaken_ticket_takes_it(resident, agent):
    resident.send("楼下的狗每天叫个不停")
    out = agent.send("/reply C-20261123-0001 您好,我们今天会上门沟通")
    assert to_resident(out, resident.chat)[-1].text.endswith("我们今天会上门沟通")
    assert resident.desk.store.ticket("C-20261123-0001").responded_at is not None


def test_a_complaint_follows_the_plan(resident, agent):
    resident.send("楼下的狗每天叫个不停")
    code = "C-20261123-0001"
    agent.send(f"/analyse {code}")
    out = agent.send(f"/plan {code} 与养狗业主沟通并书面提醒")
    assert "书面提醒" in to_resident(out, resident.chat)[0].text
    out = agent.send(f"/resolve {code} 已沟通")
    assert f"rate:{code}:5" in actions(to_resident(out, resident.chat)[0])
    resident.press(f"rate:{code}:4")
    assert status(resident, code) == Status.ARCHIVED


def test_a_renovation_follows_the_plan_with_revision_violation_and_failed_acceptance(resident, agent, engineer):
    resident.send("我家要装修,想办申请")
    for answer in ("12月1日到2月28日", "美家装饰 13800000000", "厨房翻新"):
        resident.send(answer)
    resident.press("skip")
    code = "D-20261123-0001"
    out = agent.send(f"/revise {code} 水电图缺少强弱电走向")
    assert "强弱电" in to_resident(out, resident.chat)[0].text
    agent.send(f"/resubmit {code}")
    agent.press(f"do:{code}:approve")
    agent.send(f"/sign {code}")
    out = engineer.send(f"/inspect {code} 擅自拆改承重墙", attachments=(Attachment(AttachmentKind.PHOTO, "v1"),))
    assert "承重墙" in to_resident(out, resident.chat)[0].text
    engineer.send(f"/inspect {code}")
    engineer.send(f"/fail {code} 防水未做闭水试验")
    engineer.send(f"/pass {code}")
    out = agent.send(f"/refund {code}")
    assert status(resident, code) == Status.REFUNDED
    assert f"rate:{code}:5" in actions(to_resident(out, resident.chat)[0])
    violations = [e.text for e in resident.desk.store.events(code) if e.kind == EventKind.VIOLATION]
    assert violations == ["擅自拆改承重墙"]
    assert [f.ref for f in resident.desk.store.files(code)] == ["v1"]


def test_an_emergency_is_acknowledged_attended_and_resolved(resident, guard):
    resident.send("地下车库B区水管爆了,水一直往外冒")
    code = "E-20261123-0001"
    out = guard.send("", action=f"ack:{code}")
    assert "赵保安" in to_resident(out, resident.chat)[0].text
    assert "已由 赵保安 确认" in guard.says(f"/ack {code}")[0]
    guard.send(f"/arrive {code}")
    out = guard.send(f"/resolve {code} 已关阀抽水")
    assert status(resident, code) == Status.RESOLVED
    assert f"rate:{code}:1" in actions(to_resident(out, resident.chat)[0])


def test_show_gives_staff_the_audit_trail(resident, agent):
    resident.send("卫生间下水道堵了")
    agent.send(f"/note {R1} 业主下午在家")
    reply = agent.says(f"/show {R1}")[0]
    assert "业主下午在家" in reply and "王女士" in reply and "/dispatch" in reply


def test_staff_mistakes_get_clear_answers(agent):
    assert "R-20991231-0001" in agent.says("/take R-20991231-0001")[0]
    assert "工单号" in agent.says("/take")[0]
    assert "/bogus" in agent.says("/bogus")[0]
    assert "/queue" in agent.says("hello")[0]


def test_strangers_in_a_staff_room_are_ignored(desk, clock):
    stranger = Person(desk, MANAGER_ROOM, clock, sender_id="999")
    assert stranger.send("/queue") == []


def test_staff_verify_a_resident(resident, agent):
    resident.send("卫生间下水道堵了")
    assert not resident.desk.store.resident(resident.chat).verified
    assert "王女士" in agent.says(f"/verify {R1}")[0]
    assert resident.desk.store.resident(resident.chat).verified


def test_a_chat_whose_ticket_was_closed_meanwhile_is_back_with_the_bot(resident, agent, clock):
    resident.send("转人工")
    agent.send("/take Q-20261123-0001")
    with resident.desk.store.work() as w:  # closed without /close (e.g. tidied up by a manager's tool)
        w.set_status(w.ticket("Q-20261123-0001"), Status.CLOSED, at=clock.tick(), actor="test")
    out = resident.send("物业费怎么交?")
    assert to_staff(out, ticket_room("Q-20261123-0001")) == []
    assert "来源" in to_resident(out, resident.chat)[0].text


# -- an unfinished application survives a hand-over to a person -------------------------------
def kept_notice(out, resident: Person):
    """The resident's "your application is kept" message with its resume button, if any."""
    return next((o for o in to_resident(out, resident.chat) if "resume" in actions(o)), None)


def test_an_application_interrupted_by_take_is_resumed_where_it_was_after_close(resident, agent):
    resident.send("卫生间下水道堵了")
    resident.send("我要装修，想申请一下")
    assert "装修公司" in resident.says("12月1日到12月20日")[0]
    agent.send(f"/take {R1}")
    out = resident.send("师傅什么时候来")  # the agent's chat now: relayed, not taken for the contractor
    assert to_staff(out, ticket_room(R1))[0].text.endswith("师傅什么时候来")
    out = agent.send(f"/close {R1}")
    assert "已为您保留" in kept_notice(out, resident).text
    assert "装修公司" in resident.press("resume")[0]  # the contractor step: the dates were kept
    resident.send("好家装饰公司，张经理 13800138000")
    resident.send("厨房卫生间翻新")
    resident.send("没有图纸")
    application = resident.desk.store.ticket("D-20261123-0001")
    assert "12月1日到12月20日" in application.description and "好家装饰" in application.description


def test_an_application_kept_aside_before_take_survives_it(resident, agent):
    resident.send("卫生间下水道堵了")
    resident.send("装修")
    assert any("已为您保留" in r for r in resident.says("/my"))
    agent.send(f"/take {R1}")
    out = agent.send(f"/close {R1}")
    assert kept_notice(out, resident) is not None
    assert "施工日期" in resident.press("resume")[0]


def test_an_application_interrupted_by_asking_for_a_person_is_resumed_after_close(resident, agent):
    resident.send("我要装修，想申请一下")
    resident.send("转人工")
    agent.send("/take Q-20261123-0001")
    out = agent.send("/close Q-20261123-0001")
    assert kept_notice(out, resident) is not None
    assert "施工日期" in resident.press("resume")[0]


def test_close_offers_nothing_to_resume_when_nothing_was_interrupted(resident, agent):
    resident.send("转人工")
    agent.send("/take Q-20261123-0001")
    out = agent.send("/close Q-20261123-0001")
    assert kept_notice(out, resident) is None
    assert "施工日期" not in resident.press("resume")[0]


def test_cancelling_the_kept_application_while_with_a_person_keeps_the_person(resident, agent):
    resident.send("卫生间下水道堵了")
    resident.send("我要装修，想申请一下")
    agent.send(f"/take {R1}")
    assert "已取消" in resident.says("/cancel")[0]
    out = resident.send("师傅什么时候来")
    assert to_staff(out, ticket_room(R1))[0].text.endswith("师傅什么时候来")  # still relayed
    out = agent.send(f"/close {R1}")
    assert kept_notice(out, resident) is None

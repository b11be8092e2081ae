"""The service plan's workflows as explicit state machines, one per ticket kind.

Plan, 第四章 1 日常服务流程:
  报事报修: 业主报修 → 客服记录并派单 → 工程接单并维修 → 客服回访 → 归档
  投诉处理: 客服接待并记录 → 上报并分析原因 → 制定解决方案 → 处理并反馈 → 回访并归档
  装修管理: 业主申请 → 审核图纸 → 签订《装修管理协议》 → 施工巡查 → 验收 → 退押金
  应急预案 (第六章): 报警 → 响应到场 → 处置完毕, then 回访 and 归档
  转人工 (咨询): 转人工 → 答复 → 关闭
Pure data and one function; no database, no wording (templates carry that).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.messages import Role
from bot.models import TicketKind


class Status(StrEnum):
    """Every state a ticket can be in; each workflow uses a subset."""

    # repair 报修
    REPORTED = "reported"  # 报修 (recorded, waiting to be dispatched)
    DISPATCHED = "dispatched"  # 派单
    ACCEPTED = "accepted"  # 接单
    IN_PROGRESS = "in_progress"  # 维修中
    COMPLETED = "completed"  # 完成
    # complaint 投诉
    RECORDED = "recorded"  # 受理记录
    ANALYSING = "analysing"  # 上报分析
    PLANNED = "planned"  # 制定方案
    HANDLED = "handled"  # 处理反馈
    # renovation 装修
    APPLIED = "applied"  # 申请 (drawings under review)
    REVISING = "revising"  # 图纸需修改
    APPROVED = "approved"  # 图纸审核通过
    SIGNED = "signed"  # 签订协议
    CONSTRUCTION = "construction"  # 施工巡查
    INSPECTED = "inspected"  # 验收通过
    REFUNDED = "refunded"  # 退押金
    # emergency 应急
    ALARMED = "alarmed"  # 报警
    ON_SITE = "on_site"  # 响应到场
    RESOLVED = "resolved"  # 处置完毕
    # inquiry handed to a person 转人工
    HANDED_OVER = "handed_over"  # 转人工
    ANSWERED = "answered"  # 答复
    # shared ends
    FOLLOWED_UP = "followed_up"  # 回访
    ARCHIVED = "archived"  # 归档
    CLOSED = "closed"  # 关闭 (inquiries)
    CANCELLED = "cancelled"  # withdrawn by the resident


STATUS_ZH: dict[Status, str] = {
    Status.REPORTED: "已报修", Status.DISPATCHED: "已派单", Status.ACCEPTED: "已接单",
    Status.IN_PROGRESS: "维修中", Status.COMPLETED: "已完成", Status.RECORDED: "已受理",
    Status.ANALYSING: "上报分析中", Status.PLANNED: "已制定方案", Status.HANDLED: "已处理反馈",
    Status.APPLIED: "图纸审核中", Status.REVISING: "图纸待修改", Status.APPROVED: "图纸审核通过",
    Status.SIGNED: "已签订协议", Status.CONSTRUCTION: "施工中", Status.INSPECTED: "验收通过",
    Status.REFUNDED: "押金已退", Status.ALARMED: "已报警", Status.ON_SITE: "人员已到场",
    Status.RESOLVED: "处置完毕", Status.HANDED_OVER: "已转人工", Status.ANSWERED: "已答复",
    Status.FOLLOWED_UP: "已回访", Status.ARCHIVED: "已归档", Status.CLOSED: "已关闭",
    Status.CANCELLED: "已撤销",
}
KIND_ZH: dict[TicketKind, str] = {
    TicketKind.REPAIR: "报修", TicketKind.COMPLAINT: "投诉", TicketKind.RENOVATION: "装修",
    TicketKind.EMERGENCY: "紧急", TicketKind.INQUIRY: "咨询",
}
STATUS_EN: dict[Status, str] = {s: s.value.replace("_", " ") for s in Status}

# States after which nothing more happens: the ticket leaves the open queue.
FINAL = frozenset({Status.ARCHIVED, Status.CLOSED, Status.CANCELLED})
# States in which the work is done and the resident is asked to rate it.
DONE = frozenset({Status.COMPLETED, Status.HANDLED, Status.RESOLVED, Status.REFUNDED})


class Action(StrEnum):
    """A workflow step; staff type it as a command (`/dispatch CODE …`) or press it as a button."""

    DISPATCH = "dispatch"  # 派单 (to an engineer)
    ACCEPT = "accept"  # 接单
    RETURN = "return"  # 退单: the engineer gives the job back
    TRANSFER = "transfer"  # 转单: to another engineer
    START = "start"  # 开始维修
    DONE = "done"  # 完成 (repair)
    ANALYSE = "analyse"  # 上报分析
    PLAN = "plan"  # 制定方案
    RESOLVE = "resolve"  # 处理反馈 / 处置完毕
    APPROVE = "approve"  # 图纸审核通过
    REVISE = "revise"  # 图纸需修改
    RESUBMIT = "resubmit"  # 重新提交图纸
    SIGN = "sign"  # 签订装修管理协议
    INSPECT = "inspect"  # 施工巡查 (repeatable; may record a violation)
    PASS = "pass"  # 验收通过
    FAIL = "fail"  # 验收不通过 → back to construction
    REFUND = "refund"  # 退押金
    ARRIVE = "arrive"  # 响应到场
    ANSWER = "answer"  # 答复
    FOLLOW_UP = "followup"  # 回访
    ARCHIVE = "archive"  # 归档
    CLOSE = "close"  # 关闭
    REOPEN = "reopen"  # a low rating sends the job back
    CANCEL = "cancel"  # the resident withdraws


@dataclass(frozen=True, slots=True)
class Transition:
    """One legal step: ``action`` moves a ticket from any of ``sources`` to ``target``."""

    action: Action
    sources: frozenset[Status]
    target: Status
    roles: frozenset[Role]  # who may take the step (the desk itself acts as any role)


class IllegalTransition(Exception):
    """A step the workflow does not allow; ``reason`` (English) and ``reason_zh`` say why."""

    def __init__(self, reason: str, reason_zh: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh or reason


def _t(action: Action, sources: set[Status] | Status, target: Status, *roles: Role) -> Transition:
    src = frozenset(sources if isinstance(sources, set) else {sources})
    return Transition(action, src, target, frozenset(roles))


AGENT, ENGINEER, SECURITY, MANAGER, RESIDENT = (
    Role.AGENT, Role.ENGINEER, Role.SECURITY, Role.MANAGER, Role.RESIDENT,
)
S = Status
A = Action

WORKFLOWS: dict[TicketKind, tuple[Transition, ...]] = {
    TicketKind.REPAIR: (
        _t(A.DISPATCH, {S.REPORTED}, S.DISPATCHED, AGENT, MANAGER, ENGINEER),
        _t(A.ACCEPT, {S.DISPATCHED}, S.ACCEPTED, ENGINEER),
        _t(A.RETURN, {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}, S.REPORTED, ENGINEER),
        _t(A.TRANSFER, {S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS}, S.DISPATCHED, ENGINEER, AGENT, MANAGER),
        _t(A.START, {S.ACCEPTED}, S.IN_PROGRESS, ENGINEER),
        _t(A.DONE, {S.ACCEPTED, S.IN_PROGRESS}, S.COMPLETED, ENGINEER),
        _t(A.FOLLOW_UP, {S.COMPLETED}, S.FOLLOWED_UP, AGENT, MANAGER),
        _t(A.REOPEN, {S.COMPLETED, S.FOLLOWED_UP}, S.REPORTED, AGENT, MANAGER),
        _t(A.ARCHIVE, {S.FOLLOWED_UP}, S.ARCHIVED, AGENT, MANAGER),
        _t(A.CANCEL, {S.REPORTED, S.DISPATCHED}, S.CANCELLED, RESIDENT, AGENT, MANAGER),
    ),
    TicketKind.COMPLAINT: (
        _t(A.ANALYSE, {S.RECORDED}, S.ANALYSING, AGENT, MANAGER),
        _t(A.PLAN, {S.ANALYSING}, S.PLANNED, AGENT, MANAGER),
        _t(A.RESOLVE, {S.PLANNED}, S.HANDLED, AGENT, MANAGER),
        _t(A.FOLLOW_UP, {S.HANDLED}, S.FOLLOWED_UP, AGENT, MANAGER),
        _t(A.REOPEN, {S.HANDLED, S.FOLLOWED_UP}, S.ANALYSING, AGENT, MANAGER),
        _t(A.ARCHIVE, {S.FOLLOWED_UP}, S.ARCHIVED, AGENT, MANAGER),
        _t(A.CANCEL, {S.RECORDED}, S.CANCELLED, RESIDENT, AGENT, MANAGER),
    ),
    TicketKind.RENOVATION: (
        _t(A.APPROVE, {S.APPLIED}, S.APPROVED, AGENT, ENGINEER, MANAGER),
        _t(A.REVISE, {S.APPLIED}, S.REVISING, AGENT, ENGINEER, MANAGER),
        _t(A.RESUBMIT, {S.REVISING}, S.APPLIED, RESIDENT, AGENT, MANAGER),
        _t(A.SIGN, {S.APPROVED}, S.SIGNED, AGENT, MANAGER),
        _t(A.INSPECT, {S.SIGNED, S.CONSTRUCTION}, S.CONSTRUCTION, AGENT, ENGINEER, SECURITY, MANAGER),
        _t(A.PASS, {S.CONSTRUCTION}, S.INSPECTED, ENGINEER, AGENT, MANAGER),
        _t(A.FAIL, {S.CONSTRUCTION}, S.CONSTRUCTION, ENGINEER, AGENT, MANAGER),
        _t(A.REFUND, {S.INSPECTED}, S.REFUNDED, AGENT, MANAGER),
        _t(A.FOLLOW_UP, {S.REFUNDED}, S.FOLLOWED_UP, AGENT, MANAGER),
        _t(A.ARCHIVE, {S.REFUNDED, S.FOLLOWED_UP}, S.ARCHIVED, AGENT, MANAGER),
        _t(A.CANCEL, {S.APPLIED, S.REVISING, S.APPROVED}, S.CANCELLED, RESIDENT, AGENT, MANAGER),
    ),
    TicketKind.EMERGENCY: (
        _t(A.ARRIVE, {S.ALARMED}, S.ON_SITE, SECURITY, ENGINEER, AGENT, MANAGER),
        _t(A.RESOLVE, {S.ALARMED, S.ON_SITE}, S.RESOLVED, SECURITY, ENGINEER, AGENT, MANAGER),
        _t(A.FOLLOW_UP, {S.RESOLVED}, S.FOLLOWED_UP, AGENT, MANAGER),
        _t(A.ARCHIVE, {S.FOLLOWED_UP}, S.ARCHIVED, AGENT, MANAGER),
    ),
    TicketKind.INQUIRY: (
        _t(A.ANSWER, {S.HANDED_OVER, S.ANSWERED}, S.ANSWERED, AGENT, MANAGER, ENGINEER, SECURITY),
        _t(A.CLOSE, {S.HANDED_OVER, S.ANSWERED}, S.CLOSED, AGENT, MANAGER, RESIDENT),
    ),
}

INITIAL: dict[TicketKind, Status] = {
    TicketKind.REPAIR: S.REPORTED,
    TicketKind.COMPLAINT: S.RECORDED,
    TicketKind.RENOVATION: S.APPLIED,
    TicketKind.EMERGENCY: S.ALARMED,
    TicketKind.INQUIRY: S.HANDED_OVER,
}


def transition_for(kind: TicketKind | str, status: Status | str, action: Action | str) -> Transition:
    """The transition ``action`` takes from ``status``, or IllegalTransition saying why not."""
    kind = TicketKind(kind)
    status = Status(status)
    try:
        action = Action(action)
    except ValueError:
        raise IllegalTransition(f"unknown step '{action}'", f"没有\u201c{action}\u201d这一步") from None
    steps = [t for t in WORKFLOWS[kind] if t.action == action]
    if not steps:
        allowed = ", ".join(sorted({t.action.value for t in WORKFLOWS[kind]}))
        raise IllegalTransition(f"a {kind.value} ticket has no step '{action.value}' (steps: {allowed})",
                                f"{KIND_ZH[kind]}工单没有\u201c{action.value}\u201d这一步（可用：{allowed}）")
    for step in steps:
        if status in step.sources:
            return step
    if status in FINAL:
        raise IllegalTransition(f"'{action.value}' is not possible: the ticket is already {status.value}",
                                f"工单已{STATUS_ZH[status].removeprefix('已')}，不能再\u201c{action.value}\u201d")
    possible = ", ".join(sorted(a.value for a in next_actions(kind, status))) or "none"
    raise IllegalTransition(
        f"'{action.value}' is not possible while the ticket is {status.value} (possible now: {possible})",
        f"工单当前\u201c{STATUS_ZH[status]}\u201d，不能\u201c{action.value}\u201d（现在可以：{possible}）",
    )


def next_actions(kind: TicketKind | str, status: Status | str) -> list[Action]:
    """The steps possible from ``status``, in workflow order."""
    kind, status = TicketKind(kind), Status(status)
    seen: list[Action] = []
    for step in WORKFLOWS[kind]:
        if status in step.sources and step.action not in seen:
            seen.append(step.action)
    return seen


def check_role(step: Transition, roles: set[Role] | frozenset[Role]) -> None:
    """Refuse ``step`` unless one of ``roles`` may take it."""
    if not step.roles & set(roles):
        who = ", ".join(sorted(r.value for r in step.roles))
        raise IllegalTransition(f"only {who} may '{step.action.value}'",
                                f"只有 {who} 可以\u201c{step.action.value}\u201d")

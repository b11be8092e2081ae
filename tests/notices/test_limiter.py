"""The shared limiter: windows counted from completion, conversations first, 429 pauses only broadcasts."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.notices.broadcast import Lane, SendLimiter, SendLimits


async def granted_within(limiter: SendLimiter, chat: str, lane: Lane, seconds: float):
    try:
        return await asyncio.wait_for(limiter.acquire(chat, lane), seconds)
    except TimeoutError:
        return None


async def test_conversation_replies_use_the_reserve_while_a_broadcast_waits() -> None:
    limiter = SendLimiter(SendLimits(per_second=3, per_group_per_minute=100, conversation_reserve=1))
    first = [await limiter.acquire(f"-{i}", Lane.BROADCAST) for i in range(2)]  # the broadcast's share
    assert await granted_within(limiter, "-9", Lane.BROADCAST, 0.05) is None  # the reserve is not for it
    reply = await granted_within(limiter, "42", Lane.CONVERSATION, 0.05)
    assert reply is not None
    for permit in (*first, reply):
        permit.release()


async def test_a_waiting_conversation_goes_before_waiting_broadcasts() -> None:
    limiter = SendLimiter(SendLimits(per_second=2, per_group_per_minute=100, conversation_reserve=1))
    held = [await limiter.acquire("-1", Lane.BROADCAST), await limiter.acquire("42", Lane.CONVERSATION)]
    order: list[str] = []

    async def want(chat: str, lane: Lane) -> None:
        permit = await limiter.acquire(chat, lane)
        order.append(chat)
        permit.release(used=False)

    waiting = [asyncio.create_task(want("-2", Lane.BROADCAST)), asyncio.create_task(want("-3", Lane.BROADCAST))]
    await asyncio.sleep(0.01)
    waiting.append(asyncio.create_task(want("43", Lane.CONVERSATION)))
    await asyncio.sleep(0.01)
    for permit in held:
        permit.release(used=False)  # tokens come back at once
    await asyncio.gather(*waiting)
    assert order[0] == "43"


async def test_a_429_pauses_broadcasts_but_not_conversations() -> None:
    limiter = SendLimiter(SendLimits(per_second=30, per_group_per_minute=20, conversation_reserve=2))
    limiter.pause_broadcasts(5.0)
    assert await granted_within(limiter, "-1", Lane.BROADCAST, 0.1) is None
    assert await granted_within(limiter, "42", Lane.CONVERSATION, 0.05) is not None
    assert limiter.broadcast_pauses == 1


async def test_one_group_over_its_minute_budget_does_not_hold_up_other_groups() -> None:
    limiter = SendLimiter(SendLimits(per_second=30, per_group_per_minute=2, conversation_reserve=2))
    for _ in range(2):
        (await limiter.acquire("-1", Lane.BROADCAST)).release()
    assert await granted_within(limiter, "-1", Lane.BROADCAST, 0.05) is None
    assert await granted_within(limiter, "-2", Lane.BROADCAST, 0.05) is not None
    assert await granted_within(limiter, "7", Lane.CONVERSATION, 0.05) is not None  # private chats: no group window


async def test_never_more_than_the_limit_in_any_second_counted_from_completion() -> None:
    limiter = SendLimiter(SendLimits(per_second=5, per_group_per_minute=100, conversation_reserve=1))
    started, completed = [], []

    async def request(i: int) -> None:
        permit = await limiter.acquire(f"-{i}", Lane.BROADCAST)
        started.append(time.monotonic())
        await asyncio.sleep(0.02 * (i % 3))  # uneven latency on the wire
        completed.append(time.monotonic())
        permit.release()

    await asyncio.gather(*(request(i) for i in range(10)))
    # A new request starts only a full second after the request whose token it reuses completed.
    starts = sorted(started)
    assert starts[3] - starts[0] < 0.2 <= starts[4] - starts[0]  # the first four (5 minus the reserve) went at once
    assert all(later - earlier >= 1.0 for earlier, later in zip(sorted(completed), starts[4:], strict=False))


async def test_a_cancelled_waiter_gives_nothing_away() -> None:
    limiter = SendLimiter(SendLimits(per_second=2, per_group_per_minute=100, conversation_reserve=1))
    held = await limiter.acquire("-1", Lane.BROADCAST)
    waiter = asyncio.create_task(limiter.acquire("-2", Lane.BROADCAST))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    held.release(used=False)
    again = await granted_within(limiter, "-3", Lane.BROADCAST, 0.05)
    assert again is not None


def test_reserve_must_leave_room_for_broadcasts() -> None:
    with pytest.raises(ValueError):
        SendLimiter(SendLimits(per_second=2, conversation_reserve=2))


def test_scaled_limits() -> None:
    assert SendLimits().scaled(10) == SendLimits(per_second=300, per_group_per_minute=200, conversation_reserve=20)

"""The desk's core in a process of its own, beside the Telegram front-end.

Why: both halves of `desk run` are CPU-bound Python. The front-end spends its time in
python-telegram-bot and httpx (parsing updates, building and sending requests), the core in
SQLAlchemy and the templates; in one process they take turns on one core under one GIL. With the
core here, in a child process, the two run on two cores: the front-end sends one chat's replies
while the core works on another chat's message (bench_telegram.py measures it).

The core is transport-free (Inbound in, list of Outbound out), so the boundary is one call:
``await DeskProcess.handle(inbound)``. Frames on the child's stdin/stdout carry pickled values
(both ends are this program, started by us; nothing from outside is ever unpickled). The child
handles messages one at a time in arrival order; the front-end already keeps each chat's
messages in order and many chats in flight.

If the child dies, it is started again and every message it had not answered is sent again, in
order. That is safe because the core stores each message before acting on it and ignores a
second delivery of one it has stored (``claim_inbound``); a message that kills the child twice is
given up (the front-end apologises to the resident) so one bad message cannot stop the desk.

Run as ``python -m bot.desk_process`` only by ``DeskProcess``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import pickle
import signal
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from bot.config import Config
from bot.messages import Inbound, Outbound

logger = logging.getLogger(__name__)

_HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024  # a sanity bound: a frame is one message and its replies
START_TIMEOUT = 120.0  # seconds for the child to import, open the database and load the handbook
STOP_TIMEOUT = 10.0
MAX_ATTEMPTS = 2  # deliveries of one message to a child before it is given up
RESTART_PAUSE = 1.0  # seconds between a crash and the next start, so a crash loop does not spin
MAX_RESTART_PAUSE = 30.0  # doubling up to this while the child cannot start


class DeskProcessError(RuntimeError):
    """The desk process could not start or could not answer a message; the message says why."""


@dataclass(frozen=True, slots=True)
class DeskSpec:
    """What the child needs to build the same desk as the parent's."""

    config: Config
    database_url: str
    search_path: str | None = None
    log_level: int = logging.WARNING


# ======================================================================================
# the parent's side
# ======================================================================================
class DeskProcess:
    """``handle(inbound)`` answered by a ServiceDesk in a child process; restarts it if it dies."""

    def __init__(self, spec: DeskSpec, *, python: str = sys.executable) -> None:
        self._spec = spec
        self._python = python
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        # Messages sent and not yet answered, in the order sent: resent in that order after a restart.
        self._pending: dict[int, tuple[Inbound, asyncio.Future[list[Outbound]], int]] = {}
        self._write_lock = asyncio.Lock()
        self._restarting: asyncio.Task[None] | None = None
        self._unavailable: str | None = None  # why the last restart failed, while it keeps failing
        self._closing = False
        self.restarts = 0

    # -- life ------------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the child and wait until its desk is ready; DeskProcessError says why it is not."""
        self._closing = False
        await self._spawn()
        logger.info("the desk's core runs in process %s", self.pid)

    async def close(self) -> None:
        """Let the child finish what it was given, then stop it (killed if it does not stop)."""
        self._closing = True
        if self._restarting is not None:
            self._restarting.cancel()
        if self._pending and self.running:
            waits = [future for _, future, _ in self._pending.values()]
            await asyncio.wait(waits, timeout=STOP_TIMEOUT)
        proc, self._proc = self._proc, None
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.stdin.close()  # the child's cue to stop
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                logger.warning("the desk process did not stop within %.0f s; killing it", STOP_TIMEOUT)
                proc.kill()
                await proc.wait()
        self._fail_pending(DeskProcessError("the desk stopped before answering"))

    def _fail_pending(self, error: DeskProcessError) -> None:
        for _, future, _ in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- the call ----------------------------------------------------------------------------
    async def handle(self, inbound: Inbound) -> list[Outbound]:
        """What the desk answers to ``inbound`` (the same as ``ServiceDesk.handle``)."""
        if self._closing:
            raise DeskProcessError("the desk is stopping")
        if self._proc is None and self._restarting is None:
            raise DeskProcessError("the desk process is not running (start() it first)")
        if self._unavailable is not None:
            raise DeskProcessError(f"the desk is not available: {self._unavailable}")
        future: asyncio.Future[list[Outbound]] = asyncio.get_running_loop().create_future()
        request = next(self._ids)
        self._pending[request] = (inbound, future, 1)
        if self._restarting is None and self.running:
            await self._send(request, inbound)
        # else: the restart in progress sends everything pending, this one included
        return await future

    # -- inside ------------------------------------------------------------------------------
    async def _spawn(self) -> None:
        # The child needs no token: it never talks to Telegram, so it cannot leak it either.
        env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
        try:
            proc = await asyncio.create_subprocess_exec(
                self._python, "-m", "bot.desk_process",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
                limit=MAX_FRAME,
            )
        except OSError as exc:
            raise DeskProcessError(f"the desk process could not be started: {exc}") from exc
        try:
            proc.stdin.write(_frame(self._spec))
            await proc.stdin.drain()
            reply = await asyncio.wait_for(_read_frame(proc.stdout), START_TIMEOUT)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise DeskProcessError(f"the desk process did not start (exit {proc.returncode}); "
                                   "its log says why") from exc
        if reply != ("ready",):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            problem = reply[1] if isinstance(reply, tuple) and len(reply) == 2 else "unknown"
            raise DeskProcessError(f"the desk could not start: {problem}")
        self._proc = proc
        self._reader = asyncio.create_task(self._read_replies(proc), name="desk-process-replies")

    async def _send(self, request: int, inbound: Inbound) -> None:
        proc = self._proc
        if proc is None:
            return
        async with self._write_lock:  # frames must not interleave
            try:
                proc.stdin.write(_frame((request, inbound)))
                await proc.stdin.drain()
            except (ConnectionError, RuntimeError):
                pass  # the child is gone; the reader notices and restarts it, resending this one

    async def _read_replies(self, proc: asyncio.subprocess.Process) -> None:
        try:
            while True:
                request, ok, value = await _read_frame(proc.stdout)
                entry = self._pending.pop(request, None)
                if entry is None or entry[1].done():
                    continue
                if ok:
                    entry[1].set_result(value)
                else:
                    entry[1].set_exception(DeskProcessError(value))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the child is gone
        code = await proc.wait()
        if self._closing or proc is not self._proc:
            return
        self._proc = None
        logger.error("the desk process stopped (exit %s) with %d message(s) unanswered; starting it again",
                     code, len(self._pending))
        self._restarting = asyncio.create_task(self._restart(), name="desk-process-restart")

    async def _restart(self) -> None:
        try:
            # A message that was in the child each time it died is given up, not sent a third time.
            # (One that only waited here through two restarts counts too: two crashes in a row are
            # rare enough not to tell the two apart.)
            for request, (inbound, future, attempts) in list(self._pending.items()):
                if attempts >= MAX_ATTEMPTS:
                    del self._pending[request]
                    if not future.done():
                        future.set_exception(DeskProcessError("this message stopped the desk twice"))
                else:
                    self._pending[request] = (inbound, future, attempts + 1)
            pause = RESTART_PAUSE
            while not self._closing:
                await asyncio.sleep(pause)
                try:
                    await self._spawn()
                    break
                except DeskProcessError as exc:
                    # The handbook folder may have gone, say. Nobody waits on it: what is pending (and
                    # what comes meanwhile) fails now, and the resident gets the apology with the hotline.
                    self._unavailable = str(exc)
                    self._fail_pending(DeskProcessError(f"the desk is not available: {exc}"))
                    pause = min(pause * 2, MAX_RESTART_PAUSE)
                    logger.error("%s; trying again in %.0f s", exc, pause)
            else:
                return
            self._unavailable = None
            self.restarts += 1
            # Everything pending now is resent below; what arrives from here on is sent by handle().
            resend = [(request, inbound) for request, (inbound, _, _) in self._pending.items()]
            self._restarting = None
            for request, inbound in resend:
                await self._send(request, inbound)
        finally:
            self._restarting = None


def spec_for(config: Config, database_url: str | None = None, *, search_path: str | None = None) -> DeskSpec:
    """The spec of the desk ``build_desk(config)`` builds, with the caller's log level."""
    return DeskSpec(config, database_url or config.database_url, search_path,
                    logging.getLogger().getEffectiveLevel())


# ======================================================================================
# frames
# ======================================================================================
def _frame(value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(payload)) + payload


async def _read_frame(stream: asyncio.StreamReader) -> Any:
    (size,) = _HEADER.unpack(await stream.readexactly(_HEADER.size))
    if size > MAX_FRAME:
        raise ConnectionError(f"frame of {size} bytes")
    return pickle.loads(await stream.readexactly(size))


def _read_frame_blocking(stream: BinaryIO) -> Any | None:
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    payload = _read_exactly(stream, size)
    return None if payload is None else pickle.loads(payload)


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None  # end of input: the parent closed the pipe or is gone
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# ======================================================================================
# the child's side
# ======================================================================================
def serve(requests: BinaryIO, replies: BinaryIO) -> int:
    """Build the desk from the first frame, then answer each (id, Inbound) frame until end of input."""
    spec = _read_frame_blocking(requests)
    if not isinstance(spec, DeskSpec):
        _write(replies, ("error", "the first frame is not a DeskSpec"))
        return 2
    logging.basicConfig(level=spec.log_level, format="%(asctime)s %(levelname)s %(name)s[desk]: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its start-up chatter, once per child
    try:
        desk = build(spec)
    except Exception as exc:  # noqa: BLE001 - told to the parent, which fails to start with it
        logger.exception("the desk process could not start")
        _write(replies, ("error", f"{exc.__class__.__name__}: {exc}"))
        return 1
    _write(replies, ("ready",))
    while (frame := _read_frame_blocking(requests)) is not None:
        request, inbound = frame
        try:
            result: tuple[int, bool, Any] = (request, True, desk.handle(inbound))
        except Exception as exc:  # noqa: BLE001 - handle() never raises by contract; if it does, say so
            logger.exception("the desk failed on a message")
            result = (request, False, exc.__class__.__name__)
        _write(replies, result)
    return 0


def build(spec: DeskSpec) -> Any:
    """The child's desk: the parent's configuration and database (already migrated by the parent)."""
    from bot.desk import build_desk

    return build_desk(spec.config, database_url=spec.database_url, search_path=spec.search_path,
                      migrate=False)


def _write(stream: BinaryIO, value: Any) -> None:
    stream.write(_frame(value))
    stream.flush()


def main() -> int:
    # Ctrl-C and a service manager's SIGTERM reach the whole process group. The parent shuts down
    # in order and closes our stdin when it is done with us; if the parent dies instead, stdin
    # ends too. Either way the message in hand is finished first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Frames use the real stdin/stdout; anything else printing to stdout must not corrupt them.
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return serve(requests, replies)


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy's: the parent pickles
    # bot.desk_process.DeskSpec, and isinstance() must see that class.
    from bot import desk_process

    raise SystemExit(desk_process.main())

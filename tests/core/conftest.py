"""Fixtures of the desk core: the example configuration, the bundled handbook, a desk per test."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from bot.config import EXAMPLE_CONFIG, Config, load_config
from bot.desk import ServiceDesk
from bot.messages import AGENTS_ROOM, DUTY_ROOM, ENGINEERING_ROOM, ChatRef
from bot.render import Templates
from bot.store import TicketStore
from knowledge import bundled_handbook
from tests.support.chat import Clock, Person

AGENT_ID, ENGINEER_ID, ENGINEER2_ID, SECURITY_ID, MANAGER_ID = "100001", "100002", "100003", "100004", "100005"


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def templates(config: Config) -> Templates:
    return Templates(config.timezone)


@pytest.fixture(scope="session")
def handbook():
    return bundled_handbook()


@pytest.fixture
def store(engine: Engine) -> TicketStore:
    return TicketStore(engine)


# The real classifier decides every test message, but its confidence calibration is still being
# tuned by its owners; these tests are about the desk's routing, so they use a lower "unsure"
# threshold than production. Offering choices when unsure is tested with gibberish, which stays
# below any threshold.
TEST_UNSURE_BELOW = 0.3


@pytest.fixture
def desk(config: Config, store: TicketStore, handbook, templates: Templates) -> ServiceDesk:
    return ServiceDesk(config=config, store=store, handbook=handbook, templates=templates,
                       unsure_below=TEST_UNSURE_BELOW)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def resident(desk: ServiceDesk, clock: Clock) -> Person:
    """A resident who has registered flat 3栋2单元501."""
    person = Person(desk, ChatRef("test", "501"), clock, name="王女士")
    person.send("/start")
    person.send("3栋2单元501")
    return person


@pytest.fixture
def neighbour(desk: ServiceDesk, clock: Clock) -> Person:
    person = Person(desk, ChatRef("test", "802"), clock, name="赵先生")
    person.send("/start")
    person.send("5-1-802")
    return person


@pytest.fixture
def agent(desk: ServiceDesk, clock: Clock) -> Person:
    return Person(desk, AGENTS_ROOM, clock, sender_id=AGENT_ID, name="李客服")


@pytest.fixture
def engineer(desk: ServiceDesk, clock: Clock) -> Person:
    return Person(desk, ENGINEERING_ROOM, clock, sender_id=ENGINEER_ID, name="王师傅")


@pytest.fixture
def engineer2(desk: ServiceDesk, clock: Clock) -> Person:
    return Person(desk, ENGINEERING_ROOM, clock, sender_id=ENGINEER2_ID, name="张师傅")


@pytest.fixture
def guard(desk: ServiceDesk, clock: Clock) -> Person:
    return Person(desk, DUTY_ROOM, clock, sender_id=SECURITY_ID, name="赵保安")


@pytest.fixture
def manager(desk: ServiceDesk, clock: Clock) -> Person:
    return Person(desk, ChatRef("staff", "manager"), clock, sender_id=MANAGER_ID, name="陈主任")

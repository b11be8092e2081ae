"""The TOML configuration: the example loads, and every mistake names its key."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import COMMUNITY_KEYS, EXAMPLE_CONFIG, ConfigError, load_config
from bot.desk import ServiceDesk
from bot.messages import ChatRef
from bot.messages import Role
from bot.models import Priority, TicketKind
from knowledge import BUNDLED_HANDBOOK
from knowledge.cli import ask_main
from tests.core.conftest import TEST_UNSURE_BELOW
from tests.support.chat import Person

EXAMPLE = EXAMPLE_CONFIG.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "desk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_has_the_community_facts_staff_sla_and_time_zone():
    config = load_config(EXAMPLE_CONFIG)
    facts = config.community.placeholders()
    assert set(facts) == set(COMMUNITY_KEYS)
    assert facts["name"] == "翠湖花园"
    assert facts["hotline"] == "0571-8888 6666"
    assert config.timezone.key == "Asia/Shanghai"
    assert config.sla_for(TicketKind.EMERGENCY, Priority.URGENT).respond == timedelta(minutes=5)
    assert {r for s in config.staff for r in s.roles} == {Role.AGENT, Role.ENGINEER, Role.SECURITY, Role.MANAGER}
    assert any(s.on_duty for s in config.staff)
    assert config.database_url == "sqlite:///desk.db"
    assert config.handbook_dir is None
    assert config.timers.rating_reminder_after == timedelta(hours=48)


def test_database_url_from_the_environment_wins():
    config = load_config(EXAMPLE_CONFIG, environ={"DATABASE_URL": "postgresql://desk@db/desk"})
    assert config.database_url == "postgresql://desk@db/desk"


def test_sla_falls_back_to_the_kinds_normal_priority():
    config = load_config(EXAMPLE_CONFIG)
    assert config.sla_for("complaint", "urgent") == config.sla_for("complaint", "normal")


def test_telegram_table_is_typed_and_the_token_is_not_in_it(tmp_path):
    text = EXAMPLE.replace("# staff_group_id = -1001234567890", "staff_group_id = -1001234567890") \
        .replace("# duty_topic_id = 2", "duty_topic_id = 2")
    config = load_config(write(tmp_path, text))
    assert config.telegram.staff_group_id == -1001234567890
    assert config.telegram.duty_topic_id == 2
    assert config.telegram.agents_topic_id is None
    assert not hasattr(config.telegram, "token")


def test_front_end_capacity_keys_reach_the_telegram_settings(tmp_path):
    from bot.telegram_app import TelegramSettings

    example = EXAMPLE.replace("# staff_group_id = -1001234567890", "staff_group_id = -1001234567890")
    defaults = TelegramSettings.from_config(load_config(write(tmp_path, example)), "123456:ABCdef")
    assert (defaults.concurrency, defaults.desk_threads, defaults.http_connections) == (8, 0, 6)
    text = example.replace("# concurrency = 8", "concurrency = 4").replace("# desk_threads = 0", "desk_threads = 2") \
        .replace("# http_connections = 6", "http_connections = 5")
    settings = TelegramSettings.from_config(load_config(write(tmp_path, text)), "123456:ABCdef")
    assert (settings.concurrency, settings.desk_threads, settings.http_connections) == (4, 2, 5)


def test_the_core_runs_in_its_own_process_unless_the_configuration_says_not(tmp_path):
    from bot.telegram_app import TelegramSettings

    example = EXAMPLE.replace("# staff_group_id = -1001234567890", "staff_group_id = -1001234567890")
    assert TelegramSettings.from_config(load_config(write(tmp_path, example)), "123456:ABCdef").desk_process
    text = example.replace("# desk_process = true", "desk_process = false")
    assert not TelegramSettings.from_config(load_config(write(tmp_path, text)), "123456:ABCdef").desk_process


@pytest.mark.parametrize(("change", "key"), [
    (lambda t: t.replace('hotline = "0571-8888 6666"', ""), "community.hotline"),
    (lambda t: t.replace('gas_hotline = "96777"', ""), "community.gas_hotline"),
    (lambda t: t.replace('name = "翠湖花园"', 'name = ""'), "community.name"),
    (lambda t: t.replace('roles = ["agent"]', 'roles = ["janitor"]', 1), "staff[0].roles"),
    (lambda t: t.replace('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), "timezone"),
    (lambda t: t.replace("urgent = { respond_minutes = 5, resolve_minutes = 120 }", ""), "sla.emergency.urgent"),
    (lambda t: t.replace("respond_minutes = 5,", "respond_minutes = -5,"), "sla.emergency.urgent.respond_minutes"),
    (lambda t: t.replace("[sla.inquiry]", "[sla.gardening]"), "sla.gardening"),
    (lambda t: t.replace("telegram_id = 100001", 'telegram_id = [1]'), "staff[0].telegram_id"),
    (lambda t: t.replace("on_duty = true", 'on_duty = "yes"', 1), "staff[0].on_duty"),
    (lambda t: t.replace('name = "王师傅"', 'name = "李客服"'), "staff[1].name"),
    (lambda t: t.replace("max_messages_per_second = 25", "max_messages_per_second = 0"),
     "telegram.max_messages_per_second"),
    (lambda t: t.replace("# concurrency = 8", "concurrency = 0"), "telegram.concurrency"),
    (lambda t: t.replace("# desk_threads = 0", 'desk_threads = "two"'), "telegram.desk_threads"),
    (lambda t: t.replace("# http_connections = 6", "http_connections = 1.5"), "telegram.http_connections"),
    (lambda t: t.replace("# desk_process = true", 'desk_process = "yes"'), "telegram.desk_process"),
], ids=["missing-hotline", "missing-gas-hotline", "empty-name", "bad-role", "bad-tz", "no-emergency-sla", "negative-minutes",
        "unknown-kind", "bad-telegram-id", "bad-on-duty", "duplicate-staff", "bad-rate", "bad-concurrency",
        "bad-desk-threads", "bad-http-connections", "bad-desk-process"])
def test_a_mistake_names_its_key(tmp_path, change, key):
    path = write(tmp_path, change(EXAMPLE))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert key in str(error.value)
    assert str(path) in str(error.value)


def test_missing_file_and_broken_toml_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[community\nname = 1"))
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(binary)


def test_handbook_folder_is_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, EXAMPLE.replace('folder = ""', 'folder = "handbook"')))
    assert config.handbook_dir == tmp_path / "handbook"


PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def test_every_placeholder_of_the_bundled_handbook_is_a_community_key():
    used = {key for page in BUNDLED_HANDBOOK.glob("*.md")
            for key in PLACEHOLDER.findall(page.read_text(encoding="utf-8"))}
    assert "gas_hotline" in used  # the gas company's line differs by city: never written literally
    assert used <= set(COMMUNITY_KEYS), used - set(COMMUNITY_KEYS)


def test_the_gas_emergency_guidance_gives_the_configured_gas_number(store, handbook, templates, clock):
    config = load_config(EXAMPLE_CONFIG)
    local_gas = "0571-8765 4321"
    config = replace(config, community=replace(config.community, gas_hotline=local_gas))
    desk = ServiceDesk(config=config, store=store, handbook=handbook, templates=templates,
                       unsure_below=TEST_UNSURE_BELOW)
    person = Person(desk, ChatRef("test", "1"), clock, name="刘")
    person.send("3栋2单元501")
    replies = person.says("家里有很浓的煤气味")
    guidance = next(r for r in replies if "燃气" in r)
    assert local_gas in guidance and "{{" not in guidance


def test_desk_ask_fills_the_gas_company_number_from_the_configuration(tmp_path):
    config = write(tmp_path, EXAMPLE.replace('gas_hotline = "96777"', 'gas_hotline = "0571-8765 4321"'))
    out = io.StringIO()
    code = ask_main(["--fill-from", str(config)], stdin=io.BytesIO("闻到燃气味怎么办\n".encode()), stdout=out,
                    stderr=io.StringIO())
    assert code == 0
    answer = json.loads(out.getvalue())["answer"]
    assert "0571-8765 4321" in answer and "{{gas_hotline}}" not in answer

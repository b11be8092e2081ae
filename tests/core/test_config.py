"""The TOML configuration: the example loads, and every mistake names its key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import COMMUNITY_KEYS, EXAMPLE_CONFIG, ConfigError, load_config
from bot.messages import Role
from bot.models import Priority, TicketKind

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


@pytest.mark.parametrize(("change", "key"), [
    (lambda t: t.replace('hotline = "0571-8888 6666"', ""), "community.hotline"),
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
], ids=["missing-hotline", "empty-name", "bad-role", "bad-tz", "no-emergency-sla", "negative-minutes",
        "unknown-kind", "bad-telegram-id", "bad-on-duty", "duplicate-staff", "bad-rate"])
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

"""Wording is behaviour: every template renders in both languages with representative context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jinja2 import UndefinedError

from bot.models import Resident, Ticket
from bot.render import Templates


@pytest.fixture
def ticket() -> Ticket:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    return Ticket(code="R-20261123-0007", kind="repair", status="reported", priority="high", resident_id=1,
                  place="3栋2单元501", description="卫生间下水道堵了" * 40, opened_at=at, updated_at=at,
                  respond_due=at + timedelta(minutes=30), resolve_due=at + timedelta(hours=12))


def test_resident_templates_exist_in_both_languages(templates: Templates):
    names = templates.names()
    zh = {n.removeprefix("zh/") for n in names if n.startswith("zh/")}
    en = {n.removeprefix("en/") for n in names if n.startswith("en/")}
    assert zh == en and len(zh) > 40


def test_labels_match_in_both_languages(templates: Templates):
    for name in ("skip", "human", "my_flat", "helpful_yes", "reno_start", "add", "cancel"):
        assert templates.label(name, "zh") and templates.label(name, "en")
        assert templates.label(name, "zh") != templates.label(name, "en")


def test_ticket_opened_shows_number_place_and_times_in_local_wording(templates, ticket, config):
    facts = config.community.placeholders()
    zh = templates.resident("ticket_opened", "zh", t=ticket, respond=timedelta(minutes=30),
                            resolve=timedelta(hours=12), photos=0, facts=facts)
    assert "R-20261123-0007" in zh and "30分钟" in zh and "12小时" in zh and "3栋2单元501" in zh
    en = templates.resident("ticket_opened", "en", t=ticket, respond=timedelta(minutes=30),
                            resolve=timedelta(days=1), photos=2, facts=facts)
    assert "30 minutes" in en and "1 day" in en and "2 photo" in en


def test_staff_alert_shows_local_time_and_cuts_long_descriptions(templates, ticket, config):
    resident = Resident(channel="test", chat_id="1", name="王女士", building="3", unit="2", room="501",
                        phone="13800000000", created_at=ticket.opened_at)
    text = templates.staff("repair_new", t=ticket, resident=resident, photos=1,
                           facts=config.community.placeholders())
    assert "2026-11-23 10:30" in text  # 02:30 UTC is 10:30 in Asia/Shanghai
    assert "王女士 3栋2单元501 ☎ 13800000000" in text
    assert len(text) < 600


def test_a_resident_without_a_flat_is_said_so(templates, ticket, config):
    resident = Resident(channel="test", chat_id="1", name="", created_at=ticket.opened_at)
    text = templates.staff("complaint_new", t=ticket, resident=resident, photos=0,
                           facts=config.community.placeholders())
    assert "未登记房号" in text


def test_a_missing_variable_fails_loudly(templates):
    with pytest.raises(UndefinedError):
        templates.resident("ticket_opened", "zh")


def test_unknown_language_falls_back_to_chinese(templates, config):
    assert templates.resident("lang_set", "fr") == templates.resident("lang_set", "zh")


def test_apology_names_the_hotline_and_nothing_else(templates):
    text = templates.resident("error", "zh", hotline="0571-8888 6666")
    assert "0571-8888 6666" in text

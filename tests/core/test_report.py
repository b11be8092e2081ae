"""`desk report`: the plan's targets computed in SQL from real tickets, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot import report
from bot.config import EXAMPLE_CONFIG
from bot.models import Resident, Ticket
from bot.report import Durations, Period, build_report

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), SHANGHAI)
NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
_codes = iter(range(1, 10_000))


def local(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    """A Shanghai wall-clock time in 2026 as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def add(
    session: Session,
    resident: Resident,
    *,
    kind: str,
    status: str,
    opened: datetime,
    building: str | None = None,
    category: str | None = None,
    respond_after: int | None = None,
    resolve_after: int | None = None,
    followed_up: bool = False,
    rating: int | None = None,
    respond_due_after: int | None = None,
    resolve_due_after: int | None = None,
) -> None:
    """One ticket; durations are minutes after ``opened``."""
    minutes = lambda m: None if m is None else opened + timedelta(minutes=m)
    final = status in ("archived", "closed", "cancelled")
    session.add(
        Ticket(
            code=f"X-{next(_codes):05d}",
            kind=kind,
            status=status,
            resident_id=resident.id,
            building=building,
            category=category,
            opened_at=opened,
            updated_at=opened,
            responded_at=minutes(respond_after),
            resolved_at=minutes(resolve_after),
            followed_up_at=minutes(2000) if followed_up else None,
            rating=rating,
            respond_due=minutes(respond_due_after),
            resolve_due=minutes(resolve_due_after),
            is_open=not final,
            closed_at=minutes(3000) if final else None,
        )
    )


@pytest.fixture
def owner(engine: Engine) -> Resident:
    with Session(engine, expire_on_commit=False) as session:
        row = Resident(channel="test", chat_id="1", name="业主", created_at=NOW)
        session.add(row)
        session.commit()
        return row


@pytest.fixture
def november(engine: Engine, owner: Resident) -> Engine:
    """A month of tickets whose figures are worked out by hand below."""
    with Session(engine) as s:
        add(
            s,
            owner,
            kind="repair",
            status="archived",
            opened=local(3),
            building="1",
            category="漏水",
            respond_after=10,
            resolve_after=120,
            followed_up=True,
            rating=5,
        )
        add(
            s,
            owner,
            kind="repair",
            status="completed",
            opened=local(4),
            building="1",
            category="漏水",
            respond_after=30,
            resolve_after=300,
        )
        add(
            s,
            owner,
            kind="repair",
            status="reported",
            opened=local(5),
            building="2",
            category="电梯",
            respond_due_after=60,
        )  # never responded: overdue
        add(
            s,
            owner,
            kind="complaint",
            status="followed_up",
            opened=local(6),
            building="2",
            category="噪音",
            respond_after=60,
            resolve_after=1440,
            followed_up=True,
            rating=2,
        )
        add(
            s,
            owner,
            kind="emergency",
            status="archived",
            opened=local(7),
            category="flood",
            respond_after=3,
            resolve_after=45,
            followed_up=True,
            rating=4,
        )
        add(s, owner, kind="inquiry", status="closed", opened=local(8), building="1")
        add(s, owner, kind="repair", status="cancelled", opened=local(9), building="1", category="漏水")
        # The period's edges are Shanghai midnights, not UTC ones.
        add(s, owner, kind="repair", status="reported", opened=local(31, 23, 59, month=10), building="1")
        add(s, owner, kind="repair", status="reported", opened=local(1, 0, 1), building="3")
        add(
            s,
            owner,
            kind="repair",
            status="reported",
            opened=local(30, 23, 59),
            building="10",
            category="门禁",
            resolve_due_after=4 * 24 * 60,  # still ahead at NOW: not yet due for handling
        )
        add(s, owner, kind="repair", status="reported", opened=local(1, 0, 0, month=12), building="1")
        s.commit()
    return engine


def test_targets_are_computed_from_ticket_statuses(november: Engine) -> None:
    r = build_report(november, NOVEMBER, now=NOW, community="翠湖花园")

    assert (r.total.received, r.total.handled, r.total.cancelled, r.total.open) == (8, 5, 1, 5)
    assert r.total.not_yet_due == 1  # the door-card repair's deadline is still ahead
    assert (r.total.handling.numerator, r.total.handling.denominator) == (5, 7)
    assert r.total.handling.met is False
    follow_up = r.total.follow_up  # the completed repair is not followed up yet
    assert (follow_up.numerator, follow_up.denominator) == (3, 4)
    assert (r.total.satisfaction.numerator, r.total.satisfaction.denominator) == (2, 3)
    assert r.total.mean_rating == pytest.approx(3.67)
    assert r.total.overdue == 1


def test_response_and_resolution_percentiles(november: Engine) -> None:
    r = build_report(november, NOVEMBER, now=NOW)

    assert r.response == Durations(count=4, median=10, p90=60)  # 3, 10, 30, 60 minutes
    assert r.resolution == Durations(count=4, median=120, p90=1440)  # 45, 120, 300, 1440
    assert r.response_by_kind["repair"] == Durations(count=2, median=10, p90=30)
    assert r.resolution_by_kind["emergency"] == Durations(count=1, median=45, p90=45)


def test_categories_buildings_and_kinds(november: Engine) -> None:
    r = build_report(november, NOVEMBER, now=NOW)

    assert r.top_categories["repair"] == [("漏水", 2), ("-", 1), ("电梯", 1), ("门禁", 1)]
    assert r.top_categories["complaint"] == [("噪音", 1)]
    assert list(r.by_building) == ["1", "2", "3", "10", "-"]
    assert (r.by_building["1"].received, r.by_building["1"].handled) == (3, 3)
    assert r.by_building["2"].overdue == 1
    assert list(r.by_kind) == ["repair", "complaint", "emergency", "inquiry"]
    assert (r.by_kind["repair"].received, r.by_kind["repair"].handled) == (5, 2)


def test_overdue_depends_on_the_moment_of_the_report(november: Engine) -> None:
    before_due = local(5, 9, 30)

    assert build_report(november, NOVEMBER, now=before_due).total.overdue == 0


def test_all_targets_met() -> None:
    from bot.report import Counts

    counts = Counts(received=20, handled=20, follow_up_due=20, followed_up=19, ratings=20, satisfied=19)

    assert (counts.handling.met, counts.follow_up.met, counts.satisfaction.met) == (True, True, True)
    assert Counts(received=20, handled=20, follow_up_due=20, followed_up=18).follow_up.met is False


def test_nearest_rank_percentiles() -> None:
    assert Durations.from_histogram({}) == Durations(0, None, None)
    assert Durations.from_histogram({7: 1}) == Durations(1, 7, 7)
    assert Durations.from_histogram({1: 50, 2: 40, 100: 10}) == Durations(100, 1, 2)
    assert Durations.from_histogram({1: 50, 2: 39, 100: 11}) == Durations(100, 1, 100)


def test_empty_period_has_no_data_not_failure(engine: Engine) -> None:
    r = build_report(engine, NOVEMBER, now=NOW)
    data = r.as_dict()

    assert data["targets"]["handling_rate"] == {
        "value": None,
        "numerator": 0,
        "denominator": 0,
        "target": 1.0,
        "met": None,
    }
    assert data["response_minutes"] == {"count": 0, "median": None, "p90": None}
    assert data["by_building"] == [] and data["by_kind"] == []
    assert "无数据 no data" in report.render_text(r)


def test_json_shape(november: Engine) -> None:
    data = json.loads(report.render_json(build_report(november, NOVEMBER, now=NOW, community="翠湖花园")))

    assert set(data) == {
        "community",
        "period",
        "generated_at",
        "targets",
        "tickets",
        "satisfaction",
        "response_minutes",
        "resolution_minutes",
        "by_kind",
        "top_categories",
        "by_building",
    }
    assert data["period"] == {"from": "2026-11-01", "to": "2026-11-30", "timezone": "Asia/Shanghai"}
    assert data["targets"]["follow_up_rate"] == {
        "value": 0.75,
        "numerator": 3,
        "denominator": 4,
        "target": 0.95,
        "met": False,
    }
    assert data["tickets"] == {
        "received": 8,
        "handled": 5,
        "not_yet_due": 1,
        "open": 5,
        "cancelled": 1,
        "overdue": 1,
    }
    assert data["satisfaction"] == {"ratings": 3, "satisfied": 2, "mean": 3.67}
    assert data["top_categories"]["repair"][0] == {"category": "漏水", "count": 2}
    first_kind = data["by_kind"][0]
    assert first_kind["kind"] == "repair" and first_kind["response_minutes"]["median"] == 10
    assert data["by_building"][0] == {
        "building": "1",
        "received": 3,
        "handled": 3,
        "not_yet_due": 0,
        "open": 1,
        "cancelled": 1,
        "overdue": 0,
        "handling_rate": 1.0,
        "follow_up_rate": 0.5,
        "satisfaction_rate": 1.0,
        "ratings": 1,
        "mean_rating": 5.0,
    }


def test_csv_is_long_format(november: Engine) -> None:
    rows = list(csv.reader(io.StringIO(report.render_csv(build_report(november, NOVEMBER, now=NOW)))))

    assert rows[0] == ["section", "key", "metric", "value"]
    cells = {(s, k, m): v for s, k, m, v in rows[1:]}
    assert cells[("target", "handling_rate", "value")] == "0.7143"
    assert cells[("building", "10", "handling_rate")] == ""  # its only ticket is not yet due
    assert cells[("target", "handling_rate", "met")] == "false"
    assert cells[("category", "repair/漏水", "count")] == "2"
    assert cells[("building", "10", "received")] == "1"
    assert cells[("kind", "repair", "response_minutes.median")] == "10"
    assert cells[("response_minutes", "", "p90")] == "60"


def test_text_marks_each_target(november: Engine) -> None:
    text = report.render_text(build_report(november, NOVEMBER, now=NOW, community="翠湖花园"))

    assert "翠湖花园" in text
    assert "处理率 handling rate" in text and "71.4%" in text and "未达标 NOT MET" in text
    assert "top 报修 repair: 漏水 2" in text


# -- the command -----------------------------------------------------------------------------
def cli_url(database: tuple[str, str | None]) -> str:
    url, schema = database
    return url if schema is None else f"{url}?options={quote(f'-csearch_path={schema}')}"


def run(argv: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = report.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json(november: Engine, database: tuple[str, str | None], capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(
        [
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "json",
            "--db",
            cli_url(database),
            "--config",
            str(EXAMPLE_CONFIG),
        ],
        capsys,
    )

    assert code == 0, err
    data = json.loads(out)
    assert data["community"] == "翠湖花园"
    assert data["tickets"]["received"] == 8 and data["targets"]["handling_rate"]["value"] == 0.7143


def test_cli_single_day(
    november: Engine, database: tuple[str, str | None], capsys: pytest.CaptureFixture
) -> None:
    code, out, _ = run(
        ["--from", "2026-11-01", "--to", "2026-11-01", "--format", "csv", "--db", cli_url(database)], capsys
    )

    assert code == 0
    assert "tickets,,received,1\n" in out  # only the ticket one minute after local midnight


def test_cli_uses_desk_toml_in_the_working_directory(
    november: Engine,
    database: tuple[str, str | None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "desk.toml").write_text(
        EXAMPLE_CONFIG.read_text(encoding="utf-8")
        .replace('name = "翠湖花园"', 'name = "测试小区"')
        .replace('url = "sqlite:///desk.db"', f'url = "{cli_url(database)}"'),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)

    code, out, err = run(["--from", "2026-11-01", "--to", "2026-11-30"], capsys)

    assert code == 0, err
    assert out.startswith("测试小区")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--from", "2026-13-01"], "not a date"),
        (["--from", "2026-11-30", "--to", "2026-11-01"], "is after"),
        (["--format", "xml"], "invalid choice"),
        (["--config", "/nonexistent.toml"], "no such configuration file"),
        (["--db", "nonsense://"], "cannot use the database"),
    ],
)
def test_cli_bad_arguments(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(argv, capsys)

    assert code == 2 and out == ""
    assert message in err


def test_cli_on_a_database_without_tables(
    database: tuple[str, str | None], capsys: pytest.CaptureFixture
) -> None:
    code, out, err = run(["--db", cli_url(database)], capsys)

    assert code == 1 and out == ""
    assert "desk db upgrade" in err and "Traceback" not in err


def test_cli_does_not_create_a_missing_sqlite_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "typo.db"

    code, out, err = run(["--db", f"sqlite:///{missing}"], capsys)

    assert code == 1 and out == ""
    assert "no such database file" in err
    assert not missing.exists()


def test_cli_reads_while_the_desk_holds_the_sqlite_write_lock(
    november: Engine, database: tuple[str, str | None], capsys: pytest.CaptureFixture
) -> None:
    if database[1] is not None:
        pytest.skip("the write lock is SQLite's")
    with november.connect() as writer:  # bot.db starts every transaction with BEGIN IMMEDIATE
        writer.exec_driver_sql("UPDATE ticket SET rating = 1 WHERE rating = 5")
        code, out, err = run(
            ["--from", "2026-11-01", "--to", "2026-11-30", "--format", "json", "--db", database[0]], capsys
        )
        writer.rollback()

    assert code == 0, err
    assert json.loads(out)["satisfaction"]["mean"] == 3.67  # the committed ratings, not the pending ones


def test_figures_of_tickets_worked_through_the_real_desk(desk, resident, neighbour, engineer, clock) -> None:
    """The report's reading of statuses and time stamps matches what the desk writes."""
    repair = "R-20261123-0001"
    resident.send("卫生间下水道堵了")
    neighbour.send("楼下的狗每天叫个不停")  # a complaint, left open
    clock.advance(minutes=20)
    engineer.press(f"grab:{repair}")  # dispatched to himself and accepted: the first staff action
    clock.advance(minutes=120)
    engineer.send(f"/done {repair} 疏通完毕")
    resident.press(f"rate:{repair}:5")  # a good rating is the 回访 and archives the ticket

    today = Period(date(2026, 11, 23), date(2026, 11, 23), SHANGHAI)
    r = build_report(desk.store.engine, today, now=clock.now)

    assert desk.store.ticket(repair).status == "archived"
    assert (r.total.received, r.total.handled, r.total.open, r.total.not_yet_due) == (2, 1, 1, 1)
    assert (r.total.handling.numerator, r.total.handling.denominator) == (1, 1)  # the complaint has 3 days
    assert (r.total.follow_up.numerator, r.total.follow_up.denominator) == (1, 1)
    assert (r.total.satisfaction.numerator, r.total.satisfaction.denominator, r.total.mean_rating) == (
        1,
        1,
        5.0,
    )
    assert r.response_by_kind["repair"] == Durations(1, 20, 20)
    assert r.resolution_by_kind["repair"] == Durations(1, 140, 140)
    assert list(r.by_building) == ["3", "5"]  # the flats 3栋2单元501 and 5-1-802
    assert sum(n for _, n in r.top_categories["complaint"]) == 1

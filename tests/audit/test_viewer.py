"""The viewer: who sees which entries, filters with bad input, paging and the CSV."""

import csv
import io
import re
from datetime import UTC

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.zones import zone_of
from app.audit.models import AuditEntry, record
from app.extensions import db

MARKERS = {
    "bh": "bh_finance",
    "cdmx": "cdmx_finance",
    "mg": "state",
    "network": "network",
    "nowhere": None,
}


@pytest.fixture
def entries(app, world) -> dict[str, int]:
    """One entry per place, each with a marker in its details; actors from that place."""
    actors = {"bh": world.official_bh, "cdmx": world.official_cdmx, "network": world.admin}
    made = {}
    for marker, org_attr in MARKERS.items():
        actor = db.session.get(User, actors[marker]) if marker in actors else None
        org_id = getattr(world, org_attr) if org_attr else None
        entry = record(
            "certificate.revoke",
            "certificate",
            1,
            actor=actor,
            organisation_id=org_id,
            reason=f"marker-{marker}",
        )
        made[marker] = entry
    db.session.commit()
    return {k: e.id for k, e in made.items()}


def _english(world, who: str) -> None:
    """The viewer reads English, so messages can be checked whatever the catalogues hold."""
    db.session.get(User, getattr(world, who)).locale = "en"
    db.session.commit()


def _markers(text: str) -> set[str]:
    return set(re.findall(r"marker-(\w+)", text))


CDMX_EMAILS = (
    "official.cdmx@test.example",
    "reviewer.cdmx@test.example",
    "admin.cdmx@test.example",
)


@pytest.mark.parametrize(
    ("who", "seen"),
    [
        ("reviewer_bh", {"bh"}),
        ("reviewer_mg", {"bh", "mg"}),
        ("reviewer_cdmx", {"cdmx"}),
        ("admin_cdmx", {"cdmx"}),
        ("admin", set(MARKERS)),
    ],
)
def test_each_viewer_sees_their_subtree_only(client, world, entries, who, seen):
    client.login(getattr(world, f"{who}_email"))
    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _markers(html) == seen
    exported = client.get("/audit/entries.csv")
    assert exported.status_code == 200
    text = exported.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    assert _markers(text) == seen
    if "cdmx" not in seen:
        for email in CDMX_EMAILS:
            assert email not in html and email not in text
    if "bh" not in seen:
        assert "official.bh@test.example" not in html + text


def test_the_csv_has_one_row_per_entry_with_where_it_came_from(client, world, entries):
    client.login(world.reviewer_bh_email)
    text = client.get("/audit/entries.csv").get_data().decode("utf-8-sig")
    # A Brazilian reviewer: headers in Portuguese, ";" between fields as their Excel expects.
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = table[0]
    assert (header[1], header[5], header[9]) == ("E-mail", "Ação", "Detalhes")
    names = ["at_utc", "actor_email", "actor_name", "ip_address", "user_agent", "action"]
    names += ["target_type", "target_id", "organisation", "detail"]
    rows = [dict(zip(names, r, strict=True)) for r in table[1:]]
    login = next(r for r in rows if r["action"] == "auth.login")
    assert login["actor_email"] == world.reviewer_bh_email
    assert login["ip_address"] == "127.0.0.1"
    assert login["organisation"] == "belo-horizonte"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", login["at_utc"])
    revoke = next(r for r in rows if r["action"] == "certificate.revoke")
    assert revoke["actor_email"] == world.official_bh_email
    assert '"reason": "marker-bh"' in revoke["detail"]


def test_exporting_the_log_is_itself_recorded(client, world, entries):
    client.login(world.reviewer_mg_email)
    client.get("/audit/entries.csv?action=certificate&start=2020-01-01")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "audit.export"))
    assert entry.actor_id == world.reviewer_mg
    assert entry.organisation_id == world.state
    assert entry.ip_address == "127.0.0.1"
    assert entry.detail == {
        "format": "csv",
        "filters": {"action": "certificate", "start": "2020-01-01"},
    }
    # It shows in the log like any other entry, with a readable label.
    html = client.get("/audit/?action=export").get_data(as_text=True)
    assert "audit.export" in html and "marker-" not in html


@pytest.mark.parametrize("who", ["official_cdmx", "official_bh", "trainer"])
def test_officials_and_trainers_are_refused(client, world, entries, who):
    client.login(getattr(world, f"{who}_email"))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/entries.csv").status_code == 403


def test_anonymous_callers_are_sent_to_sign_in(client, entries):
    for url in ("/audit/", "/audit/entries.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_the_navigation_links_the_log_for_reviewers_only(client, world):
    client.login(world.official_bh_email)
    assert 'href="/audit/"' not in client.get("/learning/").get_data(as_text=True)
    client.logout()
    client.login(world.reviewer_bh_email)
    assert 'href="/audit/"' in client.get("/learning/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2024-13-01", "2024-13-01 is not a date; use the form YYYY-MM-DD."),
        ("end=yesterday", "yesterday is not a date; use the form YYYY-MM-DD."),
        ("start=2024-05-02&end=2024-05-01", "The period ends before it starts."),
        ("action=DROP%20TABLE", "Unknown kind of action."),
        ("target=user%27--", "Unknown kind of target."),
        ("before=abc", "This page link is not valid; showing the newest entries."),
        ("before=99999999", "This page link is not valid; showing the newest entries."),
    ],
)
def test_bad_filters_are_named_and_ignored_within_scope(client, world, entries, query, message):
    _english(world, "reviewer_bh")
    client.login(world.reviewer_bh_email)
    page = client.get(f"/audit/?{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert message in html
    # The filter is dropped, never the scope.
    assert _markers(html) == {"bh"}
    exported = client.get(f"/audit/entries.csv?{query}")
    if query.startswith("before"):  # the CSV has no pages: the cursor is not read
        assert exported.status_code == 200
    else:
        assert exported.status_code == 400 and message in exported.get_data(as_text=True)


def test_filters_narrow_the_list(client, world, entries):
    client.login(world.admin_email)
    assert _markers(client.get("/audit/?action=auth").get_data(as_text=True)) == set()
    assert _markers(client.get("/audit/?action=certificate").get_data(as_text=True)) == set(MARKERS)
    # An exact action code works as well as a group.
    html = client.get("/audit/?action=auth.login").get_data(as_text=True)
    assert _markers(html) == set() and "admin@test.example" in html
    # Who: a part of the e-mail or of the name.
    assert _markers(client.get("/audit/?actor=official.bh").get_data(as_text=True)) == {"bh"}
    text = client.get("/audit/entries.csv?actor=official.bh").get_data(as_text=True)
    assert _markers(text) == {"bh"}
    # Wildcards typed into the search are taken literally.
    assert _markers(client.get("/audit/?actor=%25").get_data(as_text=True)) == set()
    assert _markers(client.get("/audit/?actor=official_bh").get_data(as_text=True)) == set()
    assert _markers(client.get("/audit/?actor=GONÇALVES").get_data(as_text=True)) == {"bh"}
    assert _markers(client.get("/audit/?actor=Hern%C3%A1ndez").get_data(as_text=True)) == {"cdmx"}
    assert _markers(client.get("/audit/?target=certificate").get_data(as_text=True)) == set(MARKERS)
    assert _markers(client.get("/audit/?target=user").get_data(as_text=True)) == set()
    # Dates: the whole day of the end date counts; a period in the past holds nothing.
    # The admin's own day: the period is read in the viewer's time zone (the same date as
    # UTC's only outside 00:00-06:00 UTC for Mexico City).
    at = db.session.get(AuditEntry, entries["bh"]).at.replace(tzinfo=UTC)
    today = at.astimezone(zone_of(db.session.get(User, world.admin))).date().isoformat()
    html = client.get(f"/audit/?start={today}&end={today}").get_data(as_text=True)
    assert _markers(html) == set(MARKERS)
    html = client.get("/audit/?start=2001-01-01&end=2001-12-31").get_data(as_text=True)
    assert _markers(html) == set()


def test_pages_run_newest_first_without_gaps_or_repeats(app, client, world, entries):
    app.config["PAGE_SIZE"] = 3
    client.login(world.admin_email)
    expected = db.session.scalars(
        select(AuditEntry.id).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
    seen, url = [], "/audit/?target=certificate"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [entries[m] for m in re.findall(r"marker-(\w+)", html)]
        older = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = older.group(1).replace("&amp;", "&") if older else None
        assert url is None or "target=certificate" in url
    assert seen == [i for i in expected if i in entries.values()]
    assert len(seen) == len(MARKERS)

"""Invitations sent again, to one person or in bulk, by reviewers and admins within their
organisations: through the outbox, recorded in the audit log, at most once per person per
ten minutes, so imported people without an invitation can be invited later."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import outbox as worker
from app.accounts import invitations
from app.accounts import services as accounts
from app.accounts.models import Organisation
from app.audit.models import AuditEntry
from app.clock import utcnow
from app.extensions import db
from app.outbox import OutboxMessage


def _queued():
    return list(
        db.session.scalars(
            select(OutboxMessage.payload["user_id"].as_integer())
            .where(OutboxMessage.topic == invitations.TOPIC)
            .order_by(OutboxMessage.id)
        )
    )


def _pending(world):
    """Imported-like accounts: no password, no invitation sent. Two in Mexico City, one in
    Belo Horizonte."""
    cdmx = db.session.get(Organisation, world.cdmx_finance)
    bh = db.session.get(Organisation, world.bh_finance)
    people = (
        accounts.create_user("ines@test.example", "Inés Importada", cdmx),
        accounts.create_user("pablo@test.example", "Pablo Importado", cdmx),
        accounts.create_user("bia@test.example", "Beatriz Importada", bh, locale="pt_BR"),
    )
    db.session.commit()
    return people


def test_a_reviewer_sends_one_invitation_again_once_per_ten_minutes(
    client, world, outbox, monkeypatch
):
    ines, _pablo, _bia = _pending(world)
    client.login(world.reviewer_cdmx_email)
    page = client.get(f"/staff/{ines.id}").get_data(as_text=True)
    assert f'action="/staff/{ines.id}/invitation"' in page

    response = client.submit(f"/staff/{ines.id}/invitation")
    assert response.status_code == 302
    assert client.submit(f"/staff/{ines.id}/invitation").status_code == 302  # a double click
    assert _queued() == [ines.id]
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.invite"))
    assert (entry.target_id, entry.actor_id) == (ines.id, world.reviewer_cdmx)
    assert outbox == []

    assert worker.deliver() == (1, 0)
    [mail] = outbox
    assert mail.to == "ines@test.example" and "/invitation/" in mail.body

    later = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(invitations, "utcnow", lambda: later)
    client.submit(f"/staff/{ines.id}/invitation")
    assert _queued() == [ines.id, ines.id]


def test_someone_who_signed_in_is_not_invited_again(client, world, outbox):
    client.login(world.reviewer_cdmx_email)
    page = client.get(f"/staff/{world.official_cdmx}").get_data(as_text=True)
    assert f"/staff/{world.official_cdmx}/invitation" not in page
    assert client.submit(f"/staff/{world.official_cdmx}/invitation").status_code == 302
    assert _queued() == []


def test_the_invitation_is_not_sent_if_they_signed_in_meanwhile(client, world, outbox):
    ines, _pablo, _bia = _pending(world)
    client.login(world.reviewer_cdmx_email)
    client.submit(f"/staff/{ines.id}/invitation")
    accounts.set_password(ines, "a long enough passphrase 2026")
    db.session.commit()
    assert worker.deliver() == (1, 0)
    assert outbox == []


def test_a_reviewer_of_another_city_cannot_invite(client, world):
    _ines, _pablo, bia = _pending(world)
    client.login(world.reviewer_cdmx_email)
    assert client.submit(f"/staff/{bia.id}/invitation").status_code == 403
    # ticking someone of another city in the bulk form reaches no one
    response = client.submit("/staff/invitations", {"user_id": [bia.id]})
    assert response.status_code == 302
    assert _queued() == []


def test_bulk_to_everyone_not_signed_in_stays_in_scope(client, world, outbox):
    ines, pablo, bia = _pending(world)
    client.login(world.reviewer_cdmx_email)
    html = client.get("/staff/").get_data(as_text=True)
    assert f'name="user_id" value="{ines.id}" form="resend-form"' in html
    assert f'value="{world.official_cdmx}" form="resend-form"' not in html  # signed in

    assert client.submit("/staff/invitations", {"everyone": "y"}).status_code == 302
    assert sorted(_queued()) == sorted([ines.id, pablo.id])
    client.submit("/staff/invitations", {"everyone": "y"})  # again at once: deduplicated
    assert len(_queued()) == 2

    client.logout()
    client.login(world.reviewer_bh_email)
    client.submit("/staff/invitations", {"everyone": "y"})
    assert sorted(_queued()) == sorted([ines.id, pablo.id, bia.id])
    assert worker.deliver() == (3, 0)
    assert {m.to for m in outbox} == {"ines@test.example", "pablo@test.example", "bia@test.example"}
    bia_mail = next(m for m in outbox if m.to == "bia@test.example")
    assert bia_mail.body.startswith("Olá")


def test_bulk_to_the_people_ticked(client, world):
    ines, pablo, _bia = _pending(world)
    client.login(world.admin_email)
    response = client.submit("/staff/invitations", {"user_id": [pablo.id]})
    assert response.status_code == 302
    assert _queued() == [pablo.id]
    # nothing ticked and not "everyone": told so, nothing queued
    response = client.submit("/staff/invitations", {})
    assert response.status_code == 302
    assert _queued() == [pablo.id]
    assert ines.id not in _queued()

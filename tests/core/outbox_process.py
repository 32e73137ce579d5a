"""A separate Aula process for the outbox crash tests: it dies (os._exit) at a chosen point.

Run as `python -m tests.core.outbox_process MODE`; AULA_TEST_DATABASE_URL names the database.
- change-then-die: adds an organisation and an outbox message, dies before commit;
- commit-then-die: the same, commits, then dies before anything else;
- die-while-delivering: claims due messages and dies inside the first handler.
"""

from __future__ import annotations

import os
import sys
import tempfile

from app import create_app, outbox
from app.accounts import services
from app.accounts.models import OrgKind
from app.extensions import db


def _die(_message_id: int, _payload: dict) -> None:
    os._exit(3)


def main(mode: str) -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": os.environ["AULA_TEST_DATABASE_URL"]},
        instance_path=tempfile.mkdtemp(),
    )
    with app.app_context():
        if mode in ("change-then-die", "commit-then-die"):
            services.create_organisation("Quito", "quito", OrgKind.CITY)
            outbox.enqueue("test.note", {"city": "quito"})
            db.session.flush()
            if mode == "commit-then-die":
                db.session.commit()
            os._exit(3)
        if mode == "die-while-delivering":
            outbox.register("test.note", _die)
            outbox.deliver()
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1])

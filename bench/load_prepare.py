"""Set up the load test's database: fresh, migrated, demo data, a generated population, a
small course whose quiz answers the load test knows, and the test officials.

Everything goes through the app's own commands (`flask db upgrade`, `flask demo`,
`flask courses import`, `flask bench generate`), run as child processes against the
database in DATABASE_URL; only the test officials are added in-process, sharing one password
hash (scrypt is slow by design, and every official has the same password).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-test-password"
#: The course whose answers the officials know: they pass its quizzes and complete it.
KNOWN_COURSE = "bench-course-000"
#: A shipped course answered at random: real question kinds, mostly failed attempts.
SHIPPED_COURSE = "city-in-the-world"
EMAIL = "load{n:04d}@load.aula.example"
#: The known course's quiz bank: (GIFT, correct form value) for each question, in order.
#: Module quizzes do not shuffle by default, so answer 0 is "Montevideo".
QUIZ = [
    ("::L1:: ¿Capital de Uruguay? {=Montevideo ~Quito ~Lima}", "0"),
    ("::L2:: AL-LAs reúne ciudades. {T}", "true"),
    ("::L3:: Escriba la sigla. {=AL-LAs =ALLAS}", "AL-LAs"),
    ("::L4:: ¿Cuántas ciudades lanzaron el proyecto? {#7:1}", "7"),
]


def fresh_database(url: str) -> None:
    """Drop and create the database named by url (never another one)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    if name in {"postgres", "test", "template0", "template1"}:
        raise SystemExit(f"refusing to empty the database {name!r}")
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flask(env: dict, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def write_known_course(root: Path) -> Path:
    """Two modules of two lessons, each module with the four-question quiz, no final: short
    enough that every official reaches the quizzes within a minute on a loaded machine."""
    from bench.generate import write_course

    folder = write_course(root, 0, 4, modules=2)
    bank = "\n\n".join(gift for gift, _answer in QUIZ)
    for module in sorted((folder / "es").glob("*-module-*")):
        (module / "quiz.gift").write_text(bank + "\n", encoding="utf-8")
    return folder


def prepare(url: str, env: dict, instance: Path, officials: int, population: int) -> None:
    fresh_database(url)
    flask(env, "db", "upgrade")
    flask(env, "demo", "--no-serve")
    flask(env, "courses", "import", str(write_known_course(instance / "src")))
    if population:
        flask(env, "bench", "generate", "--officials", str(population), "--courses", "3")
    add_officials(url, instance, officials)


def add_officials(url: str, instance: Path, count: int) -> None:
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from app import create_app
    from app.accounts import services as accounts
    from app.accounts.models import Organisation, OrgKind, User
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, str(instance))
    with app.app_context():
        network = db.session.scalar(select(Organisation).where(Organisation.parent_id.is_(None)))
        city = accounts.create_organisation("Ciudad de carga", "load-city", OrgKind.CITY, network)
        hashed = generate_password_hash(PASSWORD, method="scrypt")  # the production default
        db.session.add_all(
            User(
                email=EMAIL.format(n=n),
                name=f"Funcionaria de carga {n}",
                organisation=city,
                locale="es",
                password_hash=hashed,
            )
            for n in range(count)
        )
        db.session.commit()
        db.engine.dispose()


if __name__ == "__main__":
    # Set up only, for a look by hand: python3 bench/load_prepare.py [officials]
    import tempfile

    url = os.environ.get("LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/aula_load")
    instance = Path(tempfile.mkdtemp(prefix="aula-load-"))
    env = {**os.environ, "DATABASE_URL": url, "AULA_INSTANCE_PATH": str(instance)}
    prepare(url, env, instance, int(sys.argv[1]) if len(sys.argv) > 1 else 10, 0)
    print(instance)

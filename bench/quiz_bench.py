"""Quiz submissions under load: 50 officials at once each start and submit 20-question
attempts against gunicorn (4 workers) on PostgreSQL; then count what was stored.

Two modes:
- the whole cycle (default): quiz page, start, quiz page, submit, in a loop for --seconds;
- --submit-only: every official has --attempts open attempts (started beforehand, one per
  module quiz) and submits them all as fast as the server takes them; this is the
  "submissions per second" of the target, with nothing else mixed in.

Run from the repository root: python3 bench/quiz_bench.py [--seconds 20] [--officials 50]
[--submit-only [--attempts 20]]
Uses (and empties) the PostgreSQL database in BENCH_DATABASE_URL, by default
postgresql://postgres@127.0.0.1:5432/aula_bench, which it creates when missing.
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.accounts import services as accounts  # noqa: E402
from app.accounts.models import OrgKind  # noqa: E402
from app.catalog import package as pkg  # noqa: E402
from app.catalog import services as catalog  # noqa: E402
from app.extensions import db  # noqa: E402
from app.learning.services import enrol  # noqa: E402
from app.quizzes import services as quizzes  # noqa: E402
from app.quizzes.models import QuizAttempt, QuizResponse  # noqa: E402
from bench.generate import write_course  # noqa: E402
from bench.serve_bench import free_port, serve, wait_up  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/aula_bench"
PASSWORD = "bench-password"
QUESTIONS = 20


def quiz_bank() -> str:
    kinds = [
        "::Q{n}:: ¿Capital de Uruguay? {{=Montevideo ~Quito ~Lima}}",
        "::Q{n}:: AL-LAs reúne ciudades. {{T}}",
        "::Q{n}:: Escriba la sigla. {{=AL-LAs =ALLAS}}",
        "::Q{n}:: ¿Cuántas ciudades lanzaron el proyecto? {{#7:1}}",
    ]
    return "\n\n".join(kinds[n % 4].format(n=n) for n in range(QUESTIONS))


ANSWERS = {0: "0", 1: "true", 2: "AL-LAs", 3: "7"}


def prepare(url: str, officials: int, instance: Path, open_attempts: int = 0):
    """Empty and migrate the database, import a course, create and enrol the officials.

    With open_attempts, the course has that many modules, each with the 20-question quiz,
    and every official gets one open attempt per module; returns {official: [attempt ids]}.
    Otherwise returns the first module's id."""
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(
        admin.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, str(instance))
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
        modules = max(open_attempts, 1)
        folder = write_course(instance / "src", 0, max(4, modules), modules=modules)
        for module_folder in sorted((folder / "es").glob("*-module-*")):
            (module_folder / "quiz.gift").write_text(quiz_bank(), encoding="utf-8")
            if not open_attempts:
                break
        package, problems = pkg.read_package(folder)
        assert not problems, problems
        course = catalog.import_package(package).course
        city = accounts.create_organisation("Bench City", "bench-city", OrgKind.CITY)
        opened: dict[int, list[int]] = {}
        for n in range(officials):
            user = accounts.create_user(
                f"o{n}@bench.example", f"Official {n}", city, password=PASSWORD
            )
            enrolment = enrol(user, course, "es")
            if open_attempts:
                opened[n] = [
                    quizzes.start_attempt(enrolment.id, ref, 70).id
                    for ref in quizzes.quizzes_of(enrolment.edition)
                ]
        db.session.commit()
        module_id = course.current_version.editions[0].modules[0].id
        db.engine.dispose()
    return opened if open_attempts else module_id


class Official(threading.Thread):
    """One official's browser: sign in, then start and submit attempts until time is up."""

    def __init__(self, n: int, port: int, module_id: int, until: float, results: dict):
        super().__init__(daemon=True)
        self.n, self.port, self.module_id, self.until, self.results = (
            n,
            port,
            module_id,
            until,
            results,
        )
        self.cookie = ""

    def request(self, conn, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": self.cookie}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", data

    def sign_in(self, conn) -> None:
        _s, _l, html = self.request(conn, "GET", "/login")
        form = {"csrf_token": self.token(html), "email": f"o{self.n}@bench.example"}
        self.request(conn, "POST", "/login", {**form, "password": PASSWORD})

    def token(self, html: str) -> str:
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.sign_in(conn)
        quiz = f"/courses/bench-course-000/modules/{self.module_id}/quiz"
        ok = failed = 0
        while time.monotonic() < self.until:
            _s, _l, html = self.request(conn, "GET", quiz)
            token = self.token(html)
            self.request(conn, "POST", quiz + "/start", {"csrf_token": token})
            _s, _l, html = self.request(conn, "GET", quiz)
            action = re.search(r'action="(/courses/[^"]+/submit)"', html).group(1)
            form = {"csrf_token": token}
            form.update({f"q{i}": ANSWERS[i % 4] for i in range(QUESTIONS)})
            started = time.monotonic()
            status, _l, _d = self.request(conn, "POST", action, form)
            self.results["latency"].append(time.monotonic() - started)
            if status == 302:
                ok += 1
            else:
                failed += 1
        self.results["ok"].append(ok)
        self.results["failed"].append(failed)


class Submitter(Official):
    """An official with attempts already open: sign in, then submit each of them."""

    def __init__(self, n: int, port: int, attempt_ids: list[int], ready, results: dict):
        super().__init__(n, port, 0, 0.0, results)
        self.attempt_ids, self.ready = attempt_ids, ready

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.sign_in(conn)
        _s, _l, html = self.request(conn, "GET", "/profile")
        token = self.token(html)
        answers = {f"q{i}": ANSWERS[i % 4] for i in range(QUESTIONS)}
        self.ready.wait()
        ok = failed = 0
        for attempt_id in self.attempt_ids:
            started = time.monotonic()
            status, _l, _d = self.request(
                conn,
                "POST",
                f"/courses/bench-course-000/attempts/{attempt_id}/submit",
                {"csrf_token": token, **answers},
            )
            self.results["latency"].append(time.monotonic() - started)
            if status == 302:
                ok += 1
            else:
                failed += 1
        self.results["ok"].append(ok)
        self.results["failed"].append(failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--officials", type=int, default=50)
    parser.add_argument("--submit-only", action="store_true")
    parser.add_argument("--attempts", type=int, default=20, help="open attempts per official")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL).replace(
        "postgresql://", "postgresql+psycopg://"
    )
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        prepared = prepare(url, args.officials, instance, args.attempts if args.submit_only else 0)
        env = dict(os.environ)
        env.update(
            AULA_ENV="production",
            SECRET_KEY="bench-secret-key-0123456789abcdef",
            BASE_URL="http://127.0.0.1",
            DATABASE_URL=url,
            AULA_INSTANCE_PATH=str(instance),
            SESSION_COOKIE_SECURE="false",
            LOGIN_LIMIT="1000 per minute",
            LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
        )
        port = free_port()
        server = serve("app:create_app('production')", port, env)
        try:
            wait_up(f"http://127.0.0.1:{port}/healthz")
            results: dict = {"ok": [], "failed": [], "latency": []}
            if args.submit_only:
                ready = threading.Barrier(args.officials + 1)
                officials = [
                    Submitter(n, port, prepared[n], ready, results) for n in range(args.officials)
                ]
                for official in officials:
                    official.start()
                ready.wait()  # every official signed in; the clock starts now
            else:
                until = time.monotonic() + args.seconds
                officials = [
                    Official(n, port, prepared, until, results) for n in range(args.officials)
                ]
                for official in officials:
                    official.start()
            start = time.monotonic()
            for official in officials:
                official.join()
            elapsed = time.monotonic() - start
        finally:
            server.terminate()
            server.wait()
        stored = count_stored(url, instance)
    ok, failed = sum(results["ok"]), sum(results["failed"])
    latency = sorted(results["latency"])
    print(
        f"{args.officials} officials, {elapsed:.1f} s: {ok} submissions accepted, {failed} refused"
    )
    if args.submit_only:
        print(f"submissions/s: {ok / elapsed:.0f} (submissions only, attempts opened beforehand)")
    else:
        print(f"submissions/s: {ok / elapsed:.0f} (each is also a start and two page views)")
    print(
        f"submit latency median {1000 * latency[len(latency) // 2]:.0f} ms, p95 {1000 * latency[int(len(latency) * 0.95)]:.0f} ms"
    )
    print(
        f"stored: {stored['attempts']} submitted attempts, {stored['responses']} responses "
        f"(expected {ok} and {ok * QUESTIONS}); lost or duplicated: {abs(stored['attempts'] - ok)}"
    )


def count_stored(url: str, instance: Path) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, str(instance))
    with app.app_context():
        attempts = db.session.scalar(
            select(func.count()).select_from(QuizAttempt).where(QuizAttempt.state == "submitted")
        )
        responses = db.session.scalar(select(func.count()).select_from(QuizResponse))
        db.engine.dispose()
    return {"attempts": attempts, "responses": responses}


if __name__ == "__main__":
    main()

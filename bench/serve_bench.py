"""Lesson page throughput for a signed-in official: gunicorn (4 workers) + SQLite, wrk on
loopback, side by side with a bare Flask app served the same way.

Run from the repository root: python3 bench/serve_bench.py [--duration 15]
Needs wrk (apt-get install -y wrk). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


USER_AGENT = "aula-bench/1.0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(db_path: Path, instance: Path) -> int:
    """Migrate, load demo data and one generated course; enrol the demo official. Returns lesson id."""
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts.services import find_user_by_email
    from app.catalog import package as pkg
    from app.catalog import services
    from app.devtools.demo import load_demo
    from app.extensions import db
    from app.learning.services import enrol
    from bench.generate import write_course

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}"}, str(instance))
    with app.app_context():
        upgrade()
        load_demo()
        package, problems = pkg.read_package(write_course(instance / "src", 0, 40))
        assert not problems
        course = services.import_package(package).course
        official = find_user_by_email("official.cdmx@aula.example")
        enrolment = enrol(official, course, "es")
        db.session.commit()
        lesson_id = services.edition_lessons(enrolment.edition_id)[3].id
        db.engine.dispose()
    return lesson_id


def wait_up(url: str) -> None:
    for __ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def session_cookie(base: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # The same User-Agent as wrk's requests: Flask-Login ties the session to it, as to a browser.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "email": "official.cdmx@aula.example", "password": "aula-demo"}
    ).encode()
    opener.open(base + "/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, duration: int, cookie: str | None = None) -> float:
    cmd = ["wrk", "-t2", "-c16", f"-d{duration}s", "-H", f"User-Agent: {USER_AGENT}", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: S603
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def serve(target: str, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}", target],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        instance = Path(tmp)
        db_path = instance / "bench.sqlite"
        lesson_id = prepare(db_path, instance)
        env = dict(os.environ)
        env.update(
            AULA_ENV="production",
            SECRET_KEY="bench-secret-key-0123456789abcdef",
            BASE_URL="http://127.0.0.1",
            DATABASE_URL=f"sqlite:///{db_path}",
            AULA_INSTANCE_PATH=str(instance),
            SESSION_COOKIE_SECURE="false",
        )
        aula_port, bare_port = free_port(), free_port()
        aula = serve("app:create_app('production')", aula_port, env)
        bare = serve("bench.bare_app:app", bare_port, env)
        try:
            base = f"http://127.0.0.1:{aula_port}"
            wait_up(base + "/healthz")
            wait_up(f"http://127.0.0.1:{bare_port}/")
            cookie = session_cookie(base)
            lesson = f"{base}/courses/bench-course-000/lessons/{lesson_id}"
            page = urllib.request.Request(
                lesson, headers={"Cookie": cookie, "User-Agent": USER_AGENT}
            )
            html = urllib.request.urlopen(page).read()  # noqa: S310 - loopback only
            assert b"Marcar" in html or b"Mark" in html, "not signed in as an enrolled official"
            size = len(html)
            lesson_rates, bare_rates = [], []
            for __ in range(args.rounds):
                lesson_rates.append(wrk(lesson, args.duration, cookie))
                bare_rates.append(wrk(f"http://127.0.0.1:{bare_port}/", args.duration))
        finally:
            aula.terminate()
            bare.terminate()
            aula.wait()
            bare.wait()
    lesson_rates.sort()
    bare_rates.sort()
    lesson_median = lesson_rates[len(lesson_rates) // 2]
    bare_median = bare_rates[len(bare_rates) // 2]
    print(f"lesson page ({size} bytes HTML): {lesson_rates} req/s, median {lesson_median:.0f}")
    print(f"bare Flask page:                 {bare_rates} req/s, median {bare_median:.0f}")
    print(f"ratio lesson/bare: {lesson_median / bare_median:.2f}")


if __name__ == "__main__":
    main()

"""Reviewer reports at the scale of a large city: generate 100,000 officials with
`flask bench generate`, then time the dashboard, a department drill-down and the CSV export
of every official, on PostgreSQL and on SQLite.

Run from the repository root:
    python3 bench/report_bench.py [--officials 100000] [--runs 20] [--only sqlite|postgresql]

PostgreSQL: the database in BENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/aula_bench), emptied first. SQLite: a temporary file.
Requests go through the app in-process (Flask's test client, signed in as the generated
reviewer); the export runs in a child process so its peak memory (RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/aula_bench"

EXPORT = r"""
import json, re, sys, time
sys.path.insert(0, sys.argv[2])
from app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]}, sys.argv[3])
client = app.test_client()  # the plain client: the body is read in this thread, as a server does
html = client.get("/login").get_data(as_text=True)
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
client.post("/login", data={"csrf_token": token, "email": "reviewer.bench@aula.example",
                            "password": "aula-demo"})
def peak_mb():
    # VmHWM belongs to this program's memory map, which exec made anew; ru_maxrss would
    # carry over the parent's high-water mark from before the exec.
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024)
before = peak_mb()
start = time.perf_counter()
response = client.get("/reports/officials.csv", buffered=False)
rows = size = 0
for chunk in response.response:
    size += len(chunk)
    rows += chunk.count(b"\n")
elapsed = time.perf_counter() - start
print(json.dumps({"rows": rows - 1, "seconds": round(elapsed, 2), "bytes": size,
                  "rss_before_export_mb": before, "peak_rss_mb": peak_mb()}))
"""


def prepare(url: str, officials: int, instance: str) -> float:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.catalog import package as pkg
    from app.catalog import services as catalog
    from app.devtools.bench_data import generate
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance)
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        for folder in sorted((ROOT / "courses").iterdir()):
            if (folder / "course.toml").exists():
                package, problems = pkg.read_package(folder)
                assert not problems, problems
                catalog.import_package(package)
        db.session.commit()
        started = time.monotonic()
        generate(officials, 7)
        took = time.monotonic() - started
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.engine.dispose()
    return took


def timings(url: str, instance: str, runs: int) -> dict:
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import Organisation, User
    from app.extensions import db
    from tests.conftest import AulaClient

    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance)
    app.test_client_class = AulaClient
    client = app.test_client()
    client.login("reviewer.bench@aula.example", "aula-demo")
    with app.app_context():
        largest = db.session.scalar(
            select(Organisation.id)
            .join(User, User.organisation_id == Organisation.id)
            .group_by(Organisation.id)
            .order_by(db.func.count().desc())
            .limit(1)
        )
    pages = {
        "dashboard": "/reports/",
        "dashboard, one department": f"/reports/?organisation={largest}",
        "drill-down: largest department, page 1": f"/reports/officials?organisation={largest}",
        "drill-down: search in the whole city": "/reports/officials?q=garc",
        # Accents and case forgiven (app/search.py): "garcia" finds every "García".
        "drill-down: search 'garcia' in the whole city": "/reports/officials?q=garcia",
        "drill-down: search 'MARIA GARCIA', two words": "/reports/officials?q=MARIA+GARCIA",
        "drill-down: overdue only": f"/reports/officials?organisation={largest}&status=overdue",
    }
    results = {}
    for name, path in pages.items():
        status = client.get(path).status_code  # warm-up, and it must work
        assert status == 200, (path, status)
        times = []
        for _run in range(runs):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        times.sort()
        results[name] = {
            "median_ms": round(1000 * statistics.median(times), 1),
            "p95_ms": round(1000 * times[int(len(times) * 0.95) - 1], 1),
        }
    child = subprocess.run(  # noqa: S603
        [sys.executable, "-c", EXPORT, url, str(ROOT), instance],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    export = json.loads(child.stdout.strip().splitlines()[-1])
    export["rows_per_s"] = round(export["rows"] / export["seconds"])
    results["CSV export of every official"] = export
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--officials", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = {
            "postgresql": os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG).replace(
                "postgresql://", "postgresql+psycopg://"
            ),
            "sqlite": f"sqlite:///{tmp}/bench.sqlite",
        }
        for name, url in targets.items():
            if args.only and name != args.only:
                continue
            took = prepare(url, args.officials, tmp)
            print(f"== {name}: generated {args.officials} officials in {took:.0f} s")
            for page, figures in timings(url, tmp, args.runs).items():
                print(f"   {page}: {figures}")


if __name__ == "__main__":
    main()

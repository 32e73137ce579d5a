"""Time `courses import` of 30 courses x 40 lessons into a fresh SQLite database.

Run: python3 bench/import_bench.py  (from the repository root). Prints the median of 3 runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.catalog import package as pkg  # noqa: E402
from app.catalog import services  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.generate import write_course  # noqa: E402


def one_run(courses: int, lessons: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folders = [write_course(root / "src", i, lessons) for i in range(courses)]
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.sqlite'}"}, str(root)
        )
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            packages = []
            for folder in folders:
                package, problems = pkg.read_package(folder)
                assert not problems, problems
                packages.append(package)
            checked = time.perf_counter()
            for package in packages:
                services.import_package(package)
                db.session.commit()
            done = time.perf_counter()
            db.engine.dispose()
        return checked - start, done - start


def main() -> None:
    runs = [one_run(30, 40) for _ in range(3)]
    check = statistics.median(r[0] for r in runs)
    total = statistics.median(r[1] for r in runs)
    print(f"30 courses x 40 lessons: check {check:.2f} s, check+import {total:.2f} s (median of 3)")


if __name__ == "__main__":
    main()

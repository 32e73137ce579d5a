"""Load test "nothing lost": many officials at once over real HTTP, a worker killed and the
server reloaded midway, then every acknowledged write looked up in the database.

1. Empties (drops and creates) the PostgreSQL database in LOAD_DATABASE_URL (default
   postgresql://postgres@127.0.0.1:5432/aula_load), migrates it, loads the demo, a generated
   population and a small course whose answers the officials know, and adds --users test
   officials (bench/load_prepare.py).
2. Serves the app with gunicorn on 127.0.0.1 as the README deploys it (4 sync workers,
   production settings), rate limits in the local Redis, the login limits raised.
3. Runs locust headless (bench/locustfile.py): each official signs in, enrols, reads and
   marks lessons done, starts quizzes, autosaves, submits, reads results and certificates.
4. With --fault both (default), SIGKILLs a worker a third of the way in (--kills of them,
   2 s apart) and sends the master SIGHUP (graceful reload of every worker) at two thirds.
   Failed requests in flight at a fault, or started within --window seconds after it,
   count apart.
5. Checks the database against the officials' log (bench/load_check.py) and prints latency
   per request type, throughput, errors and lost writes. Exit status 1 if anything was lost,
   anything is stored that nobody sent, or a request failed outside the fault windows.

Run from the repository root: python3 bench/load_test.py [--users 80] [--seconds 60]
[--fault both|kill|hup|none] (--help for the rest). Needs locust (pip install -e ".[bench]"), PostgreSQL and
Redis on 127.0.0.1. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_check import check, problems  # noqa: E402
from bench.load_prepare import PASSWORD, prepare  # noqa: E402
from bench.serve_bench import free_port, wait_up  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/aula_load"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"


def serve(args, port: int, env: dict, logs: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "30",
        # gunicorn 27 otherwise opens one control socket per user (~/.gunicorn/gunicorn.ctl),
        # shared with any other gunicorn running on the machine.
        "--no-control-socket",
        "--error-logfile",
        str(logs / "gunicorn.log"),
        "app:create_app('production')",
    ]
    return subprocess.Popen(  # noqa: S603
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(logs / "app.log").open("w"),
    )


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def inject(kind: str, master: int, at: float, faults: list, stop: threading.Event) -> None:
    """At monotonic time `at`, kill one worker (kill) or reload them all (hup)."""
    if stop.wait(max(0.0, at - time.monotonic())):
        return
    if kind == "kill":
        victim = workers_of(master)[0]
        os.kill(victim, signal.SIGKILL)
        faults.append({"kind": "kill", "label": f"SIGKILL worker {victim}", "t": time.time()})
    else:
        os.kill(master, signal.SIGHUP)
        faults.append({"kind": "hup", "label": "SIGHUP (graceful reload)", "t": time.time()})


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds() -> float:
    """CPU time of the children that have ended (gunicorn's workers count in its master)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def fault_windows(faults: list[dict], window: float) -> dict[str, tuple[float, float, str]]:
    """One window per kind of fault: from the first to `window` s after the last."""
    out = {}
    for kind in ("kill", "hup"):
        times = [f["t"] for f in faults if f["kind"] == kind]
        labels = [f["label"] for f in faults if f["kind"] == kind]
        if times:
            out[kind] = (min(times), max(times) + window, "; ".join(labels))
    return out


def summarise(requests: list[dict], windows: dict) -> dict:
    """Latency per request type, throughput, and failures inside and outside fault windows."""

    def overlaps(r: dict, start: float, end: float) -> bool:
        return r["t0"] <= end and r["t0"] + r["ms"] / 1000 >= start

    by_name: dict[str, list[dict]] = {}
    for r in requests:
        by_name.setdefault(r["name"], []).append(r)
    failed = [r for r in requests if r["status"] == 0 or r["status"] >= 400]
    during = {
        kind: [r for r in failed if overlaps(r, start, end)]
        for kind, (start, end, _label) in windows.items()
    }
    counted = {id(r) for rs in during.values() for r in rs}
    return {
        "requests": len(requests),
        "seconds": max(r["t0"] + r["ms"] / 1000 for r in requests) - min(r["t0"] for r in requests),
        "per_type": {
            name: (
                len(rs),
                statistics.median(r["ms"] for r in rs),
                percentile([r["ms"] for r in rs], 0.95),
            )
            for name, rs in sorted(by_name.items(), key=lambda item: -len(item[1]))
        },
        "5xx": sum(1 for r in failed if r["status"] >= 500),
        "connection errors": sum(1 for r in failed if r["status"] == 0),
        "4xx": sum(1 for r in failed if 400 <= r["status"] < 500),
        "during": during,
        "slowest": {
            kind: max((r["ms"] for r in requests if overlaps(r, start, end)), default=0)
            for kind, (start, end, _label) in windows.items()
        },
        "outside": [r for r in failed if id(r) not in counted],
    }


def describe(failures: list[dict]) -> str:
    counts: dict[str, int] = {}
    for r in failures:
        label = f"{r['name']} {r['status'] or r.get('error', 'error')}"
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{n} × {label}" for label, n in sorted(counts.items())) or "none"


def run_locust(args, port: int, logs: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{args.seconds}s",
            "--stop-timeout",
            "20",
            "--host",
            f"http://127.0.0.1:{port}",
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "LOAD_LOG_DIR": str(logs),
            "LOAD_PASSWORD": PASSWORD,
            "LOAD_THINK": args.think,
        },
        stdout=(logs / "locust.out").open("w"),
        stderr=subprocess.STDOUT,
    )


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=80, help="simultaneous officials")
    parser.add_argument("--spawn-rate", type=float, default=10, help="officials started per s")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--population", type=int, default=5000, help="generated officials")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", help="as deployed (README)")
    parser.add_argument("--threads", type=int, default=1, help="per gthread worker")
    parser.add_argument("--fault", choices=["both", "kill", "hup", "none"], default="both")
    parser.add_argument("--kills", type=int, default=3, help="workers killed, one at a time")
    parser.add_argument("--window", type=float, default=5.0, help="seconds after a fault")
    parser.add_argument("--think", default="0.1,0.6", help="pause between steps: min,max s")
    parser.add_argument("--keep", action="store_true", help="keep the logs folder")
    return parser.parse_args()


def main() -> int:
    args = options()
    url = os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL)
    logs = Path(tempfile.mkdtemp(prefix="aula-load-"))
    instance = logs / "instance"
    env = {**os.environ, "DATABASE_URL": url, "AULA_INSTANCE_PATH": str(instance)}
    env.pop("AULA_ENV", None)
    began = time.monotonic()
    print(f"load before: {load_average()}; logs in {logs}", flush=True)
    prepare(url, env, instance, args.users, args.population)
    print(f"prepared in {time.monotonic() - began:.0f} s", flush=True)

    port = free_port()
    server_env = {
        **env,
        "AULA_ENV": "production",
        "SECRET_KEY": "load-test-secret-key-0123456789abcdef",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "SESSION_COOKIE_SECURE": "false",
        "REDIS_URL": os.environ.get("LOAD_REDIS_URL", DEFAULT_REDIS),
        "LOGIN_LIMIT": "100000 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
    }
    cpu = [cpu_seconds()]
    server = serve(args, port, server_env, logs)
    faults: list[dict] = []
    stop = threading.Event()
    loads = []
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz")
        locust = run_locust(args, port, logs)
        started = time.monotonic()
        # Kills from a third of the way in, 2 s apart (the replacement boots meanwhile); the
        # reload at two thirds.
        plan = []
        if args.fault in ("both", "kill"):
            plan += [("kill", args.seconds / 3 + 2 * n) for n in range(args.kills)]
        if args.fault in ("both", "hup"):
            plan.append(("hup", args.seconds * 2 / 3))
        injectors = [
            threading.Thread(target=inject, args=(kind, server.pid, started + at, faults, stop))
            for kind, at in plan
        ]
        for thread in injectors:
            thread.start()
        while locust.poll() is None:
            loads.append(float(load_average().split()[0]))
            time.sleep(2)
        cpu.append(cpu_seconds())
    finally:
        stop.set()
        server.terminate()
        server.wait()
    cpu.append(cpu_seconds())

    (logs / "faults.json").write_text(json.dumps(faults), encoding="utf-8")
    requests = [json.loads(line) for line in (logs / "requests.jsonl").open(encoding="utf-8")]
    windows = fault_windows(faults, args.window)
    summary = summarise(requests, windows)
    from app import create_app

    result = check(
        create_app({"SQLALCHEMY_DATABASE_URI": url}, str(instance)), logs / "writes.jsonl"
    )
    lost = sum(v for k, v in result.items() if k.endswith(": lost") or "differs" in k)
    bad = problems(result) + len(summary["outside"])

    print("\ncommand: python3 bench/load_test.py " + " ".join(sys.argv[1:]))
    print(
        f"{args.users} officials for {args.seconds} s; gunicorn {args.workers} × "
        f"{args.worker_class}"
        + (f" ({args.threads} threads)" if args.threads > 1 else "")
        + f"; population {args.population}; think {args.think} s"
    )
    print(f"load average (1 min) during the run: max {max(loads, default=0):.2f}")
    print(
        f"CPU seconds: gunicorn {cpu[2] - cpu[1]:.0f}, locust {cpu[1] - cpu[0]:.0f} "
        "(PostgreSQL not counted)"
    )
    print(
        f"requests: {summary['requests']} in {summary['seconds']:.1f} s = "
        f"{summary['requests'] / summary['seconds']:.0f} req/s"
    )
    print(f"{'request':<16} {'count':>7} {'median ms':>10} {'p95 ms':>8}")
    for name, (count, median, p95) in summary["per_type"].items():
        print(f"{name:<16} {count:>7} {median:>10.0f} {p95:>8.0f}")
    print(
        f"failed responses: {summary['5xx']} × 5xx, {summary['connection errors']} connection "
        f"errors, {summary['4xx']} × 4xx"
    )
    for kind, (_start, _end, label) in windows.items():
        print(
            f"  during {label} (+{args.window:.0f} s): {describe(summary['during'][kind])}; "
            f"slowest request in the window {summary['slowest'][kind] / 1000:.1f} s"
        )
    print(f"  outside the fault windows: {describe(summary['outside'])}")
    print(
        f"{'write':<8} {'acknowledged':>12} {'stored':>7} {'in flight, stored':>18} "
        f"{'lost':>5} {'unexplained':>12}"
    )
    for op in ("enrol", "done", "start", "submit"):
        print(
            f"{op:<8} {result.pop(op + ': acknowledged'):>12} {result.pop(op + ': stored'):>7} "
            f"{result.pop(op + ': stored, in flight (not acknowledged)'):>18} "
            f"{result.pop(op + ': lost'):>5} {result.pop(op + ': unexplained'):>12}"
        )
    for name, value in result.items():
        print(f"{name}: {value}")
    print(f"lost writes: {lost}")
    print("PASS" if bad == 0 else f"FAIL ({bad} problems)")
    print(f"load after: {load_average()}; total {time.monotonic() - began:.0f} s")
    if not args.keep and bad == 0:
        shutil.rmtree(logs)
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

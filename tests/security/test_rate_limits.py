"""Sign-in and password-reset limits: per address, per e-mail, and shared by every app process.

The shared case runs two real app processes on loopback ports, one database and one Redis,
and spreads the attempts over both: the limit is reached by their sum. The same run with
in-memory counters, where each process counts alone, shows that the test can tell the two
apart.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import REDIS_URL
from tests.security.conftest import csrf_token_in

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 3


class Browser:
    """Just enough of a browser: keeps cookies across the servers of one site."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _sep, value = header.split(";", 1)[0].partition("=")
                self.cookies[name] = value
            return response.status, text
        finally:
            conn.close()


def _start_servers(n: int, settings: dict, tmp_path: Path) -> tuple[list, list[int]]:
    env = dict(os.environ, AULA_TEST_SETTINGS=json.dumps(settings))
    processes, ports = [], []
    for i in range(n):
        env["AULA_INSTANCE_PATH"] = str(tmp_path / f"instance-{i}")
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.security.serve_app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        line = process.stdout.readline().strip()
        assert line.isdigit(), f"app process {i} did not start"
        ports.append(int(line))
    return processes, ports


def _stop(processes) -> None:
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def _attempts_over_two_processes(ports: list[int]) -> dict[str, list[int]]:
    """LIMIT + 2 attempts at each limited form, taking turns between the two processes."""
    browser = Browser()
    statuses = {}
    for path, form in [
        ("/login", {"email": "someone@test.example", "password": "wrong-password"}),
        ("/password/forgot", {"email": "someone@test.example"}),
    ]:
        _status, page = browser.request(ports[0], "GET", path)
        form = {**form, "csrf_token": csrf_token_in(page)}
        statuses[path] = [
            browser.request(ports[n % 2], "POST", path, form)[0] for n in range(LIMIT + 2)
        ]
    return statuses


# Servers in processes of their own: real commits on empty tables.
@pytest.mark.commits
def test_limits_are_shared_by_app_processes_through_redis(
    app, database_url, tmp_path, redis_client
):
    prefix = f"aula-test-{uuid.uuid4().hex}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT": f"{LIMIT} per minute",
    }
    processes, ports = _start_servers(2, settings, tmp_path)
    try:
        statuses = _attempts_over_two_processes(ports)
    finally:
        _stop(processes)
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
    # Three attempts, then both processes refuse: the fourth overall, whichever serves it.
    assert statuses["/login"] == [200, 200, 200, 429, 429]
    assert statuses["/password/forgot"] == [302, 302, 302, 429, 429]


@pytest.mark.commits
def test_in_memory_limits_are_per_process(app, database_url, tmp_path):
    """The control: without Redis each process counts alone (three and two): none refuses."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_LIMIT": f"{LIMIT} per minute",
    }
    processes, ports = _start_servers(2, settings, tmp_path)
    try:
        statuses = _attempts_over_two_processes(ports)
    finally:
        _stop(processes)
    assert statuses["/login"] == [200] * (LIMIT + 2)
    assert statuses["/password/forgot"] == [302] * (LIMIT + 2)


def _forgot(client, email: str, address: str):
    return client.submit(
        "/password/forgot", {"email": email}, environ_base={"REMOTE_ADDR": address}
    )


def test_reset_is_limited_per_email_from_any_address(app, client, world, outbox):
    app.config["RESET_LIMIT_PER_EMAIL"] = "2 per hour"
    email = world.official_cdmx_email
    assert _forgot(client, email, "10.0.0.1").status_code == 302
    assert _forgot(client, email, "10.0.0.2").status_code == 302
    assert _forgot(client, email.upper(), "10.0.0.3").status_code == 429
    assert len(outbox) == 2  # the inbox is not flooded; its owner has two working links
    # Someone else's reset from the same addresses still goes through.
    assert _forgot(client, world.official_bh_email, "10.0.0.3").status_code == 302


def test_reset_is_limited_per_address(app, client, world):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per minute"
    for n in range(3):
        assert _forgot(client, f"p{n}@test.example", "10.0.0.9").status_code == 302
    assert _forgot(client, "p9@test.example", "10.0.0.9").status_code == 429
    assert _forgot(client, "p9@test.example", "10.0.0.10").status_code == 302


def test_reset_is_limited_per_address_and_email(app, client, world):
    app.config["LOGIN_LIMIT"] = "2 per minute"
    for _attempt in range(2):
        assert _forgot(client, "a@test.example", "10.0.0.20").status_code == 302
    assert _forgot(client, "a@test.example", "10.0.0.20").status_code == 429

"""`flask demo` as people run it: a real process on a small port, asked for a password reset
and an invitation over HTTP; the e-mails must be in its log, with links to where it serves."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app.devtools.demo import DEMO_PASSWORD, demo_base_url

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')
#: Loading the demo (migrations, courses, progress) takes a while on a busy machine.
START_TIMEOUT = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Demo:
    """The demo server in a subprocess, its output collected line by line."""

    def __init__(self, tmp_path: Path, port: int):
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"BASE_URL", "DATABASE_URL", "MAIL_SERVER", "REDIS_URL", "SECRET_KEY"}
        }
        env |= {"AULA_ENV": "development", "AULA_INSTANCE_PATH": str(tmp_path / "instance")}
        self.lines: list[str] = []
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "flask", "--app", "app", "demo"]
            + ["--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.output)
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not in the demo's output:\n{self.output[-4000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=5)


class Browser:
    """Just enough of a browser: cookies, and forms posted with their CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, token_from: str | None = None) -> str:
        token = CSRF.search(self.get(token_from or path)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        with self.opener.open(request, timeout=30) as response:
            return response.read().decode()


@pytest.fixture
def demo(tmp_path):
    port = _free_port()
    server = Demo(tmp_path, port)
    try:
        server.wait_for(r"Serving on http://127\.0\.0\.1:\d+/", START_TIMEOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server, port, tmp_path / "instance" / "aula.sqlite"
    finally:
        server.stop()


def test_demo_logs_its_emails_with_links_to_where_it_serves(demo):
    server, port, database = demo
    base = f"http://127.0.0.1:{port}"

    Browser(base).post("/password/forgot", {"email": "official.cdmx@aula.example"})
    mail = server.wait_for(r"(?s)mail to official\.cdmx@aula\.example: .*?(http://\S+)", 30)
    assert mail.group(1).startswith(f"{base}/password/reset/"), mail.group(0)

    reviewer = Browser(base)
    reviewer.post("/login", {"email": "reviewer.cdmx@aula.example", "password": DEMO_PASSWORD})
    page = reviewer.get("/staff/invite")
    organisation = re.search(r'<select[^>]*name="organisation".*?value="(\d+)"', page, re.S)
    reviewer.post(
        "/staff/invite",
        {
            "email": "nueva.persona@aula.example",
            "name": "Nueva Persona",
            "organisation": organisation.group(1),
            "locale": "es",
        },
    )
    mail = server.wait_for(r"(?s)mail to nueva\.persona@aula\.example: .*?(http://\S+)", 30)
    assert mail.group(1).startswith(f"{base}/invitation/"), mail.group(0)

    # Invitations sent again go through the outbox, which the demo delivers as it serves.
    with sqlite3.connect(database) as connection:
        (person,) = connection.execute(
            "SELECT id FROM users WHERE email = 'nueva.persona@aula.example'"
        ).fetchone()
    reviewer.post(f"/staff/{person}/invitation", {}, token_from=f"/staff/{person}")
    again = server.wait_for(r"(?s)(?:mail to nueva\.persona@aula\.example: .*?){2}(http://\S+)", 30)
    assert again.group(1).startswith(f"{base}/invitation/"), again.group(0)

    # The demo's certificates (and their QR codes) carry the same address.
    with sqlite3.connect(database) as connection:
        credentials = [row[0] for row in connection.execute("SELECT credential FROM certificates")]
    assert credentials
    assert all(f"{base}/verify/" in c for c in credentials)
    assert "127.0.0.1:5000" not in "".join(credentials)


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 5081, "http://127.0.0.1:5081"),
        ("0.0.0.0", 8000, "http://127.0.0.1:8000"),  # noqa: S104 - the option's value
        ("demo.local", 80, "http://demo.local:80"),
        ("::1", 5000, "http://[::1]:5000"),
    ],
)
def test_demo_base_url_follows_host_and_port(host, port, url):
    assert demo_base_url(host, port) == url

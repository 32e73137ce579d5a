"""Simulated officials for bench/load_test.py (run by it; see that file).

Each user signs in with its own test account through the real login form, then, step by
step, follows "continue" on My learning: it reads the next lesson and marks it done, or,
when "continue" leads to a quiz, starts an attempt, saves half the answers as the page's
autosave does, submits them all and reads the result. It enrols in the generated course
first (it knows those answers, so it passes and completes the course) and then in a
shipped course (answered at random). Now and then it opens My learning and its
certificates.

Every write is logged twice to LOAD_LOG_DIR/writes.jsonl: a "try" line before the request
and an "ack" (2xx/3xx as the page would answer) or "fail" line after it, so the checker can
tell acknowledged writes from those that were in flight when something broke. Every request
also goes to requests.jsonl with its start, duration and status.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import urllib.parse
from html.parser import HTMLParser

from locust import FastHttpUser, between, events, task
from locust.exception import RescheduleTask

LOG_DIR = os.environ.get("LOAD_LOG_DIR", ".")
PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test-password")
EMAIL = "load{n:04d}@load.aula.example"
COURSES = ("bench-course-000", "city-in-the-world")
KNOWN = {"bench-course-000": {"q0": "0", "q1": "true", "q2": "AL-LAs", "q3": "7"}}
THINK = [float(x) for x in os.environ.get("LOAD_THINK", "0.1,0.6").split(",")]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

_numbers = itertools.count()
# Line-buffered and open for the whole run: a line is on disk as soon as it is written.
_writes = open(os.path.join(LOG_DIR, "writes.jsonl"), "a", buffering=1, encoding="utf-8")
_requests = open(os.path.join(LOG_DIR, "requests.jsonl"), "a", buffering=1, encoding="utf-8")


@events.request.add_listener
def _log_request(request_type, name, response_time, response, exception, start_time, **_kw):
    status = getattr(response, "status_code", 0) or 0
    line = {"name": name, "t0": start_time, "ms": response_time, "status": status}
    if exception is not None and status == 0:
        line["error"] = type(exception).__name__
    _requests.write(json.dumps(line) + "\n")


class Forms(HTMLParser):
    """The forms of a page: {action: {field name: {"type": ..., "values": [...]}}}."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, dict]] = {}
        self._form: dict | None = None
        self._select: str | None = None
        self._option: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action") or "", {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            kind = a.get("type") or "text"
            field = self._form.setdefault(a["name"], {"type": kind, "values": []})
            if kind in ("radio", "checkbox"):
                field["values"].append(a.get("value") or "on")
            else:
                field["values"] = [a.get("value") or ""]
                field["numeric"] = a.get("inputmode") == "decimal"
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form[self._select] = {"type": "select", "values": []}
        elif tag == "option" and self._select:
            self._option, self._text = a.get("value"), []
        elif tag == "textarea" and a.get("name"):
            self._form[a["name"]] = {"type": "textarea", "values": [""]}

    def handle_data(self, data):
        if self._select and self._option is None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._select:
            value = self._option if self._option is not None else "".join(self._text).strip()
            if value:
                self._form[self._select]["values"].append(value)
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None

    def find(self, pattern: str) -> tuple[str, dict] | None:
        for action, fields in self.forms.items():
            if re.search(pattern, action):
                return action, fields
        return None


def location(response) -> str:
    return urllib.parse.urlsplit(response.headers.get("Location") or "").path


class Official(FastHttpUser):
    wait_time = between(*THINK)
    # Never retry: a request that fails must show as failed.
    max_retries = 0
    network_timeout = 30.0
    connection_timeout = 30.0

    def on_start(self):
        self.email = EMAIL.format(n=next(_numbers))
        self.token = ""
        self.courses = list(COURSES)
        self.course: str | None = None
        self.steps = 0
        for _try in range(5):
            try:
                if self.sign_in():
                    return
            except RescheduleTask:
                pass
            time.sleep(1)
        raise RuntimeError(f"{self.email} could not sign in")

    # --- plumbing --------------------------------------------------------------------

    def page(self, path: str, name: str, redirects: bool = False):
        response = self.client.get(path, name=name, allow_redirects=redirects)
        if response.status_code == 0 or response.status_code >= 400:
            raise RescheduleTask()
        found = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', response.text or "")
        if found:
            self.token = found.group(1)
        return response

    def write(self, op: str, key: dict, path: str, fields, ok, headers=None):
        """POST a form; log it as tried, then as acknowledged or failed. Returns the response
        when acknowledged, else stops this step (the next one starts afresh)."""
        record = {"op": op, "user": self.email, **key}
        pairs = [("csrf_token", self.token), *fields]
        if op in ("save", "submit"):
            record["form"] = [p for p in pairs if p[0] != "csrf_token"]
        _writes.write(json.dumps({**record, "phase": "try", "t": time.time()}) + "\n")
        response = self.client.post(
            path,
            data=urllib.parse.urlencode(pairs),
            headers={**FORM, **(headers or {})},
            name=op,
            allow_redirects=False,
        )
        acked = response.status_code and ok(response)
        _writes.write(
            json.dumps(
                {
                    **record,
                    "phase": "ack" if acked else "fail",
                    "t": time.time(),
                    "status": response.status_code,
                }
            )
            + "\n"
        )
        if not acked:
            raise RescheduleTask()
        return response

    def sign_in(self) -> bool:
        self.page("/login", "sign-in page")
        response = self.client.post(
            "/login",
            data=urllib.parse.urlencode(
                {"csrf_token": self.token, "email": self.email, "password": PASSWORD}
            ),
            headers=FORM,
            name="sign in",
            allow_redirects=False,
        )
        return response.status_code == 302 and location(response) == "/"

    # --- what an official does ---------------------------------------------------------

    @task
    def step(self):
        self.steps += 1
        if self.steps % 5 == 1:
            self.page("/learning/", "my learning")
        if self.course is None and not self.enrol_next():
            self.page("/certificates/", "certificates")
            return
        response = self.page(f"/learning/{self.course}/continue", "continue")
        target = location(response)
        if "/lessons/" in target:
            self.read(target)
        elif target.endswith(("/quiz", "/final")):
            self.take_quiz(target)
        else:
            # Nothing left to read or pass: the course is complete.
            self.course = None
            self.page("/certificates/", "certificates")

    def enrol_next(self) -> bool:
        if not self.courses:
            return False
        slug = self.courses[0]
        html = self.page(f"/courses/{slug}", "course page").text
        # No enrol form: enrolled already (an enrolment in flight when the server broke).
        if Forms(html).find(r"/enrol$") is not None:
            self.write(
                "enrol",
                {"course": slug},
                f"/courses/{slug}/enrol",
                [("language", "es")],
                lambda r: r.status_code == 302,
            )
        self.course = self.courses.pop(0)
        return True

    def read(self, path: str) -> None:
        html = self.page(path, "lesson").text
        found = Forms(html).find(r"/done$")
        if found is None:
            raise RescheduleTask()
        lesson_id = int(re.search(r"/lessons/(\d+)/done$", found[0]).group(1))
        self.write(
            "done",
            {"course": self.course, "lesson": lesson_id},
            found[0],
            [],
            lambda r: r.status_code == 302,
        )

    def take_quiz(self, path: str) -> None:
        quiz_key = "final" if path.endswith("/final") else "m" + path.split("/")[-2]
        html = self.page(path, "quiz page").text
        open_attempt = Forms(html).find(r"/attempts/\d+/submit$")
        if open_attempt is None:
            if Forms(html).find(r"/start$") is None:  # no attempts left: on to the next course
                self.course = None
                return
            self.write(
                "start",
                {"course": self.course, "quiz": quiz_key},
                path + "/start",
                [],
                lambda r: (
                    r.status_code == 302 and r.headers.get("Location", "").endswith("#questions")
                ),
            )
            html = self.page(path, "quiz page").text
            open_attempt = Forms(html).find(r"/attempts/\d+/submit$")
            if open_attempt is None:
                self.course = None
                return
        action, fields = open_attempt
        attempt_id = int(re.search(r"/attempts/(\d+)/submit$", action).group(1))
        answers = self.answers(fields)
        questions = sorted({re.match(r"q(\d+)", name).group(1) for name, _v in answers}, key=int)
        first_half = set(questions[: len(questions) // 2])
        saved = [(n, v) for n, v in answers if re.match(r"q(\d+)", n).group(1) in first_half]
        self.write(
            "save",
            {"attempt": attempt_id},
            action.removesuffix("/submit") + "/save",
            saved,
            lambda r: r.status_code == 204,
            {"X-Aula-Autosave": "1"},
        )
        response = self.write(
            "submit",
            {"attempt": attempt_id},
            action,
            answers,
            lambda r: r.status_code == 302 and location(r).endswith(f"/attempts/{attempt_id}"),
        )
        self.page(location(response), "quiz result")

    def answers(self, fields: dict) -> list[tuple[str, str]]:
        """The known answers on the generated course; random ones elsewhere."""
        known = KNOWN.get(self.course)
        out = []
        for name, field in fields.items():
            if not re.fullmatch(r"q\d+(_\d+)?", name):
                continue
            if known is not None:
                out.append((name, known[name]))
                continue
            kind, values = field["type"], field["values"]
            if kind == "radio" or (kind == "select" and values):
                out.append((name, random.choice(values)))  # noqa: S311 - test data
            elif kind == "checkbox":
                chosen = random.sample(values, random.randint(1, len(values)))  # noqa: S311
                out.extend((name, value) for value in chosen)
            elif kind == "textarea":
                out.append((name, "Respuesta escrita durante la prueba de carga."))
            elif field.get("numeric"):
                out.append((name, random.choice(["450000", "7", "90"])))  # noqa: S311
            else:
                out.append((name, random.choice(["Belo Horizonte", "Quito", "no sé"])))  # noqa: S311
        return out

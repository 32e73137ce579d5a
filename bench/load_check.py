"""After a load test: compare what the simulated officials were told (writes.jsonl) with
what the database holds.

A write is "acknowledged" when the server answered it as the page would (a redirect, or 204
for an autosave), and "tried" from the moment it was sent. Whatever was acknowledged must be
stored ("lost" otherwise); whatever is stored must have been tried ("unexplained"
otherwise); a write that was tried but never acknowledged (in flight when a worker died)
may be stored or not, but whole: never a submitted attempt without all its graded answers.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.learning.models import EnrolmentStatus
from app.quizzes.models import QuizAttempt
from app.quizzes.services import ANSWERABLE, responses_from_form


def read_writes(path: Path) -> tuple[dict, dict, list]:
    """(acknowledged, tried) as {op: Counter of keys}, and every acknowledged record."""
    acked: dict[str, Counter] = {}
    tried: dict[str, Counter] = {}
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        key = _key(record)
        if record["phase"] == "try":
            tried.setdefault(record["op"], Counter())[key] += 1
        elif record["phase"] == "ack":
            acked.setdefault(record["op"], Counter())[key] += 1
        records.append(record)
    return acked, tried, records


def _key(record: dict) -> tuple:
    op = record["op"]
    if op == "enrol":
        return (record["user"], record["course"])
    if op == "done":
        return (record["user"], record["course"], record["lesson"])
    if op == "start":
        return (record["user"], record["course"], record["quiz"])
    return (record["user"], record["attempt"])


def check(app, writes_file: Path) -> dict:
    """Every check, as {name: count of problems} plus a few totals; 0 problems is a pass."""
    acked, tried, records = read_writes(writes_file)
    out: dict[str, int] = {}
    with app.app_context():
        run = db.session.execute
        mine = "u.email LIKE 'load%@load.aula.example'"

        # Enrolments, lessons done and attempts opened: sets of keys.
        stored = {
            "enrol": Counter(
                run(
                    text(
                        f"SELECT u.email, c.slug FROM enrolments e JOIN users u ON u.id = e.user_id "
                        f"JOIN courses c ON c.id = e.course_id WHERE {mine}"
                    )
                ).all()
            ),
            "done": Counter(
                run(
                    text(
                        "SELECT u.email, c.slug, p.lesson_id FROM lesson_progress p "
                        "JOIN enrolments e ON e.id = p.enrolment_id JOIN users u ON u.id = e.user_id "
                        f"JOIN courses c ON c.id = e.course_id WHERE {mine}"
                    )
                ).all()
            ),
            "start": Counter(
                run(
                    text(
                        "SELECT u.email, c.slug, a.quiz_key FROM quiz_attempts a "
                        "JOIN enrolments e ON e.id = a.enrolment_id JOIN users u ON u.id = e.user_id "
                        f"JOIN courses c ON c.id = e.course_id WHERE {mine}"
                    )
                ).all()
            ),
            "submit": Counter(
                run(
                    text(
                        "SELECT u.email, a.id FROM quiz_attempts a "
                        "JOIN enrolments e ON e.id = a.enrolment_id JOIN users u ON u.id = e.user_id "
                        f"WHERE {mine} AND a.state <> 'in_progress'"
                    )
                ).all()
            ),
        }
        for op in ("enrol", "done", "start", "submit"):
            got, ack, sent = stored[op], acked.get(op, Counter()), tried.get(op, Counter())
            keys = set(ack) | set(got)
            out[f"{op}: acknowledged"] = sum(ack.values())
            out[f"{op}: stored"] = sum(got.values())
            # An attempt is opened by one acknowledged start; enrolments and lessons done are
            # unique per key whatever the number of requests.
            if op == "start":
                out[f"{op}: lost"] = sum(max(ack[k] - got[k], 0) for k in keys)
                out[f"{op}: unexplained"] = sum(max(got[k] - sent[k], 0) for k in keys)
            else:
                out[f"{op}: lost"] = len(set(ack) - set(got))
                out[f"{op}: unexplained"] = len(set(got) - set(sent))
            out[f"{op}: stored, in flight (not acknowledged)"] = sum(
                max(got[k] - ack[k], 0) for k in keys
            )

        # Every submitted attempt of the test officials: whole, graded, answers as sent.
        submitted_forms: dict[int, list] = {}
        saved_forms: dict[int, tuple[float, list]] = {}
        last_save_try: dict[int, float] = {}
        for record in records:
            if record["op"] == "submit" and record["phase"] == "ack":
                submitted_forms[record["attempt"]] = record["form"]
            elif record["op"] == "save" and record["phase"] == "ack":
                saved_forms[record["attempt"]] = (record["t"], record["form"])
            elif record["op"] == "save" and record["phase"] == "try":
                last_save_try[record["attempt"]] = record["t"]
        attempt_ids = [
            row[0]
            for row in run(
                text(
                    "SELECT a.id FROM quiz_attempts a JOIN enrolments e ON e.id = a.enrolment_id "
                    f"JOIN users u ON u.id = e.user_id WHERE {mine}"
                )
            )
        ]
        half_written = wrong_answers = ungraded = draft_lost = 0
        for attempt in db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.id.in_(attempt_ids))
            .options(selectinload(QuizAttempt.responses))
        ):
            answerable = [p for p, q in enumerate(attempt.questions) if q["qtype"] in ANSWERABLE]
            responses = {r.position: r for r in attempt.responses}
            if attempt.state == "in_progress":
                half_written += bool(responses)
            else:
                if sorted(responses) != answerable or attempt.submitted_at is None:
                    half_written += 1
                if attempt.state == "submitted" and attempt.score is None:
                    ungraded += 1
            form = submitted_forms.get(attempt.id)
            if form is not None and attempt.deadline is None:
                sent = responses_from_form(attempt.questions, MultiDict(form))
                merged = {**{int(p): v for p, v in (attempt.draft or {}).items()}, **sent}
                for position in answerable:
                    expected = merged.get(position)
                    expected = None if expected in (None, [], {}) else expected
                    got = responses.get(position)
                    if got is None or got.response != json.loads(json.dumps(expected)):
                        wrong_answers += 1
            saved = saved_forms.get(attempt.id)
            if saved is not None and last_save_try.get(attempt.id, 0) <= saved[0]:
                expected = responses_from_form(attempt.questions, MultiDict(saved[1]))
                want = json.loads(json.dumps({str(p): v for p, v in expected.items()}))
                draft_lost += any(attempt.draft.get(k) != v for k, v in want.items())
        out["save: acknowledged"] = sum(acked.get("save", Counter()).values())
        out["save: lost (draft differs from the last acknowledged save)"] = draft_lost
        out["submit: answers stored differently from those sent"] = wrong_answers
        out["submit: half-written attempts (responses missing or extra)"] = half_written
        out["submit: submitted but not graded"] = ungraded

        # The unique constraints, checked rather than trusted, and the one-open-attempt rule.
        duplicates = {
            "duplicate enrolments": "SELECT user_id, course_id FROM enrolments "
            "GROUP BY 1, 2 HAVING count(*) > 1",
            "duplicate lessons done": "SELECT enrolment_id, lesson_id FROM lesson_progress "
            "GROUP BY 1, 2 HAVING count(*) > 1",
            "duplicate attempt numbers": "SELECT enrolment_id, quiz_key, number FROM "
            "quiz_attempts GROUP BY 1, 2, 3 HAVING count(*) > 1",
            "duplicate responses": "SELECT attempt_id, position FROM quiz_responses "
            "GROUP BY 1, 2 HAVING count(*) > 1",
            "two open attempts at one quiz": "SELECT enrolment_id, quiz_key FROM quiz_attempts "
            "WHERE state = 'in_progress' GROUP BY 1, 2 HAVING count(*) > 1",
            "duplicate certificates": "SELECT enrolment_id FROM certificates WHERE "
            "enrolment_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1",
        }
        for name, sql in duplicates.items():
            out[name] = len(run(text(f"SELECT 1 FROM ({sql}) d")).all())
        completed, certified = run(
            text(
                "SELECT count(*), count(ct.id) FROM enrolments e JOIN users u ON u.id = e.user_id "
                f"LEFT JOIN certificates ct ON ct.enrolment_id = e.id WHERE {mine} "
                "AND e.status = :completed"
            ),
            {"completed": EnrolmentStatus.COMPLETED.value},
        ).one()
        out["courses completed"] = completed
        out["completed without a certificate"] = completed - certified
        db.engine.dispose()
    return out


#: The entries that count problems: each must be 0.
PROBLEMS = (
    ": lost",
    ": unexplained",
    "differs",
    "differently",
    "half-written",
    "not graded",
    "duplicate",
    "two open",
    "without a certificate",
)


def problems(result: dict) -> int:
    return sum(v for k, v in result.items() if any(p in k for p in PROBLEMS))

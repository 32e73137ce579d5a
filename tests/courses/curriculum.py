"""The curriculum's editorial rules (issue 8), checked over a folder of course packages.

`flask courses check` proves a package is well formed; these rules go further: every
edition says the same thing in the same shape as the Spanish reference, lessons have the
length and the sources the curriculum asks for, and every answer explains itself.

Run by the test suite, and by hand while writing a course:
    python3 -m tests.courses.curriculum courses/ [--sources DOSSIER.md]
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import unquote

from app.quizzes import gift
from tests.conformance import BOOKLETS

LANGUAGES = ("es", "en", "pt_BR", "fr")
REFERENCE = "es"
SOURCES_HEADING = {"es": "Fuentes", "en": "Sources", "pt_BR": "Fontes", "fr": "Sources"}
MIN_WORDS, MAX_WORDS = 600, 1500
FINAL_BANK, FINAL_DRAW = 30, 15
QUIZ_MIN, QUIZ_MAX = 5, 8
LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
URL = re.compile(r"https?://[^\s;)<>\]]+")
NUMBERED = re.compile(r"^\d{1,3}-")


def _normal(url: str) -> str:
    # Lessons may percent-encode what the dossier writes in plain UTF-8, and the reverse.
    return unquote(url).rstrip(".,")


def allowed_sources(dossier: Path) -> set[str]:
    """Every web address the dossier cites, normalised."""
    return {_normal(url) for url in URL.findall(dossier.read_text(encoding="utf-8"))}


def _front_matter(text: str) -> tuple[dict, str]:
    _, head, body = text.split("+++", 2)
    return tomllib.loads(head), body


def _sections(body: str) -> tuple[str, str | None]:
    """The lesson before its sources heading, and the sources section (None if absent)."""
    parts = re.split(r"^## +(.+?) *$", body, flags=re.M)
    if len(parts) < 3:
        return body, None
    *before, heading, last = parts
    return "".join(before), (heading, last)


def _words(markdown: str) -> int:
    return len(re.findall(r"\w+", re.sub(r"\]\([^)]*\)", "]", markdown)))


def _questions(path: Path) -> list[dict]:
    return [q for q in gift.parse(path.read_bytes(), str(path)) if q["qtype"] != "category"]


def _feedback_gaps(question: dict) -> bool:
    qtype = question["qtype"]
    if qtype == "description":
        return False
    if qtype == "truefalse":
        return not (question["feedbacktrue"].strip() and question["feedbackfalse"].strip())
    if qtype in ("multichoice", "shortanswer", "numerical"):
        return not all(a["feedback"].strip() for a in question["answers"])
    return not question["generalfeedback"].strip()


def _modules(edition: Path) -> list[Path]:
    return sorted(p for p in edition.iterdir() if p.is_dir() and NUMBERED.match(p.name))


def _shape(edition: Path) -> list:
    """Module and lesson names, quiz files with their question counts and quiz settings."""
    shape = []
    for module in _modules(edition):
        lessons = sorted(p.name for p in module.glob("*.md"))
        quiz = module / "quiz.gift"
        settings = tomllib.loads((module / "module.toml").read_text("utf-8")).get("quiz")
        shape.append((module.name, lessons, len(_questions(quiz)) if quiz.exists() else 0, settings))
    final = edition / "final.gift"
    final_settings = tomllib.loads((edition / "edition.toml").read_text("utf-8")).get("final")
    shape.append(("final", len(_questions(final)) if final.exists() else 0, final_settings))
    return shape


def check_course(course: Path, sources: set[str]) -> list[str]:
    """Every breach of the rules in one course package, as `path: message` lines."""
    problems: list[str] = []
    say = problems.append
    meta = tomllib.loads((course / "course.toml").read_text("utf-8"))
    if meta.get("pass_mark") != 70:
        say(f"{course}/course.toml: pass_mark must be 70")
    for lang in LANGUAGES:
        if not (course / lang / "edition.toml").is_file():
            say(f"{course}/{lang}: edition missing")
    if problems:
        return problems
    reference = _shape(course / REFERENCE)
    for lang in LANGUAGES[1:]:
        if _shape(course / lang) != reference:
            say(f"{course}/{lang}: modules, lessons, question counts or quiz settings differ from {REFERENCE}")

    modules = _modules(course / REFERENCE)
    if not 4 <= len(modules) <= 5:
        say(f"{course}/{REFERENCE}: {len(modules)} modules; the curriculum asks for 4 or 5")
    minutes = 0
    for lang in LANGUAGES:
        types: set[str] = set()
        for module in _modules(course / lang):
            lessons = sorted(module.glob("*.md"))
            if lang == REFERENCE and not 2 <= len(lessons) <= 4:
                say(f"{module}: {len(lessons)} lessons; each module needs 2 to 4")
            for lesson in lessons:
                front, body = _front_matter(lesson.read_text("utf-8"))
                if lang == REFERENCE:
                    minutes += front["minutes"]
                teaching, cited = _sections(body)
                words = _words(teaching)
                if not MIN_WORDS <= words <= MAX_WORDS:
                    say(f"{lesson}: {words} words; a lesson has {MIN_WORDS} to {MAX_WORDS}")
                if cited is None or cited[0] != SOURCES_HEADING[lang]:
                    say(f"{lesson}: the last section must be '## {SOURCES_HEADING[lang]}'")
                    continue
                links = LINK.findall(cited[1])
                if not links:
                    say(f"{lesson}: the sources section cites no link")
                for link in links:
                    if _normal(link) not in sources:
                        say(f"{lesson}: source {link} is not in the dossier")
            quiz = module / "quiz.gift"
            if not quiz.exists():
                say(f"{module}: no quiz.gift")
                continue
            questions = _questions(quiz)
            if not QUIZ_MIN <= len(questions) <= QUIZ_MAX:
                say(f"{quiz}: {len(questions)} questions; a module quiz has {QUIZ_MIN} to {QUIZ_MAX}")
            types.update(q["qtype"] for q in questions)
            problems.extend(f"{quiz}: question '{q['name']}' lacks feedback" for q in questions if _feedback_gaps(q))
        final = course / lang / "final.gift"
        if not final.exists():
            say(f"{course}/{lang}: no final.gift")
            continue
        questions = _questions(final)
        types.update(q["qtype"] for q in questions)
        problems.extend(f"{final}: question '{q['name']}' lacks feedback" for q in questions if _feedback_gaps(q))
        if len(questions) < FINAL_BANK:
            say(f"{final}: {len(questions)} questions; the final bank needs at least {FINAL_BANK}")
        settings = tomllib.loads((course / lang / "edition.toml").read_text("utf-8")).get("final", {})
        if settings.get("draw") != FINAL_DRAW:
            say(f"{course}/{lang}/edition.toml: [final] draw must be {FINAL_DRAW}")
        if len(types - {"description"}) < 5:
            say(f"{course}/{lang}: {len(types)} question types ({', '.join(sorted(types))}); at least 5")
    if meta.get("hours") != math.ceil(minutes / 60):
        say(f"{course}/course.toml: hours must be {math.ceil(minutes / 60)}, the lessons' minutes in hours rounded up")
    return problems


def course_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "course.toml").is_file())


if __name__ == "__main__":
    root = Path(sys.argv[1])
    dossier = (
        Path(sys.argv[sys.argv.index("--sources") + 1]) if "--sources" in sys.argv else BOOKLETS
    )
    folders = [root] if (root / "course.toml").is_file() else course_folders(root)
    found = [p for folder in folders for p in check_course(folder, allowed_sources(dossier))]
    print("\n".join(found) or f"{len(folders)} course(s) follow the curriculum rules.")
    sys.exit(1 if found else 0)

"""Reading a package folder and checking it: every problem named by file and line."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from app import markup
from app.quizzes.gift import GiftError, parse, questions_by_category

from .links import resolve
from .model import (
    BOOKLET_KEYS,
    COURSE_KEYS,
    IMAGE_SUFFIXES,
    LANGUAGES,
    MAX_COUNT,
    MAX_HOURS,
    MAX_MEDIA_BYTES,
    MAX_MINUTES,
    MAX_VALIDITY_MONTHS,
    MEDIA_TYPES,
    NUMBERED,
    QUIZ_SETTINGS,
    SLUG,
    THEME,
    TIMED_SETTINGS,
    EditionSource,
    LessonSource,
    ModuleSource,
    Package,
    Problem,
    QuizSource,
)
from .toml import parse_toml


class _Reader:
    """Collects problems while walking one package folder."""

    def __init__(self, root: Path, shown_as: str):
        self.root = root
        self.real_root = root.resolve()
        self.shown_as = shown_as.rstrip("/")
        self.problems: list[Problem] = []
        self.texts: dict[str, str] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def error(self, path: Path | str, line: int, message: str) -> None:
        rel = path if isinstance(path, str) else self.rel(path)
        shown = f"{self.shown_as}/{rel}" if rel and self.shown_as else rel or self.shown_as
        self.problems.append(Problem(shown, line, message))

    def read_text(self, path: Path) -> str | None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.error(path, 1, f"cannot read the file ({exc.strerror})")
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.error(path, raw[: exc.start].count(b"\n") + 1, "not UTF-8 text")
            return None
        if "\x00" in text:
            # Valid UTF-8, but no database text column can hold it (PostgreSQL refuses it).
            line = text.count("\n", 0, text.index("\x00")) + 1
            self.error(path, line, "a NUL character (byte 0): this is not a text file")
            return None
        text = text.replace("\r\n", "\n")
        self.texts[self.rel(path)] = text
        return text

    def read_toml(self, path: Path, text: str | None = None, first_line: int = 1) -> dict | None:
        if text is None:
            if not path.is_file():
                self.error(path, 1, "file missing")
                return None
            text = self.read_text(path)
            if text is None:
                return None
        try:
            return parse_toml(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            if found:
                line = int(found.group(1))
            else:  # "(at end of document)": an unclosed string or table, say
                line = text.rstrip("\n").count("\n") + 1
            message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
            self.error(path, line + first_line - 1, f"TOML syntax error: {message}")
            return None

    def key_line(self, text: str, key: str, first_line: int = 1) -> int:
        for number, line in enumerate(text.splitlines(), start=first_line):
            if re.match(rf"^\s*{re.escape(key)}\s*=", line):
                return number
        return first_line

    def entries(self, folder: Path) -> list[Path]:
        """Folder entries in name order; symbolic links are refused, not followed."""
        found = []
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.is_symlink():
                self.error(entry, 1, "symbolic links are not allowed in a package")
                continue
            found.append(entry)
        return found


def _check_string(reader, path, text, data, key, required=True, first_line=1) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            reader.error(path, first_line, f'"{key}" is missing')
        return None
    if not isinstance(value, str) or not value.strip():
        reader.error(
            path, reader.key_line(text, key, first_line), f'"{key}" must be non-empty text'
        )
        return None
    return value


def _read_course_toml(reader: _Reader, slug: str) -> dict | None:
    path = reader.root / "course.toml"
    data = reader.read_toml(path)
    if data is None:
        return None
    text = reader.texts.get("course.toml", "")

    def bad(key, message):
        reader.error(path, reader.key_line(text, key), message)

    for key in sorted(set(data) - COURSE_KEYS):
        bad(key, f'unknown key "{key}"')
    meta: dict = {}
    value = _check_string(reader, path, text, data, "slug")
    if value is not None:
        if value != slug:
            bad("slug", f'slug "{value}" does not match the folder name "{slug}"')
        meta["slug"] = value
    hours = data.get("hours")
    if hours is None:
        reader.error(path, 1, '"hours" is missing')
    elif (
        isinstance(hours, bool)
        or not isinstance(hours, int | float)
        or not math.isfinite(hours)
        or hours <= 0
    ):
        bad("hours", '"hours" must be a positive number')
    elif hours > MAX_HOURS:
        bad("hours", f'"hours" must be at most {MAX_HOURS}')
    else:
        meta["hours"] = hours
    mark = data.get("pass_mark")
    if mark is None:
        reader.error(path, 1, '"pass_mark" is missing')
    elif isinstance(mark, bool) or not isinstance(mark, int) or not 1 <= mark <= 100:
        bad("pass_mark", '"pass_mark" must be an integer from 1 to 100')
    else:
        meta["pass_mark"] = mark
    validity = data.get("certificate_validity_months")
    if validity is not None and (
        isinstance(validity, bool) or not isinstance(validity, int) or validity <= 0
    ):
        bad(
            "certificate_validity_months",
            '"certificate_validity_months" must be a positive integer',
        )
    elif validity is not None and validity > MAX_VALIDITY_MONTHS:
        bad(
            "certificate_validity_months",
            f'"certificate_validity_months" must be at most {MAX_VALIDITY_MONTHS}',
        )
    else:
        meta["certificate_validity_months"] = validity
    for key, pattern in (("themes", THEME), ("authors", None)):
        items = data.get(key)
        if items is None:
            reader.error(path, 1, f'"{key}" is missing')
        elif not isinstance(items, list) or not all(
            isinstance(i, str) and i.strip() for i in items
        ):
            bad(key, f'"{key}" must be a list of non-empty texts')
        elif pattern is not None and not all(pattern.match(i) for i in items):
            bad(key, f'"{key}" must use lower-case letters, digits and hyphens')
        else:
            meta[key] = items
    booklet = data.get("booklet")
    if booklet is None:
        reader.error(path, 1, "the [booklet] table is missing")
    elif not isinstance(booklet, dict):
        bad("booklet", '"booklet" must be a table')
    else:
        for key in sorted(set(booklet) - BOOKLET_KEYS):
            bad(key, f'unknown key "booklet.{key}"')
        entry = {}
        for key in ("title", "reference"):
            value = booklet.get(key)
            if not isinstance(value, str) or not value.strip():
                bad(key if key in booklet else "booklet", f'"booklet.{key}" must be non-empty text')
            else:
                entry[key] = value
        number = booklet.get("number")
        if number is not None and (
            isinstance(number, bool) or not isinstance(number, int) or number < 1
        ):
            bad("number", '"booklet.number" must be a positive integer')
        elif number is not None and number > MAX_COUNT:
            bad("number", f'"booklet.number" must be at most {MAX_COUNT}')
        url = booklet.get("url")
        if url is not None and (
            not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"}
        ):
            bad("url", '"booklet.url" must be an http(s) address')
        entry["number"], entry["url"] = number, url
        meta["booklet"] = entry
    return meta


def _parse_front_matter(reader: _Reader, path: Path, text: str) -> tuple[dict, str, str] | None:
    """(data, front-matter text, body) of a lesson; the front matter starts on line 2."""
    lines = text.split("\n")
    if lines[0].strip() != "+++":
        reader.error(path, 1, 'front matter: the file must start with a "+++" line')
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if end is None:
        reader.error(path, 1, 'front matter: no closing "+++" line')
        return None
    front = "\n".join(lines[1:end])
    data = reader.read_toml(path, front, first_line=2)
    if data is None:
        return None
    return data, front, "\n".join(lines[end + 1 :]).lstrip("\n")


def _read_lesson(reader: _Reader, path: Path, position: int, slug: str) -> LessonSource | None:
    text = reader.read_text(path)
    if text is None:
        return None
    parsed = _parse_front_matter(reader, path, text)
    if parsed is None:
        return None
    data, front, body = parsed
    for key in sorted(set(data) - {"title", "minutes"}):
        reader.error(path, reader.key_line(front, key, 2), f'front matter: unknown key "{key}"')
    title = data.get("title")
    title_ok = isinstance(title, str) and bool(title.strip())
    if not title_ok:
        line = reader.key_line(front, "title", 2) if "title" in data else 1
        reader.error(path, line, 'front matter: "title" must be non-empty text')
    minutes = data.get("minutes")
    minutes_ok = isinstance(minutes, int) and not isinstance(minutes, bool) and minutes > 0
    if not minutes_ok:
        line = reader.key_line(front, "minutes", 2) if "minutes" in data else 1
        reader.error(path, line, 'front matter: "minutes" must be a positive integer')
    elif minutes > MAX_MINUTES:
        minutes_ok = False
        line = reader.key_line(front, "minutes", 2)
        reader.error(path, line, f'front matter: "minutes" must be at most {MAX_MINUTES}')
    if not body.strip():
        reader.error(path, 1, "the lesson has no text after its front matter")
    deep = markup.too_deep(body)
    if deep is not None:
        first = text.count("\n", 0, len(text) - len(body))  # lines above the body
        reader.error(
            path,
            first + deep,
            f"HTML elements nested more than {markup.MAX_HTML_DEPTH} deep; close them or use Markdown",
        )
    if not (title_ok and minutes_ok):
        return None
    return LessonSource(position, slug, path.name, title.strip(), minutes, body)


def _read_quiz_settings(reader: _Reader, path: Path, data: dict, table: str) -> dict:
    """Check a [quiz] or [final] table; returns the settings as written."""
    text = reader.texts.get(reader.rel(path), "")
    settings = data[table]
    line = reader.key_line(text, f"[{table}]")
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.strip() == f"[{table}]":
            line = number
    if not isinstance(settings, dict):
        reader.error(path, reader.key_line(text, table), f'"{table}" must be a table')
        return {}
    found = {}
    for key, value in settings.items():
        kind = QUIZ_SETTINGS.get(key)
        where = reader.key_line(text, key, 1) if key in text else line
        if kind is None:
            reader.error(
                path, where, f'unknown key "{table}.{key}"; use one of {", ".join(QUIZ_SETTINGS)}'
            )
        elif kind == "positive integer" and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            reader.error(path, where, f'"{table}.{key}" must be a positive integer')
        elif kind == "positive integer" and value > MAX_COUNT:
            reader.error(path, where, f'"{table}.{key}" must be at most {MAX_COUNT}')
        elif kind == "category counts" and not (
            isinstance(value, dict)
            and value
            and all(
                isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_COUNT
                for n in value.values()
            )
        ):
            reader.error(
                path,
                where,
                f'"{table}.{key}" must be a table of category = number of questions, '
                'for example { "mexico" = 3, "brazil" = 2 }',
            )
        elif kind == "boolean" and not isinstance(value, bool):
            reader.error(path, where, f'"{table}.{key}" must be true or false')
        elif isinstance(kind, tuple) and value not in kind:
            reader.error(path, where, f'"{table}.{key}" must be one of {", ".join(kind)}')
        else:
            found[key] = value
    for key in TIMED_SETTINGS:
        if key in found and "time_limit_minutes" not in found:
            reader.error(
                path,
                reader.key_line(text, key, 1),
                f'"{table}.{key}" needs "{table}.time_limit_minutes": there is no time to extend',
            )
    return found


def _check_draw(reader: _Reader, path: Path, settings: dict, quiz: QuizSource | None) -> None:
    """A quiz cannot draw more questions than its file (or one of its categories) holds."""
    draw, by_category = settings.get("draw"), settings.get("draw_by_category")
    if not (draw or by_category) or quiz is None:
        return
    text = reader.texts.get(reader.rel(path), "")
    if draw and by_category:
        reader.error(
            path,
            reader.key_line(text, "draw_by_category"),
            "use draw or draw_by_category, not both",
        )
        return
    try:
        groups = questions_by_category(quiz.text)
    except GiftError:
        return  # reported on the quiz file itself
    if draw:
        count = sum(len(questions) for questions in groups.values())
        if draw > count:
            reader.error(
                path,
                reader.key_line(text, "draw"),
                f"draw = {draw}, but the quiz has only {count} question(s)",
            )
        return
    line = reader.key_line(text, "draw_by_category")
    for category, wanted in by_category.items():
        available = len(groups.get(category, []))
        if category not in groups:
            known = ", ".join(f'"{c}"' for c in groups if c) or "none"
            reader.error(
                path,
                line,
                f'draw_by_category: the quiz has no category "{category}" '
                f"(its $CATEGORY lines: {known})",
            )
        elif wanted > available:
            reader.error(
                path,
                line,
                f'draw_by_category: "{category}" = {wanted}, but that category has only '
                f"{available} question(s)",
            )


def _read_quiz(reader: _Reader, path: Path) -> QuizSource | None:
    text = reader.read_text(path)
    if text is None:
        return None
    meaningful = [ln for ln in text.split("\n") if ln.strip() and not ln.lstrip().startswith("//")]
    if not meaningful:
        reader.error(path, 1, "the quiz file has no question")
        return None
    # The quiz engine's GIFT parser plugs in here (check_gift) once it exists.
    for problem_line, message in check_gift(text):
        reader.error(path, problem_line, message)
    return QuizSource(path.name, text)


def check_gift(text: str) -> list[tuple[int, str]]:
    """Problems in a GIFT file, as (line, message), from the quiz engine's parser."""
    if "\x00" in text:
        return [(text.count("\n", 0, text.index("\x00")) + 1, "a NUL character (byte 0)")]
    try:
        questions = parse(text)
    except GiftError as exc:
        return [(exc.line, exc.message)]
    if not any(q.get("qtype") not in ("category", "description") for q in questions):
        return [(1, "the quiz has no question to answer")]
    return []


def _numbered(reader: _Reader, entries: list[Path], kind: str) -> list[tuple[int, str, Path]]:
    found, seen = [], {}
    for entry in entries:
        stem = entry.name if entry.is_dir() else entry.stem
        match = NUMBERED.match(stem)
        if not match:
            reader.error(
                entry, 1, f'{kind} names must look like "01-some-slug"; got "{entry.name}"'
            )
            continue
        number = int(match.group(1))
        if number in seen:
            reader.error(
                entry, 1, f"{kind} number {number} is used twice ({seen[number]} and {entry.name})"
            )
            continue
        seen[number] = entry.name
        found.append((number, match.group(2), entry))
    return sorted(found, key=lambda item: item[0])


def _read_module(reader: _Reader, folder: Path, position: int, slug: str) -> ModuleSource | None:
    data = reader.read_toml(folder / "module.toml")
    title = None
    if data is not None:
        text = reader.texts.get(reader.rel(folder / "module.toml"), "")
        for key in sorted(set(data) - {"title", "quiz"}):
            reader.error(folder / "module.toml", reader.key_line(text, key), f'unknown key "{key}"')
        title = _check_string(reader, folder / "module.toml", text, data, "title")
    module = ModuleSource(position, slug, folder.name, title or "")
    if data is not None and "quiz" in data:
        module.quiz_settings = _read_quiz_settings(reader, folder / "module.toml", data, "quiz")
        if not (folder / "quiz.gift").is_file():
            reader.error(
                folder / "module.toml",
                reader.key_line(text, "[quiz]"),
                "[quiz] settings but no quiz.gift",
            )
    lesson_files = []
    for entry in reader.entries(folder):
        if entry.name in {"module.toml"}:
            continue
        if entry.name == "quiz.gift" and entry.is_file():
            module.quiz = _read_quiz(reader, entry)
        elif entry.is_file() and entry.suffix == ".md":
            lesson_files.append(entry)
        else:
            reader.error(
                entry,
                1,
                f'unexpected {"folder" if entry.is_dir() else "file"} "{entry.name}" in a module',
            )
    for number, lesson_slug, path in _numbered(reader, lesson_files, "lesson"):
        lesson = _read_lesson(reader, path, number, lesson_slug)
        if lesson is not None:
            module.lessons.append(lesson)
    if not lesson_files:
        reader.error(folder, 1, "the module has no lesson")
    _check_draw(reader, folder / "module.toml", module.quiz_settings, module.quiz)
    return module if title else None


def _read_edition(reader: _Reader, folder: Path, language: str) -> EditionSource | None:
    data = reader.read_toml(folder / "edition.toml")
    title = summary = None
    if data is not None:
        text = reader.texts.get(reader.rel(folder / "edition.toml"), "")
        for key in sorted(set(data) - {"title", "summary", "final"}):
            reader.error(
                folder / "edition.toml", reader.key_line(text, key), f'unknown key "{key}"'
            )
        title = _check_string(reader, folder / "edition.toml", text, data, "title")
        summary = _check_string(reader, folder / "edition.toml", text, data, "summary")
    edition = EditionSource(language, (title or "").strip(), (summary or "").strip())
    if data is not None and "final" in data:
        edition.final_settings = _read_quiz_settings(reader, folder / "edition.toml", data, "final")
        if not (folder / "final.gift").is_file():
            reader.error(folder / "edition.toml", 1, "[final] settings but no final.gift")
    module_dirs = []
    for entry in reader.entries(folder):
        if entry.name == "edition.toml":
            continue
        if entry.name == "final.gift" and entry.is_file():
            edition.final = _read_quiz(reader, entry)
        elif entry.is_dir():
            module_dirs.append(entry)
        else:
            reader.error(entry, 1, f'unexpected file "{entry.name}" in a language folder')
    for number, slug, path in _numbered(reader, module_dirs, "module"):
        module = _read_module(reader, path, number, slug)
        if module is not None:
            edition.modules.append(module)
    if not module_dirs:
        reader.error(folder, 1, "the edition has no module")
    _check_draw(reader, folder / "edition.toml", edition.final_settings, edition.final)
    return edition if title and summary else None


def _read_media(reader: _Reader, folder: Path, media: dict[str, bytes]) -> None:
    for entry in reader.entries(folder):
        if entry.is_dir():
            _read_media(reader, entry, media)
            continue
        if entry.suffix.lower() not in MEDIA_TYPES:
            reader.error(
                entry, 1, f'file type "{entry.suffix or entry.name}" is not allowed in media/'
            )
            continue
        data = entry.read_bytes()
        if len(data) > MAX_MEDIA_BYTES:
            reader.error(entry, 1, f"file is larger than {MAX_MEDIA_BYTES // (1024 * 1024)} MB")
            continue
        media[reader.rel(entry)] = data


def read_slug(path: Path) -> tuple[object, list[Problem]]:
    """The slug course.toml declares, as written, before the package is read (its folder
    must carry that name); problems are located relative to the package folder."""
    reader = _Reader(path, "")
    data = reader.read_toml(path / "course.toml")
    return (None, reader.problems) if data is None else (data.get("slug"), [])


def read_package(path: Path, shown_as: str | None = None) -> tuple[Package | None, list[Problem]]:
    """Read and check one course folder; the package is None when there is any problem."""
    reader = _Reader(path, shown_as or str(path))
    if path.is_symlink():
        reader.error("", 1, "symbolic links are not allowed in a package")
        return None, reader.problems
    if not path.is_dir():
        reader.error("", 1, "not a folder")
        return None, reader.problems
    slug = path.name
    if not SLUG.match(slug):
        reader.error("", 1, f'the folder name "{slug}" is not a valid course slug')
    meta = None
    editions: dict[str, EditionSource] = {}
    media: dict[str, bytes] = {}
    for entry in reader.entries(path):
        if entry.name == "course.toml":
            meta = _read_course_toml(reader, slug)
        elif entry.name == "media" and entry.is_dir():
            _read_media(reader, entry, media)
        elif entry.is_dir() and entry.name in LANGUAGES:
            edition = _read_edition(reader, entry, entry.name)
            if edition is not None:
                editions[entry.name] = edition
        elif entry.is_dir():
            reader.error(
                entry, 1, f'unknown language "{entry.name}"; use one of {", ".join(LANGUAGES)}'
            )
        else:
            reader.error(entry, 1, f'unexpected file "{entry.name}" at the top of the package')
    if not (path / "course.toml").exists() and not (path / "course.toml").is_symlink():
        reader.error("course.toml", 1, "file missing")
    if not any((path / lang).is_dir() for lang in LANGUAGES):
        reader.error("", 1, "the package has no language folder (es, pt_BR, fr or en)")
    if meta is not None and not reader.problems:
        package = Package(slug, meta, editions, media)
        _check_links(reader, package)
        if not reader.problems:
            return package, []
    return None, sorted(set(reader.problems))


def _line_of(text: str, url: str, offset: int) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if url in line:
            return number
    return offset


def _check_links(reader: _Reader, package: Package) -> None:
    lesson_paths = {
        f"{lang}/{m.dirname}/{les.filename}"
        for lang, e in package.editions.items()
        for m in e.modules
        for les in m.lessons
    }
    for lang, edition in package.editions.items():
        for module in edition.modules:
            for lesson in module.lessons:
                rel = f"{lang}/{module.dirname}/{lesson.filename}"
                text = reader.texts.get(rel, "")
                for kind, url in markup.links(lesson.body):
                    target = resolve(rel, url)
                    line = _line_of(text, url, 1)
                    if isinstance(target, str):
                        reader.error(rel, line, target)
                    elif kind == "image" and target.kind != "media":
                        reader.error(rel, line, f"images must be files of the package: {url}")
                    elif (
                        kind == "image"
                        and PurePosixPath(target.path).suffix.lower() not in IMAGE_SUFFIXES
                    ):
                        reader.error(rel, line, f"not an image file: {url}")
                    elif target.kind == "lesson" and target.path not in lesson_paths:
                        reader.error(rel, line, f"broken link: no lesson at {url}")
                    elif target.kind == "lesson" and not target.path.startswith(f"{lang}/"):
                        reader.error(rel, line, f"links must stay within the same language: {url}")
                    elif target.kind == "media" and target.path not in package.media:
                        reader.error(rel, line, f"broken link: no file at {url}")

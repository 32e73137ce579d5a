"""The package reader and checker: no database, no app."""

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.catalog.package import (
    Package,
    edition_source,
    read_package,
    render_lesson,
    resolve,
    write_package,
)

HERE = Path(__file__).parent / "packages"
BROKEN = sorted(p for p in (HERE / "broken").iterdir() if p.is_dir())


def test_the_valid_package_reads_cleanly():
    package, problems = read_package(HERE / "valid" / "tiny", "tiny")
    assert problems == []
    edition = package.editions["es"]
    assert edition.title == "Curso mínimo"
    assert [m.dirname for m in edition.modules] == ["01-start"]
    assert [(les.position, les.slug, les.minutes) for les in edition.modules[0].lessons] == [
        (1, "first", 5),
        (2, "second", 7),
    ]
    assert edition.modules[0].quiz.text.startswith("::Q1::")
    assert edition.final is not None
    assert list(package.media) == ["media/dot.png"]
    assert package.meta["certificate_validity_months"] is None


def test_the_corpus_is_large_enough():
    assert len(BROKEN) >= 25


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_package_is_refused_with_its_location(case):
    expected = (case / "EXPECTED").read_text(encoding="utf-8").strip()
    package, problems = read_package(case / "tiny", "tiny")
    assert package is None
    assert any(str(p).startswith(expected) for p in problems), [str(p) for p in problems]


def test_symbolic_links_are_refused(tmp_path):
    pkg = shutil.copytree(HERE / "valid" / "tiny", tmp_path / "tiny")
    os.symlink("/etc/passwd", pkg / "media" / "passwd.png")
    package, problems = read_package(pkg, "tiny")
    assert package is None
    assert "tiny/media/passwd.png:1: symbolic links are not allowed in a package" in map(
        str, problems
    )


def test_a_symlinked_package_folder_is_refused(tmp_path):
    os.symlink(HERE / "valid" / "tiny", tmp_path / "tiny")
    package, problems = read_package(tmp_path / "tiny", "tiny")
    assert package is None
    assert str(problems[0]) == "tiny:1: symbolic links are not allowed in a package"


def test_crlf_and_bom_are_read(tmp_path):
    pkg = shutil.copytree(HERE / "valid" / "tiny", tmp_path / "tiny")
    lesson = pkg / "es/01-start/02-second.md"
    lesson.write_bytes(b"\xef\xbb\xbf" + lesson.read_bytes().replace(b"\n", b"\r\n"))
    package, problems = read_package(pkg, "tiny")
    assert problems == []
    assert package.editions["es"].modules[0].lessons[1].title == "Segunda lección"


def test_write_then_read_gives_the_same_content(tmp_path):
    package, _ = read_package(HERE / "valid" / "tiny", "tiny")
    written = write_package(package, tmp_path)
    again, problems = read_package(written, "tiny")
    assert problems == []
    assert again.canonical() == package.canonical()
    assert again.content_hash() == package.content_hash()


@pytest.mark.parametrize(
    ("url", "kind", "path"),
    [
        ("02-x.md", "lesson", "es/01-a/02-x.md"),
        ("../02-b/01-y.md", "lesson", "es/02-b/01-y.md"),
        ("../../media/a%20b.png", "media", "media/a b.png"),
        ("https://example.org/", "external", "https://example.org/"),
        ("#top", "external", "#top"),
    ],
)
def test_resolve(url, kind, path):
    target = resolve("es/01-a/01-x.md", url)
    assert (target.kind, target.path) == (kind, path)


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>Hola",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        '<img src="x.png" onerror="alert(1)">',
        '<p onclick="alert(1)" style="color:red">x</p>',
        '<iframe src="https://evil.example"></iframe>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_dangerous_html_is_rendered_harmless(body):
    html = render_lesson(body, "es/01-a/01-x.md", lambda target: "/rewritten")
    lowered = html.lower()
    for bad in (
        "<script",
        'href="javascript',
        "onerror=",
        "onclick=",
        "style=",
        "<iframe",
        'href="data',
    ):
        assert bad not in lowered, html


def test_render_rewrites_package_links_and_keeps_tables():
    body = "[next](02-y.md) ![alt](../../media/a.png)\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n"
    html = render_lesson(body, "es/01-a/01-x.md", lambda t: f"/go/{t.kind}/{t.path}")
    assert 'href="/go/lesson/es/01-a/02-y.md"' in html
    assert 'src="/go/media/media/a.png"' in html
    assert 'loading="lazy"' in html
    assert "<table>" in html
    assert 'rel="noopener noreferrer"' in html


def test_stored_content_of_any_shape_builds_the_package_it_came_from(tmp_path):
    """edition_source reads rows by their attributes only (a version's or a draft's): rows
    holding a read package's content give back the same package."""
    package, _ = read_package(HERE / "valid" / "tiny", "tiny")
    rows = [
        SimpleNamespace(
            language=lang,
            title=e.title,
            summary=e.summary,
            final_quiz=e.final.text if e.final else None,
            final_settings=e.final_settings,
            modules=[
                SimpleNamespace(
                    position=m.position,
                    slug=m.slug,
                    dirname=m.dirname,
                    title=m.title,
                    quiz=m.quiz.text if m.quiz else None,
                    quiz_settings=m.quiz_settings or None,
                    lessons=[
                        SimpleNamespace(**{**vars(les), "body_md": les.body}) for les in m.lessons
                    ],
                )
                for m in e.modules
            ],
        )
        for lang, e in package.editions.items()
    ]
    rebuilt = Package(
        package.slug, package.meta, {r.language: edition_source(r) for r in rows}, package.media
    )
    assert rebuilt.content_hash() == package.content_hash()
    again, problems = read_package(write_package(rebuilt, tmp_path), "tiny")
    assert problems == []
    assert again.content_hash() == package.content_hash()

"""Authoring in the browser: drafts, lessons, question banks, media, review, publication,
version history, comparison, rollback, and two people saving the same thing."""

import io
import re
import threading

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEntry
from app.authoring import banks, publish
from app.authoring.models import CourseAuthor, Draft, DraftLesson, DraftModule
from app.catalog import services
from app.catalog.models import Course, CourseVersion, Lesson, MediaFile
from app.extensions import db
from app.learning.models import Enrolment
from app.quizzes.models import QuizAttempt
from tests.conftest import csrf_token_for

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
FIVE_QUESTIONS = """::q1:: La red AL-LAs reúne {=ciudades ~empresas ~bancos}

::q2:: La acción internacional local es política pública {T}

::q3:: Nombre del programa de la red {=AL-LAs =ALLAS}

::q4:: ¿Cuántas ciudades fundaron la red? {#4:0}

::q5:: Relacione {=Lima -> Perú =Quito -> Ecuador =París -> Francia}
"""


def _new_course(client, slug="ciudad-abierta", **extra):
    data = {
        "slug": slug,
        "language": "es",
        "title": "Ciudad abierta",
        "summary": "Cómo una ciudad actúa en el mundo.",
        "hours": "3",
        "pass_mark": "60",
        "booklet_title": "La ciudad en el mundo",
        "booklet_reference": "AL-LAs, Cuaderno 1, 2014",
        **extra,
    }
    return client.submit("/author/new", data)


def _course(slug="ciudad-abierta") -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def _draft(slug="ciudad-abierta") -> Draft:
    return db.session.get(Draft, _course(slug).id)


def _build_course(client, lessons=("Primera lección", "Segunda lección")):
    """A Spanish course with one module, the given lessons and a five-question quiz."""
    assert _new_course(client).status_code == 302
    draft = _draft()
    edition = draft.editions[0]
    client.submit(
        f"/author/ciudad-abierta/draft/editions/{edition.id}/modules",
        {"module-title": "Fundamentos"},
    )
    module = db.session.scalar(select(DraftModule))
    for title in lessons:
        client.submit(
            f"/author/ciudad-abierta/draft/modules/{module.id}/lessons", {"lesson-title": title}
        )
    for lesson in db.session.scalars(select(DraftLesson).order_by(DraftLesson.position)):
        response = client.submit(
            f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
            {
                "revision": lesson.revision,
                "title": lesson.title,
                "minutes": "12",
                "body": f"# {lesson.title}\n\nTexto de {lesson.title}.\n",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}",
        {
            "revision": module.revision,
            "gift": FIVE_QUESTIONS,
            "grading": "highest",
            "feedback": "after_attempt",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return module


def _publish(client, note="Primera publicación", slug="ciudad-abierta"):
    return client.submit(f"/author/{slug}/draft/publish", {"note": note})


def test_trainer_creates_a_course_and_publishes_it(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    page = client.get("/author/ciudad-abierta/draft").get_data(as_text=True)
    assert "Primera lección" in page and "Segunda lección" in page
    response = _publish(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    course = _course()
    version = course.current_version
    assert (version.number, version.note, version.published_by_id) == (
        1,
        "Primera publicación",
        world.trainer,
    )
    assert [les.title for les in db.session.scalars(select(Lesson).order_by(Lesson.position))] == [
        "Primera lección",
        "Segunda lección",
    ]
    module_row = version.editions[0].modules[0]
    assert module_row.quiz.count("::q") == 5 and module_row.dirname == "01-fundamentos"
    assert module.id  # the draft stays as the working copy for the next version
    assert _draft().based_on_id == version.id
    # The author is the owner; every step is in the audit log.
    assert db.session.get(CourseAuthor, (course.id, world.trainer)).role == "owner"
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"course.create", "draft.module_add", "draft.lesson_save", "course.publish"} <= actions
    # Officials see it in the catalogue.
    client.logout()
    client.login(world.official_cdmx_email)
    assert "Ciudad abierta" in client.get("/courses").get_data(as_text=True)


def test_publishing_runs_the_package_checks_and_changes_nothing_on_problems(client, world):
    client.login(world.trainer_email)
    assert _new_course(client).status_code == 302
    # No module yet: the package checker refuses the draft, naming the file.
    response = _publish(client)
    assert response.status_code == 400
    assert "ciudad-abierta/es" in response.get_data(as_text=True)
    assert _course().current_version is None
    assert db.session.scalar(select(func.count()).select_from(CourseVersion)) == 0


def test_new_course_refuses_a_bad_or_taken_identifier(client, world, tiny):
    client.login(world.trainer_email)
    assert _new_course(client, slug="Mal Nombre").status_code == 400
    response = _new_course(client, slug="tiny")
    assert response.status_code == 400
    assert "Ya existe un curso con este identificador" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 1


def test_second_version_keeps_earlier_attempts_as_asked(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    assert _publish(client).status_code == 302
    v1 = _course().current_version
    # The official takes the quiz on version 1.
    client.logout()
    client.login(world.official_cdmx_email)
    assert client.submit("/courses/ciudad-abierta/enrol", {"language": "es"}).status_code == 302
    quiz_module = v1.editions[0].modules[0]
    client.submit(f"/courses/ciudad-abierta/modules/{quiz_module.id}/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt))
    client.submit(f"/courses/ciudad-abierta/attempts/{attempt.id}/submit", {"confirmed": "1"})
    # The trainer rewrites question 1 and publishes version 2.
    client.logout()
    client.login(world.trainer_email)
    module = db.session.get(DraftModule, module.id)
    text = module.quiz.replace("La red AL-LAs reúne", "La red AL-LAs agrupa")
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}",
        {
            "revision": module.revision,
            "gift": text,
            "grading": "highest",
            "feedback": "after_attempt",
        },
    )
    assert response.status_code == 302
    assert _publish(client, "Pregunta 1 reescrita").status_code == 302
    assert _course().current_version.number == 2
    # The official stays on version 1; the attempt shows the question as it was asked.
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.version_id == v1.id
    client.logout()
    client.login(world.official_cdmx_email)
    page = client.get(f"/courses/ciudad-abierta/attempts/{attempt.id}").get_data(as_text=True)
    assert "La red AL-LAs reúne" in page and "agrupa" not in page


def test_two_trainers_saving_the_same_lesson(client, app, world, make_user):
    """The second save is refused with both texts shown; nothing is lost or overwritten."""
    client.login(world.trainer_email)
    _build_course(client, lessons=("Única",))
    lesson = db.session.scalar(select(DraftLesson))
    revision = lesson.revision
    other = make_user(
        world.network, Role.TRAINER, email="coautora@test.example", name="Clara Coautora"
    )
    db.session.add(CourseAuthor(course_id=_course().id, user_id=other.id, role="coauthor"))
    db.session.commit()
    second = app.test_client()
    second.login("coautora@test.example")

    def save(c, body):
        return c.submit(
            f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
            {"revision": revision, "title": "Única", "minutes": "5", "body": body},
        )

    assert save(client, "Texto de Tomás.").status_code == 302
    response = save(second, "Texto de Clara.")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Texto de Tomás." in page and "Texto de Clara." in page
    assert db.session.get(DraftLesson, lesson.id).body_md == "Texto de Tomás."
    # Saving again from the page (it carries the new revision) works.
    new_revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page).group(1)
    response = second.submit(
        f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
        {"revision": new_revision, "title": "Única", "minutes": "5", "body": "Los dos textos."},
    )
    assert response.status_code == 302
    assert db.session.get(DraftLesson, lesson.id).body_md == "Los dos textos."


def test_preview_renders_with_the_site_sanitiser_and_saves_nothing(client, world):
    client.login(world.trainer_email)
    _build_course(client, lessons=("Única",))
    lesson = db.session.scalar(select(DraftLesson))
    before = lesson.body_md
    body = '# Título\n\n<script>alert(1)</script>\n\n**negrita** <a href="javascript:x()">x</a>'
    response = client.submit(
        f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
        {
            "revision": lesson.revision,
            "title": "Única",
            "minutes": "5",
            "body": body,
            "preview": "Vista previa",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = page.split('id="preview-body">', 1)[1].split("</div>", 1)[0]
    assert "<strong>negrita</strong>" in preview
    assert "<script>" not in preview and "javascript:" not in preview
    assert db.session.get(DraftLesson, lesson.id).body_md == before
    # The fragment used by the live-preview script is the same rendering.
    fragment = client.submit(
        f"/author/ciudad-abierta/draft/lessons/{lesson.id}/preview", {"body": body}
    ).get_data(as_text=True)
    assert "<strong>negrita</strong>" in fragment and "<script>" not in fragment


def test_gift_paste_with_errors_names_the_line_and_saves_nothing(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    module = db.session.get(DraftModule, module.id)
    before = module.quiz
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}",
        {
            "revision": module.revision,
            "gift": "::a:: Bien {T}\n\n::b:: Mal {=uno ~dos",
            "grading": "highest",
            "feedback": "after_attempt",
        },
    )
    assert response.status_code == 400
    assert "Línea 3" in response.get_data(as_text=True)
    assert db.session.get(DraftModule, module.id).quiz == before


def test_questions_through_the_form_every_type(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    url = f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/new"

    def rows(*items):
        data = {}
        for i, item in enumerate(items):
            for key, value in item.items():
                data[f"answers-{i}-{key}"] = value
        return data

    cases = [
        {
            "qtype": "multichoice",
            "questiontext": "¿Capital de Perú?",
            "category": "geo",
            **rows({"text": "Lima", "percent": "100", "feedback": "Sí"}, {"text": "Cusco"}),
        },
        {
            "qtype": "multichoice",
            "questiontext": "Ciudades andinas",
            **rows(
                {"text": "Quito", "percent": "50"},
                {"text": "La Paz", "percent": "50"},
                {"text": "París", "percent": "-100"},
            ),
        },
        {
            "qtype": "truefalse",
            "questiontext": "Lima está en Perú",
            "correct": "true",
            "feedback_right": "Bien",
            "feedback_wrong": "No",
        },
        {"qtype": "shortanswer", "questiontext": "Sigla de la red", **rows({"text": "AL-LAs"})},
        {"qtype": "numerical", "questiontext": "Pi", **rows({"text": "3,14", "tolerance": "0.01"})},
        {
            "qtype": "match",
            "questiontext": "Relacione",
            **rows({"text": "Lima", "match": "Perú"}, {"text": "Quito", "match": "Ecuador"}),
        },
        {"qtype": "essay", "questiontext": "Describa su ciudad"},
        {"qtype": "description", "questiontext": "Lea con atención."},
    ]
    for case in cases:
        response = client.submit(url, {"correct": "true", **case})
        assert response.status_code == 302, (case, response.get_data(as_text=True))
    items = banks.bank_questions(banks.find_bank(_draft(), f"m{module.id}"))
    added = [q for q in items[5:] if q["qtype"] != "category"]
    assert [q["qtype"] for q in added] == [c["qtype"] for c in cases]
    assert added[1]["single"] == 0 and added[0]["single"] == 1
    assert added[4]["answers"][0]["answer"] == pytest.approx(3.14)
    assert any(q.get("category") == "geo" for q in items if q["qtype"] == "category")
    # A bad form says what is wrong and changes nothing.
    before = db.session.get(DraftModule, module.id).quiz
    response = client.submit(
        url,
        {
            "qtype": "multichoice",
            "questiontext": "x",
            "correct": "true",
            **rows({"text": "solo una", "percent": "100"}),
        },
    )
    assert response.status_code == 400
    assert "al menos dos respuestas" in response.get_data(as_text=True)
    assert db.session.get(DraftModule, module.id).quiz == before


def test_editing_a_question_keeps_the_rest_of_the_bank_verbatim(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    url = f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/1"
    page = client.get(url).get_data(as_text=True)
    assert "La acción internacional local es política pública" in page
    response = client.submit(
        url,
        {
            "qtype": "truefalse",
            "name": "q2",
            "correct": "false",
            "questiontext": "La acción internacional es solo diplomacia",
        },
    )
    assert response.status_code == 302
    text = db.session.get(DraftModule, module.id).quiz
    assert "::q1:: La red AL-LAs reúne {=ciudades ~empresas ~bancos}" in text
    assert "solo diplomacia" in text and "política pública" not in text
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/0/delete"
    )
    assert response.status_code == 302
    assert "::q1::" not in db.session.get(DraftModule, module.id).quiz


def test_try_the_quiz_records_nothing(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    page = client.get(f"/author/ciudad-abierta/draft/quizzes/m{module.id}/try").get_data(
        as_text=True
    )
    seed = re.search(r'name="seed" value="(\d+)"', page).group(1)
    assert "fraction" not in page
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}/try",
        {"seed": seed, "q1": "true", "q2": "al-las", "q3": "4"},
    )
    assert response.status_code == 200
    assert "Puntuación" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0


def test_media_upload_checks_type_content_and_size(client, world):
    client.login(world.trainer_email)
    _build_course(client, lessons=("Única",))

    def upload(name, data):
        return client.submit(
            "/author/ciudad-abierta/draft/media",
            {"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
            follow_redirects=True,
        ).get_data(as_text=True)

    assert "no se acepta" in upload("virus.exe", b"MZ....")
    assert "no corresponde" in upload("foto.png", b"<html>not a png</html>")
    assert "no corresponde" in upload("mapa.svg.png", b"<svg onload=alert(1)>")
    assert "no se acepta" in upload("dibujo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert "más de 5 MB" in upload("grande.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))
    assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 0
    assert "media/mapa-de-lima.png" in upload("Mapa de Lima.png", PNG)
    # The lesson can show it; the published version carries it; it is served with nosniff.
    lesson = db.session.scalar(select(DraftLesson))
    body = "# Única\n\n![Mapa](../../media/mapa-de-lima.png)\n"
    client.submit(
        f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
        {"revision": lesson.revision, "title": "Única", "minutes": "5", "body": body},
    )
    assert _publish(client).status_code == 302
    html = db.session.scalar(select(Lesson.body_html))
    src = re.search(r'src="(/media/[0-9a-f]{64}/mapa-de-lima.png)"', html).group(1)
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_structure_reorder_rename_delete_and_a_second_language(client, world):
    client.login(world.trainer_email)
    module = _build_course(client, lessons=("A", "B", "C"))
    lessons = db.session.scalars(select(DraftLesson).order_by(DraftLesson.position)).all()
    client.submit(f"/author/ciudad-abierta/draft/lessons/{lessons[2].id}/move", {"step": "-1"})
    client.submit(f"/author/ciudad-abierta/draft/lessons/{lessons[0].id}/delete")
    titles = db.session.scalars(select(DraftLesson.title).order_by(DraftLesson.position)).all()
    assert titles == ["C", "B"]
    client.submit(
        f"/author/ciudad-abierta/draft/modules/{module.id}",
        {"revision": db.session.get(DraftModule, module.id).revision, "title": "Bases"},
    )
    response = client.submit(
        "/author/ciudad-abierta/draft/editions",
        {
            "language": "pt_BR",
            "title": "Cidade aberta",
            "summary": "Como uma cidade age.",
            "copy_from": "es",
        },
    )
    assert response.status_code == 302
    assert _publish(client).status_code == 302
    version = _course().current_version
    assert [e.language for e in version.editions] == ["es", "pt_BR"]
    assert [les.title for les in version.editions[1].modules[0].lessons] == ["C", "B"]
    assert version.editions[0].modules[0].title == "Bases"


def test_review_required_blocks_publication_until_approved(client, app, world, make_user):
    client.login(world.trainer_email)
    _build_course(client, lessons=("Única",))
    draft = _draft()
    client.submit(
        "/author/ciudad-abierta/draft/settings",
        {
            "revision": draft.revision,
            "hours": "3",
            "pass_mark": "60",
            "authors": "Tomás",
            "booklet_title": "La ciudad en el mundo",
            "booklet_reference": "AL-LAs 2014",
            "review_required": "y",
        },
    )
    assert _draft().review_required
    make_user(
        world.network, Role.TRAINER, email="revisor.formador@test.example", name="Raúl Revisor"
    )
    response = client.submit(
        "/author/ciudad-abierta/draft/reviewers", {"email": "revisor.formador@test.example"}
    )
    assert response.status_code == 302
    assert _publish(client).status_code == 302
    assert _course().current_version is None  # waiting for approval
    other = app.test_client()
    other.login("revisor.formador@test.example")
    lesson = db.session.scalar(select(DraftLesson))
    assert other.get(f"/author/ciudad-abierta/draft/lessons/{lesson.id}").status_code == 200
    # A reviewer comments and approves, but cannot edit or publish.
    other.submit(
        f"/author/ciudad-abierta/draft/lessons/{lesson.id}/comments",
        {"body": "Añadir una fuente."},
    )
    assert (
        other.submit(
            f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
            {"revision": lesson.revision, "title": "x", "minutes": "5", "body": "x"},
        ).status_code
        == 403
    )
    assert _publish(other).status_code == 403
    assert other.submit("/author/ciudad-abierta/draft/approve").status_code == 302
    page = client.get(f"/author/ciudad-abierta/draft/lessons/{lesson.id}").get_data(as_text=True)
    assert "Añadir una fuente." in page
    assert _publish(client).status_code == 302
    assert _course().current_version.number == 1


def test_history_compare_and_rollback(client, world):
    client.login(world.trainer_email)
    _build_course(client, lessons=("Única",))
    assert _publish(client, "Primera").status_code == 302
    lesson = db.session.scalar(select(DraftLesson))
    client.submit(
        f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
        {
            "revision": lesson.revision,
            "title": "Única",
            "minutes": "5",
            "body": "# Única\n\nTexto nuevo.\n",
        },
    )
    assert _publish(client, "Segunda").status_code == 302
    page = client.get("/author/ciudad-abierta").get_data(as_text=True)
    assert "Primera" in page and "Segunda" in page
    diff = client.get("/author/ciudad-abierta/compare?from=1&to=2").get_data(as_text=True)
    assert 'class="diff-removed"><span class="visually-hidden">' in diff
    assert "Texto nuevo." in diff and "Texto de Única." in diff
    response = client.submit("/author/ciudad-abierta/versions/1/restore")
    assert response.status_code == 302
    course = _course()
    assert course.current_version.number == 3
    assert course.current_version.content_hash == services.get_version(course, 1).content_hash
    assert _draft() is None  # the draft starts over from what is published
    assert client.get("/author/ciudad-abierta/compare?from=x&to=99").status_code == 200


def test_open_a_draft_of_an_imported_course_and_round_trip(client, world, tiny):
    """A draft opened from a version and published unchanged is the same content."""
    admin_client = client
    admin_client.login(world.admin_email)
    assert admin_client.get("/author/tiny/draft").status_code == 200
    assert admin_client.submit("/author/tiny/draft/open").status_code == 302
    package, problems = publish.to_package(_draft("tiny"))
    assert problems == []
    assert package.content_hash() == tiny.version.content_hash


def test_who_may_author(client, app, world, tiny, make_user):
    client.login(world.trainer_email)
    _build_course(client, lessons=("Única",))
    lesson = db.session.scalar(select(DraftLesson))
    urls = [
        "/author/ciudad-abierta/draft",
        f"/author/ciudad-abierta/draft/lessons/{lesson.id}",
        "/author/ciudad-abierta/draft/settings",
    ]
    for email in (world.official_cdmx_email, world.reviewer_cdmx_email, world.reviewer_bh_email):
        other = app.test_client()
        other.login(email)
        for url in urls + ["/author/new"]:
            assert other.get(url).status_code == 403, (email, url)
    # Another trainer, not an author of this course: as if it had no draft.
    make_user(world.network, Role.TRAINER, email="otra.formadora@test.example", name="Olga Otra")
    other = app.test_client()
    other.login("otra.formadora@test.example")
    for url in urls:
        assert other.get(url).status_code == 404, url
    assert other.submit("/author/ciudad-abierta/draft/publish", {"note": "x"}).status_code == 404
    # A lesson of another course's draft is not reachable through this one.
    client.submit("/author/tiny/draft/open")  # trainer is not an author of tiny
    assert db.session.get(Draft, _course("tiny").id) is None


def test_every_authoring_route_by_role(client, app, world, make_user):
    """Every drafts.* route in the URL map (so a new one is covered without listing it), for
    every method it takes, by role: anonymous goes to sign-in, people without the trainer
    role get 403, a trainer who is not an author gets 404 (the course's draft is not theirs
    to know of), the owner never gets 403, 404 or 500."""
    from flask import url_for

    client.login(world.trainer_email)
    module = _build_course(client, lessons=("Única",))
    assert _publish(client).status_code == 302
    draft = _draft()
    lesson = db.session.scalar(select(DraftLesson))
    values = {
        "slug": "ciudad-abierta",
        "edition_id": draft.editions[0].id,
        "module_id": module.id,
        "lesson_id": lesson.id,
        "row_id": module.id,
        "kind": "modules",
        "key": f"m{module.id}",
        "index": 0,
        "number": 1,
    }
    make_user(world.network, Role.TRAINER, email="otro.formador@test.example", name="Óscar Otro")
    requests = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("drafts."):
                url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    requests.append((rule.endpoint, method, url))
    assert len({r[0] for r in requests}) >= 25

    def call(c, method, url):
        return c.get(url) if method == "GET" else c.submit(url, {})

    roles = {
        "anonymous": None,
        "official": world.official_cdmx_email,
        "reviewer_cdmx": world.reviewer_cdmx_email,
        "reviewer_bh": world.reviewer_bh_email,
        "stranger": "otro.formador@test.example",
    }
    for role, email in roles.items():
        other = app.test_client()
        if email:
            other.login(email)
        for endpoint, method, url in requests:
            status = call(other, method, url).status_code
            if role == "anonymous":
                assert status == 302, (role, endpoint, method, status)
            elif role == "stranger" and endpoint != "drafts.new_course":
                assert status == 404, (role, endpoint, method, status)
            elif role != "stranger":
                assert status == 403, (role, endpoint, method, status)
    # Destructive routes last, so the owner's pass sees every object still there.
    last = ("drafts.delete_question", "drafts.delete", "drafts.discard", "drafts.restore")
    order = {endpoint: i + 1 for i, endpoint in enumerate(last)}
    for endpoint, method, url in sorted(requests, key=lambda r: order.get(r[0], 0)):
        status = call(client, method, url).status_code
        if endpoint == "drafts.approve":
            assert status == 403  # an owner is not a reviewer of their own draft
        else:
            assert status not in (403, 404, 500), (endpoint, method, status)


@pytest.mark.commits
def test_parallel_saves_of_one_lesson_keep_exactly_one(client, app, world):
    """Six saves of the same lesson from the same revision at the same moment: one is
    written, the others are told it changed (409) and write nothing."""
    client.login(world.trainer_email)
    _build_course(client, lessons=("Única",))
    lesson = db.session.scalar(select(DraftLesson))
    url, old = f"/author/ciudad-abierta/draft/lessons/{lesson.id}", lesson.revision
    cookie, token = client.get_cookie("session").value, csrf_token_for(client)
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def save(n: int) -> None:
        tab = app.test_client()
        tab.set_cookie("session", cookie)
        barrier.wait()
        response = tab.post(
            url,
            data={
                "csrf_token": token,
                "revision": old,
                "title": "Única",
                "minutes": "5",
                "body": f"Versión {n}.",
            },
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302] + [409] * 5
    db.session.expire_all()
    saved = db.session.get(DraftLesson, lesson.id)
    assert saved.revision == old + 1
    assert re.fullmatch(r"Versión [0-5]\.", saved.body_md)

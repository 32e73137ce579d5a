"""`flask demo`: migrate, load demonstration data (idempotently) and serve on 127.0.0.1:5000.

Only this command creates demo data; a production start never does.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import unicodedata
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash
from werkzeug.serving import run_simple

from app import outbox
from app.accounts import services
from app.accounts.models import Organisation, OrgKind, Role, User
from app.authoring.models import CourseAuthor
from app.catalog import package as pkg
from app.catalog import services as catalog
from app.catalog.models import Course, Lesson
from app.certificates.models import Certificate
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Enrolment, LessonProgress
from app.quizzes import services as quizzes

DEMO_PASSWORD = "aula-demo"  # noqa: S105 - printed to the operator as demo-only

#: Each member's real time zone; departments and people inherit it.
TIME_ZONES = {
    "alla": "America/Mexico_City",
    "cdmx": "America/Mexico_City",
    "minas-gerais": "America/Sao_Paulo",
    "belo-horizonte": "America/Sao_Paulo",
    "rio-de-janeiro": "America/Sao_Paulo",
    "lima": "America/Lima",
    "medellin": "America/Bogota",
    "montevideo": "America/Montevideo",
    "madrid": "Europe/Madrid",
    "paris": "Europe/Paris",
    "quito": "America/Guayaquil",
}

# (slug, name, kind, parent slug, locale, e-mail domain, departments)
ORGANISATIONS = [
    ("alla", "Red AL-LAs", OrgKind.NETWORK, None, "es", "alla", []),
    (
        "cdmx",
        "Ciudad de México",
        OrgKind.CITY,
        "alla",
        "es",
        "cdmx",
        [
            "Coordinación General de Asuntos Internacionales",
            "Secretaría de Administración y Finanzas",
            "Secretaría del Medio Ambiente",
            "Secretaría de Cultura",
        ],
    ),
    ("minas-gerais", "Minas Gerais", OrgKind.STATE, "alla", "pt_BR", "mg", []),
    (
        "belo-horizonte",
        "Belo Horizonte",
        OrgKind.CITY,
        "minas-gerais",
        "pt_BR",
        "pbh",
        [
            "Assessoria de Relações Internacionais",
            "Secretaria Municipal de Fazenda",
            "Secretaria Municipal de Educação",
        ],
    ),
    (
        "medellin",
        "Medellín",
        OrgKind.CITY,
        "alla",
        "es",
        "medellin",
        ["Agencia de Cooperación e Inversión", "Secretaría de Hacienda", "Secretaría de Educación"],
    ),
    (
        "montevideo",
        "Montevideo",
        OrgKind.CITY,
        "alla",
        "es",
        "montevideo",
        ["Relaciones Internacionales", "Desarrollo Económico", "Cultura"],
    ),
    (
        "madrid",
        "Madrid",
        OrgKind.CITY,
        "alla",
        "es",
        "madrid",
        ["Acción Internacional", "Hacienda", "Cultura, Turismo y Deporte"],
    ),
    (
        "paris",
        "Paris",
        OrgKind.CITY,
        "alla",
        "fr",
        "paris",
        ["Relations internationales", "Finances et achats", "Affaires culturelles"],
    ),
]

# Common given names and surnames of each country, for officials that look real.
NAMES = {
    "mx": (
        "María José Guadalupe Fernanda Ximena Alejandra Sofía Valeria Itzel Daniela "
        "José Luis Juan Carlos Alejandro Miguel Ángel Jesús Emiliano Santiago Rodrigo".split(),
        "Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz "
        "Flores Gómez Morales Vázquez Reyes Jiménez Torres Díaz Gutiérrez Mendoza".split(),
    ),
    "br": (
        "Ana Maria Juliana Fernanda Beatriz Larissa Camila Luíza Gabriela Patrícia "
        "João Pedro Lucas Gabriel Rafael Mateus Thiago Rodrigo Felipe Gonçalo".split(),
        "Silva Santos Oliveira Souza Lima Pereira Ferreira Costa Rodrigues Almeida "
        "Nascimento Carvalho Araújo Ribeiro Gonçalves Barbosa Rocha Dias Teixeira Moreira".split(),
    ),
    "co": (
        "Luisa Catalina Paola Andrea Natalia Carolina Manuela Juliana Adriana Mariana "
        "Andrés Felipe Julián Camilo Sebastián Esteban Mauricio Jorge Hernán Óscar".split(),
        "Restrepo Gómez Londoño Álvarez Uribe Zapata Ochoa Vélez Jaramillo Echeverri "
        "Cardona Giraldo Mejía Arango Correa Osorio Henao Posada Betancur Muñoz".split(),
    ),
    "uy": (
        "Florencia Lucía Victoria Agustina Micaela Camila Sofía Valentina Josefina Carolina "
        "Martín Facundo Nicolás Gonzalo Federico Santiago Matías Joaquín Bruno Rodrigo".split(),
        "Rodríguez González Fernández Silva Pereira Martínez Sosa Suárez Díaz Pérez "
        "Núñez Acosta Olivera Cabrera Ferreira Castro Méndez Techera Viera Correa".split(),
    ),
    "es": (
        "Lucía Carmen Elena Paula Marta Laura Cristina Pilar Beatriz Nuria "
        "Javier Pablo Sergio Álvaro Jorge Manuel Raúl Íñigo Alberto Fernando".split(),
        "García Fernández González Rodríguez López Martín Sánchez Pérez Gómez Ruiz "
        "Díaz Moreno Álvarez Muñoz Romero Alonso Navarro Torres Domínguez Gil".split(),
    ),
    "fr": (
        "Camille Léa Chloé Manon Inès Sarah Émilie Juliette Margaux Hélène "
        "Louis Hugo Théo Nicolas Julien Mathieu Antoine François Étienne Rémi".split(),
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau "
        "Simon Laurent Lefèbvre Michel Garcia David Bertrand Roux Fontaine Chevalier".split(),
    ),
}
COUNTRY = {
    "cdmx": "mx",
    "belo-horizonte": "br",
    "medellin": "co",
    "montevideo": "uy",
    "madrid": "es",
    "paris": "fr",
}
JOB_TITLES = {
    "es": ["Analista", "Coordinadora de proyectos", "Jefe de unidad", "Asesora", "Técnico"],
    "pt_BR": ["Analista", "Coordenadora de projetos", "Chefe de divisão", "Assessora", "Técnico"],
    "fr": ["Chargée de mission", "Chef de projet", "Attaché", "Conseillère", "Technicien"],
}
OFFICIALS_PER_CITY = 30

# e-mail, name, organisation slug (a department name picks a department of it), role, locale
ACCOUNTS = [
    ("admin@aula.example", "Administración AL-LAs", "alla", None, Role.ADMIN, "es"),
    ("trainer@aula.example", "Formadora AL-LAs", "alla", None, Role.TRAINER, "es"),
    (
        "reviewer.cdmx@aula.example",
        "Mariana Velasco Ortiz",
        "cdmx",
        "Coordinación General de Asuntos Internacionales",
        Role.REVIEWER,
        "es",
    ),
    (
        "reviewer.bh@aula.example",
        "Ricardo Mendes Drummond",
        "belo-horizonte",
        "Assessoria de Relações Internacionais",
        Role.REVIEWER,
        "pt_BR",
    ),
    (
        "official.cdmx@aula.example",
        "Guadalupe Hernández Ruiz",
        "cdmx",
        "Coordinación General de Asuntos Internacionales",
        Role.OFFICIAL,
        "es",
    ),
    (
        "official.bh@aula.example",
        "João Gonçalves Pereira",
        "belo-horizonte",
        "Secretaria Municipal de Fazenda",
        Role.OFFICIAL,
        "pt_BR",
    ),
]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def load_demo() -> dict[str, int]:
    """Create whatever demo organisations and accounts are missing; returns what was added."""
    added = {"organisations": 0, "users": 0}
    orgs: dict[str, Organisation] = {}
    for slug, name, kind, parent, _locale, _domain, departments in ORGANISATIONS:
        org = services.find_organisation(slug)
        if org is None:
            org = services.create_organisation(
                name, slug, kind, orgs.get(parent), TIME_ZONES.get(slug)
            )
            added["organisations"] += 1
        elif org.time_zone is None and slug in TIME_ZONES:
            # A demo loaded before organisations had time zones gets them now.
            services.update_organisation(
                org, org.name, org.slug, org.kind, org.parent, TIME_ZONES[slug]
            )
        orgs[slug] = org
        for dept_name in departments:
            if services.find_department(org, dept_name) is None:
                services.create_organisation(
                    dept_name, services.slug_for(f"{slug}-{dept_name}"), OrgKind.DEPARTMENT, org
                )
                added["organisations"] += 1

    # One hash for every demo account: they share a password, and scrypt is slow by design.
    password_hash = generate_password_hash(
        DEMO_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    existing = set(db.session.scalars(select(User.email).where(User.email.like("%aula.example"))))

    def add_user(email, name, org, locale, job_title=""):
        if email in existing:
            return db.session.scalar(select(User).where(User.email == email))
        user = User(
            email=email,
            name=name,
            organisation=org,
            locale=locale,
            job_title=job_title,
            password_hash=password_hash,
        )
        db.session.add(user)
        existing.add(email)
        added["users"] += 1
        return user

    for email, name, org_slug, dept, role, locale in ACCOUNTS:
        org = orgs[org_slug]
        unit = services.find_department(org, dept) if dept else org
        user = add_user(email, name, unit, locale)
        db.session.flush()
        if role is not Role.OFFICIAL:
            services.grant_role(user, role, org)

    for slug, _name, _kind, _parent, locale, domain, departments in ORGANISATIONS:
        if slug not in COUNTRY:
            continue
        given, surnames = NAMES[COUNTRY[slug]]
        rng = random.Random(slug)  # same people on every run
        depts = [services.find_department(orgs[slug], d) for d in departments]
        used: set[str] = set()
        while len(used) < OFFICIALS_PER_CITY:
            first, last1, last2 = rng.choice(given), rng.choice(surnames), rng.choice(surnames)
            if last1 == last2 or (first, last1) in used:
                continue
            used.add((first, last1))
            email = f"{_ascii(first)}.{_ascii(last1)}@{domain}.aula.example"
            add_user(
                email,
                f"{first} {last1} {last2}" if COUNTRY[slug] != "fr" else f"{first} {last1}",
                depts[len(used) % len(depts)],
                locale,
                rng.choice(JOB_TITLES[locale]),
            )
    db.session.flush()
    return added


def import_shipped_courses() -> list[str]:
    """Import (or leave unchanged) every course package in the repository's courses/ folder."""
    root = Path(__file__).resolve().parents[2] / "courses"
    lines = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        package, problems = pkg.read_package(folder, f"courses/{folder.name}")
        if package is None:
            lines += [str(p) for p in problems]
            continue
        outcome = catalog.import_package(package)
        _demo_trainer_owns(outcome.course)
        db.session.commit()
        state = f"version {outcome.version.number}" if outcome.created else "unchanged"
        lines.append(f"Course {package.slug}: {state}")
    return lines


def _demo_trainer_owns(course) -> None:
    """The demo trainer owns the shipped courses, so they can be edited in the browser."""
    trainer = db.session.scalar(select(User).where(User.email == "trainer@aula.example"))
    if trainer is not None and db.session.get(CourseAuthor, (course.id, trainer.id)) is None:
        db.session.add(CourseAuthor(course_id=course.id, user_id=trainer.id, role="owner"))


#: Demo officials who have finished the first course (so certificates exist to look at),
#: by city: the named official account plus a few colleagues.
FINISHED_PER_CITY = {"cdmx": 4, "belo-horizonte": 3, "medellin": 2, "madrid": 2}


def load_demo_progress(course_slug: str = "city-in-the-world") -> int:
    """Complete the first course for some demo officials, through the same completion
    function the pages use, so each gets the certificate a real completion gives.

    Quiz attempts are opened with the real service (question snapshot included) and
    recorded as passed. Idempotent: officials already enrolled on the course are skipped.
    Returns how many certificates were issued.
    """
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None or course.current_version is None:
        return 0
    people: list[User] = []
    named = db.session.scalar(select(User).where(User.email == "official.cdmx@aula.example"))
    if named is not None:
        people.append(named)
    for slug, count in FINISHED_PER_CITY.items():
        city = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if city is None:
            continue
        people += db.session.scalars(
            select(User)
            .join(Organisation, User.organisation_id == Organisation.id)
            .where(
                Organisation.path.startswith(city.path),
                User.email.notlike("%@aula.example"),  # the generated colleagues
                ~User.memberships.any(),
            )
            .order_by(User.id)
            .limit(count)
        ).all()
    before = db.session.scalar(select(func.count()).select_from(Certificate))
    for person in people:
        already = db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == person.id, Enrolment.course_id == course.id
            )
        )
        if already is not None:
            continue
        enrolment = learning.enrol(person, course, person.locale)
        lesson_ids = db.session.scalars(
            select(Lesson.id).where(Lesson.edition_id == enrolment.edition_id)
        ).all()
        db.session.add_all(
            LessonProgress(enrolment_id=enrolment.id, lesson_id=lid) for lid in lesson_ids
        )
        for ref in quizzes.quizzes_of(enrolment.edition):
            attempt = quizzes.start_attempt(enrolment.id, ref, course.current_version.pass_mark)
            attempt.submit(100.0, attempt.started_at)
        db.session.flush()
        learning.refresh_completion(enrolment)
    db.session.flush()
    issued = db.session.scalar(select(func.count()).select_from(Certificate)) - before
    return issued


def demo_base_url(host: str, port: int) -> str:
    """The address a browser on this machine uses to reach the demo server."""
    # "every interface" names compared with, never bound to.
    if host in ("0.0.0.0", "::", ""):  # noqa: S104  # nosec B104
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@click.command("demo")
@click.option("--serve/--no-serve", default=True, help="Serve after loading (default: serve).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo_command(serve: bool, host: str, port: int) -> None:
    """Apply migrations, load demo data and serve the platform for a try-out."""
    if current_app.config.get("BASE_URL_DEFAULTED"):
        # Certificates, their QR codes and e-mailed links point where the demo serves.
        current_app.config["BASE_URL"] = demo_base_url(host, port)
    upgrade()
    # E-mails go to the log (no MAIL_SERVER): make sure the log is shown, whatever the
    # migration's logging setup did (a no-op when it installed a handler already).
    logging.basicConfig(format="%(levelname)-5.5s [%(name)s] %(message)s")
    added = load_demo()
    db.session.commit()
    for line in import_shipped_courses():
        click.echo(line)
    issued = load_demo_progress()
    db.session.commit()
    click.echo(f"{issued} demo certificates issued.")
    click.echo(
        f"Demo data ready ({added['organisations']} organisations and "
        f"{added['users']} accounts added)."
    )
    click.secho(
        "WARNING: these accounts are for demonstration only; never load demo data in production.",
        fg="yellow",
        err=True,
    )
    click.echo(f"All demo accounts use the password: {DEMO_PASSWORD}")
    for email, _name, org, _dept, role, locale in ACCOUNTS:
        click.echo(f"  {email:32} {role.value:9} {org:15} {locale}")
    if serve:
        app = current_app._get_current_object()
        # What production runs as `flask outbox deliver --loop`: notices and invitations
        # sent again reach the log a few seconds after the change that wrote them.
        threading.Thread(target=deliver_outbox, args=(app, OUTBOX_INTERVAL), daemon=True).start()
        click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
        run_simple(host, port, app, threaded=True)


#: Seconds between two rounds of the demo's outbox worker.
OUTBOX_INTERVAL = 2.0


def deliver_outbox(app, interval: float) -> None:
    """The demo's outbox worker, in a thread beside the server, until the process ends."""
    while True:
        time.sleep(interval)
        with app.app_context():
            try:
                outbox.deliver()
            except Exception:  # a bad round is logged; the next one tries again
                logging.getLogger("aula.demo").exception("outbox delivery failed")
            finally:
                db.session.remove()

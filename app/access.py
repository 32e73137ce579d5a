"""Who may call each route: one table that the app enforces and docs/permissions.md prints.

Every endpoint in the URL map must have a rule here. The gate registered by `register` runs
before every view: it sends anonymous callers to sign in and refuses callers without the
rule's role (403), and it refuses any endpoint that has no rule at all, so a new route is
closed until someone decides who may use it, and no view repeats this check. Views then
make the object-level check the rule's scope names (is this person, certificate or course
within the caller's reach?) with named policy functions: app.accounts.policy for people and
organisations, the owning domain's policy module for its own objects (certificates,
assignments). tests/test_access_matrix.py checks both levels for every route, method and
role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import click
from flask import Flask, abort, current_app, request
from flask_login import current_user

from app.accounts import policy
from app.accounts.models import Role
from app.extensions import login_manager


class Who(Enum):
    """The least a caller must be for the view to run at all."""

    ANYONE = "anyone"
    #: Anyone holding the secret link (password reset, invitation); the token decides.
    LINK = "anyone with a valid link"
    SIGNED_IN = "signed in"
    TRAINER = "trainer"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    NETWORK_ADMIN = "network admin"


class Scope(Enum):
    """Which objects the view then lets the caller reach; outside it the answer is 403 or 404."""

    NONE = "no object of a city"
    SELF = "only the caller's own"
    HOLDER_OR_REVIEWER = "the holder's own, or a reviewer over the holder's organisation"
    REVIEWER_SUBTREE = "only in the caller's reviewer subtree"
    ADMIN_SUBTREE = "only in the caller's admin subtree"
    AUTHORS = "courses the caller authors (owners publish); network admins: all"
    NETWORK = "the whole network (trainers work across cities)"


@dataclass(frozen=True)
class Rule:
    who: Who
    scope: Scope = Scope.NONE


PUBLIC = Rule(Who.ANYONE)
LINK = Rule(Who.LINK)
SIGNED_IN = Rule(Who.SIGNED_IN)
OWN = Rule(Who.SIGNED_IN, Scope.SELF)
REVIEWER = Rule(Who.REVIEWER, Scope.REVIEWER_SUBTREE)
ADMIN = Rule(Who.ADMIN, Scope.ADMIN_SUBTREE)
AUTHOR = Rule(Who.TRAINER, Scope.AUTHORS)
TEACHER = Rule(Who.TRAINER, Scope.NETWORK)

#: Endpoint, or "blueprint.*" for every endpoint of a blueprint, to its rule.
RULES: dict[str, Rule] = {
    "static": PUBLIC,
    "main.index": PUBLIC,
    "main.healthz": PUBLIC,
    "main.set_language": PUBLIC,
    "help.index": PUBLIC,
    "help.show": PUBLIC,
    "help.accessibility": PUBLIC,
    # Accounts: signing in and out, and one's own profile.
    "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.forgot_password": PUBLIC,
    "accounts.reset_password": LINK,
    "accounts.accept_invitation": LINK,
    "accounts.profile": OWN,
    "accounts.change_password": OWN,
    "accounts.*": OWN,
    # A city's people, managed by its reviewers; the organisation tree by admins.
    "staff.*": REVIEWER,
    "staff.resend_invitation": REVIEWER,
    "staff.resend_invitations": REVIEWER,
    "people.*": REVIEWER,
    # More time on timed quizzes: a reviewer over the person's organisation, or an admin.
    "people.set_quiz_time": REVIEWER,
    "admin.*": ADMIN,
    # Data rights: one's own download; erasure by an admin over the person.
    "privacy.export_my_data": OWN,
    "privacy.erase_user": ADMIN,
    # The catalogue is public; taking a course needs an account.
    "catalog.list_courses": PUBLIC,
    "catalog.media": PUBLIC,
    "course.show_course": PUBLIC,
    "course.show_lesson": PUBLIC,
    "course.print_lesson": PUBLIC,
    "course.enrol": OWN,
    "course.withdraw": OWN,
    "course.mark_done": OWN,
    "learning.*": OWN,
    "quiz.*": OWN,
    # More time on one's own open timed attempt, when the quiz allows extensions.
    "quiz.extend": OWN,
    # Trainers: authoring is per course; quiz analysis and grading span the network.
    "author.*": AUTHOR,
    "drafts.*": AUTHOR,
    "teach.*": TEACHER,
    # Reviewers follow their own subtree; the network comparison is for network admins.
    "assignments.*": REVIEWER,
    "reports.*": REVIEWER,
    "reports.network": Rule(Who.NETWORK_ADMIN),
    # Certificates: holders see their own; anyone may verify one.
    "certificates.my_certificates": OWN,
    "certificates.set_privacy": OWN,
    "certificates.download_pdf": Rule(Who.SIGNED_IN, Scope.HOLDER_OR_REVIEWER),
    "certificates.manage": REVIEWER,
    "certificates.export_zip": REVIEWER,
    "certificates.revoke": REVIEWER,
    "certificates.verify": PUBLIC,
    "certificates.verify_code": PUBLIC,
    "certificates.credential_json": PUBLIC,
    "certificates.credential_jwt": PUBLIC,
    "certificates.verify_credential": PUBLIC,
    "certificates.issuer_profile": PUBLIC,
    "certificates.issuer_key": PUBLIC,
    "certificates.jwks": PUBLIC,
    "certificates.status_list": PUBLIC,
    # The audit log: reviewers and admins, for their subtree.
    "audit.*": REVIEWER,
}

_ROLE = {Who.TRAINER: Role.TRAINER, Who.REVIEWER: Role.REVIEWER, Who.ADMIN: Role.ADMIN}


def rule_for(endpoint: str) -> Rule | None:
    """The endpoint's own rule, else its blueprint's, else None."""
    if endpoint in RULES:
        return RULES[endpoint]
    return RULES.get(endpoint.split(".", 1)[0] + ".*") if "." in endpoint else None


def admits(user, rule: Rule) -> bool:
    """True when the caller is enough of what the rule asks for the view to run."""
    if rule.who in {Who.ANYONE, Who.LINK}:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if rule.who is Who.SIGNED_IN:
        return True
    if rule.who is Who.NETWORK_ADMIN:
        return policy.is_network_admin(user)
    return policy.has_role(user, _ROLE[rule.who])


def unruled(app: Flask) -> list[str]:
    """Endpoints of the app that have no rule (the matrix test requires none)."""
    return sorted(e for e in app.view_functions if rule_for(e) is None)


def register(app: Flask) -> None:
    @app.before_request
    def gate():
        # Unrouted requests (404, 405) have no endpoint; the router answers them.
        if request.endpoint is None:
            return None
        rule = rule_for(request.endpoint)
        if rule is None:
            abort(403)
        if admits(current_user, rule):
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(403)


def table(app: Flask) -> str:
    """The rules as a Markdown table, one row per route, in URL order."""
    lines = [
        "| URL | methods | endpoint | who may call it | which objects |",
        "|---|---|---|---|---|",
    ]
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        rule = rule_for(url_rule.endpoint)
        methods = ", ".join(sorted(url_rule.methods - {"HEAD", "OPTIONS"}))
        who = rule.who.value if rule else "nobody (no rule)"
        scope = rule.scope.value if rule else ""
        lines.append(f"| `{url_rule.rule}` | {methods} | `{url_rule.endpoint}` | {who} | {scope} |")
    return "\n".join(lines) + "\n"


INTRO = """# Permissions

Who may call each route of Aula. This file is generated from `app/access.py`, the table the
app enforces before every view; regenerate it with
`python3 -m flask --app app permissions docs` after adding or changing a route
(`tests/test_access_matrix.py` fails while it is out of date).

Two levels decide every request:

1. **Who may call it** is checked before the view runs. Anonymous callers of a route that
   needs an account are sent to sign in; signed-in callers without the role get 403. A route
   with no rule is refused to everyone (403) until it gets one.
2. **Which objects** is checked by the view itself against the organisation tree: a reviewer
   or admin acts on their organisation and everything below it (a state's reviewer reaches
   its cities; a city's reviewer reaches its departments but never a sibling city). Outside
   that reach the answer is 404 where saying "forbidden" would confirm that the object
   exists (a person, a certificate, an attempt), 403 otherwise.

Admins can do what reviewers and trainers can, within their subtree; a network admin is an
admin of the root of the tree. Course authors are the course's owner and co-authors;
co-authors edit drafts, owners also publish and manage authors.

"""


@click.group("permissions")
def permissions_cli() -> None:
    """Who may call each route."""


@permissions_cli.command("docs")
@click.option("--check", is_flag=True, help="Only report whether the file is up to date.")
def docs_command(check: bool) -> None:
    """Write docs/permissions.md from the rules the app enforces."""
    from pathlib import Path

    path = Path(current_app.root_path).parent / "docs" / "permissions.md"
    text = document(current_app)
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{path} is out of date")
        click.echo(f"{path} is up to date")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


def document(app: Flask) -> str:
    return INTRO + table(app)

"""Certificate codes and the public verification pages: any code normalises to a code or to
None; any code, query or pasted credential gets a page, never a 500, and writes nothing."""

from __future__ import annotations

import base64
import io
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.certificates import codes
from app.certificates import credentials as credentials_module
from app.certificates.models import Certificate
from app.extensions import db
from tests.certificates.conftest import complete_tiny
from tests.fuzz.conftest import FUNCTION, HTTP, NASTY, SCALE, nasty_text, row_counts


def _deep(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


codeish = st.one_of(
    st.text(alphabet=codes.ALPHABET + "abcdefghjkmnpqrstwxyz01OILUV -_.", max_size=30),
    st.lists(st.sampled_from(list(codes.ALPHABET)), min_size=16, max_size=16).map("".join),
    nasty_text,
    st.text(),
)


@FUNCTION
@given(codeish)
def test_normalise_gives_a_stored_code_or_none(typed):
    code = codes.normalise(typed)
    if code is not None:
        assert len(code) == codes.LENGTH and set(code) <= set(codes.ALPHABET)
        assert codes.normalise(code) == code
        assert codes.normalise(codes.display(code)) == code
        assert codes.normalise(codes.display(code).lower()) == code


@FUNCTION
@given(st.lists(st.sampled_from(list(codes.ALPHABET)), min_size=16, max_size=16).map("".join))
def test_every_printed_code_reads_back(code):
    assert codes.normalise(f"  {codes.display(code)}\n".lower().replace("-", " - ")) == code


# Over HTTP ----------------------------------------------------------------------------------

PUBLIC = settings(HTTP, max_examples=50 * SCALE)


@pytest.fixture
def anonymous(app, no_rate_limits):
    return app.test_client()


@PUBLIC
@given(codeish)
def test_any_code_gets_a_page(anonymous, world, typed):
    before = row_counts()
    path = quote(typed, safe="")
    for url, allowed in (
        (f"/verify/{path}", {200, 404}),
        (f"/verify/{path}.json", {404}),
        (f"/verify/{path}.jwt", {404}),
        # A NUL in a query string is refused for the whole site (app/security.py).
        (f"/verify?code={path}", {200, 302} | ({400} if "\x00" in typed else set())),
    ):
        response = anonymous.get(url)
        event(f"{url.split('?')[0].split('/')[1]} {response.status_code}")
        assert response.status_code in allowed | {404}, (url, response.status_code)
        if response.status_code == 302:
            assert anonymous.get(response.location).status_code in (200, 404)
    assert row_counts() == before


CONTEXTS = json.dumps([credentials_module.VC_CONTEXT, credentials_module.OB_CONTEXT])
OB_TYPES = '["VerifiableCredential", "OpenBadgeCredential"]'
HOSTILE_CREDENTIALS = {
    "open-brace": "{",
    "unhashable-type": f'{{"@context": {CONTEXTS}, "type": ["VerifiableCredential", {{}}]}}',
    "number-type": f'{{"@context": {CONTEXTS}, "type": 7}}',
    "object-key": f'{{"@context": {CONTEXTS}, "type": {OB_TYPES}, "proof": '
    '{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", '
    '"proofPurpose": "assertionMethod", "verificationMethod": {"a": [1]}}}',
    "deep-jwt-header": base64.urlsafe_b64encode(_deep(5000).encode()).decode().rstrip("=")
    + ".e30.sig",
    "empty-object": "{}",
    "array": "[]",
    "number-context": '{"@context": 5}',
    "proof-list": '{"proof": [1, 2]}',
    "deep-100": _deep(100),
    "deep-5000": _deep(5000),
    "deep-array": "[" * 100_000,
    "base64-junk": "eyJ" + "a" * 50,
    "alg-none": "eyJhbGciOiJub25lIn0.e30.",
    "dots": "a.b.c",
    "bom": "\ufeff{}",
}
credentials = st.one_of(
    nasty_text,
    st.sampled_from(sorted(HOSTILE_CREDENTIALS.values())),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["@context", "type", "proof", "id", "validFrom", "x"]),
                children,
                max_size=4,
            )
        ),
        max_leaves=12,
    ).map(json.dumps),
)


@PUBLIC
@given(credentials, st.booleans())
def test_any_pasted_or_uploaded_credential_gets_a_verdict(anonymous, world, text, as_file):
    before = row_counts()
    if as_file:
        data = {"upload": (io.BytesIO(text.encode("utf-8", "surrogatepass")), "cred.json")}
    else:
        data = {"credential": text}
    response = anonymous.submit("/verify/credential", data, content_type="multipart/form-data")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (200, 400), response.status_code
    assert row_counts() == before


@settings(HTTP, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(codeish, st.sampled_from(NASTY)))
def test_reviewers_search_takes_any_text(client, world, no_rate_limits, query):
    client.login(world.reviewer_cdmx_email)
    response = client.get(f"/certificates/manage?q={quote(query, safe='')}")
    # A NUL is refused for the whole site (app/security.py); anything else is searched.
    assert response.status_code == (400 if "\x00" in query else 200), response.status_code


@pytest.mark.parametrize("name", sorted(HOSTILE_CREDENTIALS))
def test_hostile_credentials_get_a_verdict(anonymous, world, name):
    response = anonymous.submit("/verify/credential", {"credential": HOSTILE_CREDENTIALS[name]})
    assert response.status_code in (200, 400), response.status_code


def test_a_signed_credential_made_deep_gets_a_verdict(app, client, world, tiny, no_rate_limits):
    """With a key this site published, the check reaches canonicalisation (pyld recurses);
    a structure nested deep enough to exhaust the stack is invalid, not a 500."""
    complete_tiny(client, world.official_cdmx_email, tiny)
    stored = json.loads(db.session.scalar(select(Certificate.credential)))
    for depth in (50, 400, 900):
        changed = json.loads(json.dumps(stored))
        changed["credentialSubject"]["deep"] = json.loads(_deep(depth))
        response = app.test_client().submit(
            "/verify/credential", {"credential": json.dumps(changed)}
        )
        assert response.status_code == 200, (depth, response.status_code)


def test_a_nul_in_the_reviewers_search_is_refused(client, world):
    """Regression: PostgreSQL refused the NUL in the LIKE parameter (a 500); now every
    query string with a NUL is a 400 before any view runs."""
    client.login(world.reviewer_cdmx_email)
    assert client.get("/certificates/manage?q=%00").status_code == 400
    assert client.get("/certificates/manage?q=Ana%00").status_code == 400

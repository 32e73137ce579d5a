"""Open Badges 3.0: the test vector, the official schema, 1EdTech's validator samples, JWT."""

import json
import os
import stat

import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from app.certificates import credentials, keys
from app.certificates.models import Certificate
from app.certificates.views import own_key_resolver
from app.extensions import db

from .conftest import OB3

VECTOR = json.loads((OB3 / "examples" / "test-vector-eddsa-rdfc-2022.json").read_text())
SAMPLES = OB3 / "validator-samples"
OUTCOMES = {
    case["file"]: case
    for case in json.loads((SAMPLES / "expected_outcomes.json").read_text())["cases"]
}


def _vector_key() -> ed25519.Ed25519PrivateKey:
    seed = bytes.fromhex(VECTOR["keypair"]["privateKeyHex_seed_plus_public"])[:32]
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def test_signer_reproduces_the_published_proof_value():
    assert credentials.canonical(VECTOR["unsignedCredential"]) == VECTOR["documentCanonicalNQuads"]
    signed = credentials.sign(VECTOR["unsignedCredential"], VECTOR["proofOptions"], _vector_key())
    assert signed["proof"][0]["proofValue"] == VECTOR["proofValue"]
    assert (
        keys.multikey(_vector_key().public_key().public_bytes_raw())
        == VECTOR["keypair"]["publicKeyMultibase"]
    )


def sample_resolver(method: str):
    """Stands in for the validator's online resolution of the samples' keys: every sample is
    signed by the published test key, whose multibase is the URL's fragment (see the caveat
    in expected_outcomes.json); did:key carries the key itself."""
    if method.startswith(("https://", "http://")) and "#" in method:
        return keys.from_multikey(method.split("#", 1)[1])
    return credentials.did_key_resolver(method)


# Samples whose verdict rests on the probes this verifier implements: proof, type, expiry
# and issuance. Valid samples needing the network (did:web) or a context not shipped here
# (extensions.json, VC 1.1) are left out; test_sample_selection says which and why.
ACCEPTED = ["simple.json", "simple-context-alias.json"]
REJECTED = {
    "simple-err-proof-value.json": "the signature does not match the content",
    "simple-err-proof-method.json": "the proof's verification method is not a known key",
    "simple-err-proof-method-no-scheme.json": "the proof's verification method is not a known key",
    "simple-err-proof-method-unknown-scheme.json": "the proof's verification method is not a known key",
    "simple-err-proof-method-unknown-did-method.json": "the proof's verification method is not a known key",
    "simple-err-type.json": "the type is not OpenBadgeCredential",
    "simple-err-expired.json": "the credential has expired",
    "simple-err-issued.json": "the credential is not valid yet",
    "simple-multiple-proofs.json": "expected exactly one embedded proof",
}


def test_sample_selection_follows_the_expected_outcomes():
    for name in ACCEPTED:
        assert OUTCOMES[name]["expect"] == "valid"
    for name in REJECTED:
        assert OUTCOMES[name]["expect"].startswith(("invalid", "1 error")), name
    # Valid samples this offline verifier cannot judge, and why.
    assert "needs network" in OUTCOMES["simple-did-web-method.json"]["notes"]
    assert "extensions.json" in (SAMPLES / "simple-did-key-method.json").read_text()


@pytest.mark.parametrize("name", ACCEPTED)
def test_valid_samples_are_accepted(name):
    checked = credentials.verify(json.loads((SAMPLES / name).read_text()), sample_resolver)
    assert checked.credential["type"][0] == "VerifiableCredential"


@pytest.mark.parametrize(("name", "reason"), sorted(REJECTED.items()))
def test_invalid_samples_are_rejected_for_the_right_reason(name, reason):
    with pytest.raises(credentials.CredentialError) as caught:
        credentials.verify(json.loads((SAMPLES / name).read_text()), sample_resolver)
    assert str(caught.value) == reason


def _schema_validator():
    schema = json.loads((OB3 / "schema" / "ob_v3p0_achievementcredential_schema.json").read_text())
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())


def test_issued_credential_passes_the_official_schema_and_verifies(app, certificate):
    credential = json.loads(certificate.credential)
    errors = sorted(e.message for e in _schema_validator().iter_errors(credential))
    assert errors == []
    checked = credentials.verify(credential, own_key_resolver)
    assert checked.credential["credentialSubject"]["name"] == certificate.holder_name
    subject = credential["credentialSubject"]["identifier"][0]
    assert subject["hashed"] is True and "@" not in json.dumps(subject)
    assert credential["credentialStatus"]["statusListIndex"] == str(certificate.id)


def test_changed_name_or_date_breaks_the_proof(app, certificate):
    credential = json.loads(certificate.credential)
    for path, value in (
        (("credentialSubject", "name"), "Someone Else"),
        (("validFrom",), "2020-01-01T00:00:00Z"),
    ):
        forged = json.loads(certificate.credential)
        target = forged
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(credentials.CredentialError, match="signature does not match"):
            credentials.verify(forged, own_key_resolver)
    credentials.verify(credential, own_key_resolver)


def test_a_credential_signed_by_an_unknown_key_is_refused(app, certificate):
    credential = json.loads(certificate.credential)
    stranger = ed25519.Ed25519PrivateKey.generate()
    forged = credentials.sign(
        {k: v for k, v in credential.items() if k != "proof"},
        {k: v for k, v in credential["proof"][0].items() if k != "proofValue"},
        stranger,
    )
    with pytest.raises(credentials.CredentialError, match="signature does not match"):
        credentials.verify(forged, own_key_resolver)
    options = dict(forged["proof"][0], verificationMethod="https://evil.example/keys/1")
    with pytest.raises(credentials.CredentialError, match="not a known key"):
        credentials.verify(dict(forged, proof=[options]), own_key_resolver)


def test_jwt_verifies_with_a_plain_library_and_only_the_published_jwks(client, certificate):
    token = client.get(f"/verify/{certificate.code}.jwt").get_data(as_text=True)
    published = client.get("/.well-known/jwks.json").get_json()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in published["keys"] if k["kid"] == kid)
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"])
    assert claims["credentialSubject"]["name"] == certificate.holder_name
    assert claims["jti"] == json.loads(certificate.credential)["id"]
    assert "d" not in jwk and "p" not in jwk  # no private parts published


def test_rotation_keeps_old_credentials_verifiable(app, client, world, tiny, runner):
    from .conftest import complete_tiny

    complete_tiny(client, world.official_cdmx_email, tiny)
    first = db.session.scalar(select(Certificate))
    old_kid = jwt.get_unverified_header(first.credential_jwt)["kid"]
    result = runner.invoke(args=["certificates", "rotate-keys"])
    assert result.exit_code == 0, result.output
    assert keys.signing_key(keys.RSA).kid != old_kid
    # Old keys stay published and keep verifying.
    assert old_kid in {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]}
    credentials.verify(json.loads(first.credential), own_key_resolver)
    method = json.loads(first.credential)["proof"][0]["verificationMethod"]
    path = method.removeprefix(app.config["BASE_URL"].rstrip("/"))
    multikey = client.get(path).get_json()
    assert multikey["type"] == "Multikey"
    assert keys.from_multikey(multikey["publicKeyMultibase"]) is not None
    profile = client.get("/issuers/alla").get_json()
    assert method in profile["assertionMethod"] and len(profile["assertionMethod"]) == 2


def test_key_files_are_owner_only(app, certificate):
    folder = keys.key_dir()
    files = list(folder.glob("*.pem"))
    assert {f.name.split("-", 1)[0] for f in files} == {"ed25519", "rsa"}
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) & 0o077 == 0

"""Open Badges 3.0 credentials: Data Integrity proofs (eddsa-rdfc-2022) and VC-JWT (RS256).

The eddsa-rdfc-2022 recipe: canonicalise the proof options (with the credential's
@context) and the credential without its proof by RDFC-1.0, hash each with SHA-256, sign
hash(options) + hash(credential) with Ed25519, and write `z` + base58btc of the signature.
JSON-LD contexts come from files shipped with the app; anything else is refused, so neither
signing nor verifying ever touches the network.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import base58
import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from . import keys

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
_HERE = Path(__file__).parent / "contexts"
_CONTEXT_FILES = {
    VC_CONTEXT: _HERE / "w3c_credentials_v2.jsonld",
    OB_CONTEXT: _HERE / "ob_v3p0_context-3.0.3.spec-repo.json",
}
_contexts: dict[str, dict] = {}


class CredentialError(ValueError):
    """Why a credential is not valid; the message is shown to whoever checks it."""


def _load_document(url: str, options: dict | None = None) -> dict:
    from pyld import jsonld

    if url not in _CONTEXT_FILES:
        raise jsonld.JsonLdError(f"context {url} is not known here", "loading document failed")
    if url not in _contexts:
        _contexts[url] = json.loads(_CONTEXT_FILES[url].read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": _contexts[url]}


def canonical(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) N-Quads of a JSON-LD document, with the local contexts only."""
    from pyld import jsonld  # 20 MB of imports, for the requests that sign or verify only

    return jsonld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": _load_document,
        },
    )


def _data_to_sign(credential: dict, options: dict) -> bytes:
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    config = {k: v for k, v in options.items() if k != "proofValue"}
    config["@context"] = credential["@context"]
    return (
        hashlib.sha256(canonical(config).encode()).digest()
        + hashlib.sha256(canonical(unsigned).encode()).digest()
    )


def proof_options(verification_method: str, created: datetime) -> dict:
    return {
        "type": "DataIntegrityProof",
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
    }


def proof_value(credential: dict, options: dict, private: ed25519.Ed25519PrivateKey) -> str:
    signature = private.sign(_data_to_sign(credential, options))
    return "z" + base58.b58encode(signature).decode()


def sign(credential: dict, options: dict, private: ed25519.Ed25519PrivateKey) -> dict:
    """The credential with an embedded DataIntegrityProof (as an array, as the schema wants)."""
    signed = copy.deepcopy(credential)
    signed["proof"] = [{**options, "proofValue": proof_value(credential, options, private)}]
    return signed


Resolver = Callable[[str], "ed25519.Ed25519PublicKey | None"]


@dataclass(frozen=True)
class Checked:
    """A credential that passed every check, and what it says."""

    credential: dict
    valid_from: datetime
    valid_until: datetime | None


def _when(value, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise CredentialError(f"{field} is not a date and time") from None
    if moment.tzinfo is None:
        raise CredentialError(f"{field} has no time zone")
    return moment


def verify(credential: dict, resolve: Resolver, now: datetime | None = None) -> Checked:
    """Check an OpenBadgeCredential with an embedded proof; raise CredentialError saying why not.

    `resolve` turns the proof's verificationMethod into an Ed25519 public key, or None when
    it does not know that method: trust is whatever the resolver trusts.
    """
    if not isinstance(credential, dict):
        raise CredentialError("not a JSON object")
    context = credential.get("@context")
    if not isinstance(context, list) or context[:1] != [VC_CONTEXT] or OB_CONTEXT not in context:
        raise CredentialError("the @context is not that of an Open Badges 3.0 credential")
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types or []
    if (
        not isinstance(types, list)
        or not all(isinstance(t, str) for t in types)
        or "VerifiableCredential" not in types
        or not ({"OpenBadgeCredential", "AchievementCredential"} & set(types))
    ):
        raise CredentialError("the type is not OpenBadgeCredential")
    proofs = credential.get("proof")
    proofs = [proofs] if isinstance(proofs, dict) else proofs
    if not isinstance(proofs, list) or len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise CredentialError("expected exactly one embedded proof")
    proof = proofs[0]
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-rdfc-2022":
        raise CredentialError("the proof is not a DataIntegrityProof with eddsa-rdfc-2022")
    if proof.get("proofPurpose") != "assertionMethod":
        raise CredentialError("the proof's purpose is not assertionMethod")
    public = resolve(str(proof.get("verificationMethod", "")))
    if public is None:
        raise CredentialError("the proof's verification method is not a known key")
    value = str(proof.get("proofValue", ""))
    from pyld import jsonld

    try:
        signature = base58.b58decode(value[1:]) if value.startswith("z") else b""
        data = _data_to_sign(credential, proof)
    except (ValueError, jsonld.JsonLdError, RecursionError):
        raise CredentialError("the credential cannot be canonicalised") from None
    try:
        public.verify(signature, data)
    except InvalidSignature:
        raise CredentialError("the signature does not match the content") from None
    now = now or datetime.now(UTC)
    valid_from = _when(credential.get("validFrom"), "validFrom")
    if valid_from > now:
        raise CredentialError("the credential is not valid yet")
    valid_until = None
    if "validUntil" in credential:
        valid_until = _when(credential["validUntil"], "validUntil")
        if valid_until <= now:
            raise CredentialError("the credential has expired")
    return Checked(credential, valid_from, valid_until)


def did_key_resolver(method: str) -> ed25519.Ed25519PublicKey | None:
    """did:key needs no network: the key is the identifier."""
    if not method.startswith("did:key:"):
        return None
    return keys.from_multikey(method.removeprefix("did:key:").split("#", 1)[0])


# --- VC-JWT -----------------------------------------------------------------------------


def _timestamp(value: str) -> int:
    return int(_when(value, "date").timestamp())


def to_jwt(credential: dict, pair: keys.KeyPair) -> str:
    """The credential as a compact JWS (RS256), claims as Open Badges 3.0 section 8.2 lists."""
    claims = {k: v for k, v in credential.items() if k != "proof"}
    claims.update(
        iss=credential["issuer"]["id"],
        jti=credential["id"],
        nbf=_timestamp(credential["validFrom"]),
        sub=credential["credentialSubject"].get("id")
        or credential["credentialSubject"]["identifier"][0]["identityHash"],
    )
    if "validUntil" in credential:
        claims["exp"] = _timestamp(credential["validUntil"])
    return jwt.encode(claims, pair.private, algorithm="RS256", headers={"kid": pair.kid})


def from_jwt(token: str, find_key: Callable[[str], object | None]) -> dict:
    """The credential inside a VC-JWT, once its RS256 signature, nbf and exp hold."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise CredentialError("not a JSON Web Token") from None
    if header.get("alg") != "RS256":
        raise CredentialError("the token is not signed with RS256")
    public = find_key(str(header.get("kid", "")))
    if public is None:
        raise CredentialError("the token is signed by an unknown key")
    try:
        claims = jwt.decode(
            token, public, algorithms=["RS256"], options={"require": ["iss", "jti", "nbf"]}
        )
    except jwt.ExpiredSignatureError:
        raise CredentialError("the credential has expired") from None
    except jwt.ImmatureSignatureError:
        raise CredentialError("the credential is not valid yet") from None
    except jwt.PyJWTError:
        raise CredentialError("the signature does not match the content") from None
    for claim in ("iss", "jti", "nbf", "exp", "sub"):
        claims.pop(claim, None)
    return claims

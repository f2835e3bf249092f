"""Google's OAuth token endpoint for service accounts, and who a request is.

google-auth signs a JWT with the service account's private key and posts it to ``token_uri``
(the JWT-bearer grant); Google checks the signature against the account's registered public key
and answers with an access token. The stand-in does exactly that with real RSA keys, so a client
that builds its credentials wrongly (wrong key, wrong audience, no scope) fails here too.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as google_auth_exceptions
from google.auth import jwt

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
SHEETS_AUDIENCE = "https://sheets.googleapis.com/"

SCOPE_SPREADSHEETS = "https://www.googleapis.com/auth/spreadsheets"
SCOPE_SPREADSHEETS_READONLY = "https://www.googleapis.com/auth/spreadsheets.readonly"
SCOPE_DRIVE = "https://www.googleapis.com/auth/drive"
SCOPE_DRIVE_READONLY = "https://www.googleapis.com/auth/drive.readonly"
SCOPE_DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"
_WRITE_SCOPES = frozenset({SCOPE_SPREADSHEETS, SCOPE_DRIVE, SCOPE_DRIVE_FILE})
_READ_SCOPES = _WRITE_SCOPES | {SCOPE_SPREADSHEETS_READONLY, SCOPE_DRIVE_READONLY}

# Google rejects assertions valid for more than an hour, and allows a little clock skew.
MAX_ASSERTION_LIFETIME = 3600
CLOCK_SKEW = 300


class OAuthError(Exception):
    """A token endpoint error in Google's OAuth shape (not the API's ``{"error": {...}}``)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a service account (with what scopes), or an anonymous API-key caller."""

    email: str | None
    can_read: bool
    can_write: bool
    via_api_key: bool = False


@dataclass
class _Token:
    email: str
    scopes: frozenset[str]
    expires_at: float


class Authority:
    """Registered service-account keys and the access tokens issued for them. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, str]] = {}  # email -> key id -> public key PEM
        self._tokens: dict[str, _Token] = {}
        self.token_lifetime = 3599  # what Google answers as expires_in

    def register(self, email: str, key_id: str, public_key_pem: str) -> None:
        with self._lock:
            self._keys.setdefault(email, {})[key_id] = public_key_pem

    def unregister(self, email: str) -> None:
        """Delete the account: its tokens stop working and new assertions are refused."""
        with self._lock:
            self._keys.pop(email, None)
            self._tokens = {t: v for t, v in self._tokens.items() if v.email != email}

    def expire_tokens(self) -> None:
        """Make every issued access token expired, to test a client's refresh path."""
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = 0

    # ---------------------------------------------------------------------- token endpoint ---

    def exchange(self, form: Mapping[str, str], accepted_audiences: set[str]) -> dict[str, Any]:
        """Handle ``POST /token``; raises :class:`OAuthError` with Google's wording."""
        grant_type = form.get("grant_type")
        if grant_type != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type or ''}")
        assertion = form.get("assertion")
        if not assertion:
            raise OAuthError("invalid_request", "Missing required parameter: assertion")
        claims = self._verify(assertion)
        if claims.get("aud") not in accepted_audiences:
            raise OAuthError(
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The right audience is {GOOGLE_TOKEN_URI}",
            )
        scopes = frozenset(str(claims.get("scope") or "").split())
        if not scopes:
            raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        token = "ya29.standin-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = _Token(str(claims["iss"]), scopes, time.time() + self.token_lifetime)
        return {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}

    def _verify(self, assertion: str) -> Mapping[str, Any]:
        try:
            header = jwt.decode_header(assertion)
            unverified = jwt.decode(assertion, verify=False)
        except (ValueError, google_auth_exceptions.GoogleAuthError):
            raise OAuthError("invalid_grant", "Invalid JWT: Unable to parse the assertion.") from None
        email = str(unverified.get("iss") or "")
        with self._lock:
            keys = dict(self._keys.get(email, {}))
        if not keys:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        key = keys.get(str(header.get("kid") or ""))
        if key is None and len(keys) == 1 and "kid" not in header:
            key = next(iter(keys.values()))
        if key is None:
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        try:
            claims = jwt.decode(assertion, certs=key, verify=True, clock_skew_in_seconds=CLOCK_SKEW)
        except (ValueError, google_auth_exceptions.GoogleAuthError) as err:
            if "signature" in str(err).lower():
                raise OAuthError("invalid_grant", "Invalid JWT Signature.") from None
            raise _lifetime_error() from None
        issued, expires = float(claims.get("iat", 0)), float(claims.get("exp", 0))
        if expires - issued > MAX_ASSERTION_LIFETIME + 1:
            raise _lifetime_error()
        return claims

    # ------------------------------------------------------------------------ API callers ---

    def principal_for_bearer(self, token: str) -> Principal | None:
        """The caller behind ``Authorization: Bearer ...``; None if the token is not valid."""
        with self._lock:
            issued = self._tokens.get(token)
        if issued is not None:
            if issued.expires_at < time.time():
                return None
            return _principal(issued.email, issued.scopes)
        # google-auth can skip the token endpoint and send a self-signed JWT as the bearer token
        # (always_use_jwt_access); Google accepts those when aud is the API or a scope is claimed.
        if token.count(".") != 2:
            return None
        try:
            claims = self._verify(token)
        except OAuthError:
            return None
        scopes = frozenset(str(claims.get("scope") or "").split())
        if claims.get("aud") == SHEETS_AUDIENCE and not scopes:
            scopes = frozenset({SCOPE_SPREADSHEETS})
        if not scopes:
            return None
        return _principal(str(claims["iss"]), scopes)


def _principal(email: str, scopes: frozenset[str]) -> Principal:
    return Principal(email, can_read=bool(scopes & _READ_SCOPES), can_write=bool(scopes & _WRITE_SCOPES))


def _lifetime_error() -> OAuthError:
    return OAuthError(
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
        "Check your iat and exp values in the JWT claim.",
    )


# --------------------------------------------------------------------- service account file ---


@dataclass(frozen=True)
class GeneratedKey:
    private_key_pem: str
    public_key_pem: str
    key_id: str


def generate_key() -> GeneratedKey:
    """A fresh 2048-bit RSA key, the size Google issues for service accounts."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return GeneratedKey(private_pem, public_pem, secrets.token_hex(20))


def service_account_info(client_email: str, key: GeneratedKey, token_uri: str) -> dict[str, str]:
    """A service-account JSON dict with every field Google's key download has."""
    domain = client_email.partition("@")[2]
    project_id = domain.split(".")[0] if domain.endswith(".iam.gserviceaccount.com") else "standin-project"
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": key.key_id,
        "private_key": key.private_key_pem,
        "client_email": client_email,
        "client_id": str(secrets.randbelow(9 * 10**20) + 10**20),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{quote(client_email)}",
        "universe_domain": "googleapis.com",
    }

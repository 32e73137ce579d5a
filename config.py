"""Configuration classes. Every setting a deployment may change comes from the environment."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


DEV_BASE_URL = "http://127.0.0.1:5000"


class Config:
    """Defaults shared by every environment; values are read when the class is defined."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: None means "SQLite file in the instance folder", resolved in create_app.
    SQLALCHEMY_DATABASE_URI = (
        normalise_database_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else None
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL")
    #: The public address, for links that leave the site (e-mails, certificates, QR codes).
    #: Required in production; elsewhere it defaults to DEV_BASE_URL (and `flask demo` sets it
    #: from its --host and --port).
    BASE_URL = os.environ.get("BASE_URL") or None

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Aula <no-reply@aula.example>")

    BABEL_DEFAULT_LOCALE = "es"
    #: Zone of an organisation tree that names none (the network's seat); people read every
    #: time in their own zone, else their organisation's (accounts/zones.py).
    DEFAULT_TIME_ZONE = os.environ.get("DEFAULT_TIME_ZONE", "America/Mexico_City")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("es", "pt_BR", "fr", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    #: Large enough for a 10,000-row staff CSV, small enough to refuse junk early.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)))

    #: Werkzeug's hasher spec; scrypt is memory-hard and needs no extra package.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    PASSWORD_MIN_LENGTH = 10
    #: zxcvbn score (0-4) a new password must reach; 3 means at least 10^8 guesses.
    PASSWORD_MIN_SCORE = int(os.environ.get("PASSWORD_MIN_SCORE", "3"))
    RESET_TOKEN_MAX_AGE = int(os.environ.get("RESET_TOKEN_MAX_AGE", str(60 * 60)))
    INVITE_TOKEN_MAX_AGE = int(os.environ.get("INVITE_TOKEN_MAX_AGE", str(14 * 24 * 60 * 60)))

    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT = os.environ.get("LOGIN_LIMIT", "10 per minute")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "100 per minute")
    #: Reset e-mails to one address, from anywhere: nobody's inbox can be flooded.
    RESET_LIMIT_PER_EMAIL = os.environ.get("RESET_LIMIT_PER_EMAIL", "5 per hour")
    #: Certificate look-ups per client address: plenty for an HR office, useless for guessing.
    VERIFY_LIMIT = os.environ.get("VERIFY_LIMIT", "30 per minute")
    #: Signing keys; default: the instance folder's keys/. Every machine must share them.
    CERT_KEY_DIR = os.environ.get("CERT_KEY_DIR")

    #: How many proxies sit in front of the app (X-Forwarded-For hops to trust).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    PAGE_SIZE = 50
    # Where the accessibility statement sends people who meet a barrier.
    ACCESSIBILITY_CONTACT = os.environ.get("ACCESSIBILITY_CONTACT", "accesibilidad@aula.example")
    # The dashboard runs its independent queries at once, each on a connection of its own.
    # Off where one connection must see everything (the tests' rolled-back transaction).
    REPORTS_PARALLEL = _bool("REPORTS_PARALLEL", True)
    #: Tokens live as long as the session, so a lesson page served from cache (304) still posts.
    WTF_CSRF_TIME_LIMIT = None


class DevelopmentConfig(Config):
    """Local use and the demo: SQLite in the instance folder, mail to the log."""

    DEBUG = False


class TestingConfig(Config):
    """The test suite: a cheaper scrypt cost so fixtures stay quick; same algorithm."""

    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 - fixed so tests can sign CSRF tokens
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - a hasher name, not a secret
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None


class ProductionConfig(Config):
    """Behind HTTPS: secure cookies unless explicitly turned off; SECRET_KEY and BASE_URL
    required."""

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

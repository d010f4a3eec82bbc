"""Kujdes settings, read from the environment (see the README's configuration table).

Production defaults are the safe ones: DEBUG off, HTTPS-only cookies with the
__Host- prefix, HSTS, Django admin off. A demo or a developer turns them down
explicitly (``make demo`` sets KUJDES_HTTPS=false).
"""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kujdes.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KUJDES_VAR_DIR", str(BASE_DIR / "var"))).resolve()
TESTING = "pytest" in sys.modules or env_bool("KUJDES_TESTING", False)

DEBUG = env_bool("KUJDES_DEBUG", False)
# Tests exercise the HTTPS-only settings through a production-settings subprocess.
HTTPS = env_bool("KUJDES_HTTPS", not TESTING)


def _secret_key() -> str:
    """The configured key, or one generated once into VAR_DIR (never a fixed default)."""
    configured = env_str("KUJDES_SECRET_KEY")
    if configured:
        if len(configured) < 50:
            raise ImproperlyConfigured("KUJDES_SECRET_KEY must be at least 50 characters long.")
        return configured
    key_file = VAR_DIR / "secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("KUJDES_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("KUJDES_CSRF_TRUSTED_ORIGINS", [])
# The public origin, used in invitation e-mails and as the WebAuthn relying party.
SITE_URL = env_str("KUJDES_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "kujdes.core",
    "kujdes.accounts",
    "kujdes.people",
    "kujdes.screening",
    "kujdes.cases",
    "kujdes.referrals",
    "kujdes.programme",
    "kujdes.programme.employment",
    "kujdes.reports",
    "kujdes.network",
    "kujdes.network.practices",
    "kujdes.network.exchanges",
    "kujdes.network.reflection",
    "kujdes.network.milestones",
    "kujdes.network.releases",
    "kujdes.network.figures",
    "kujdes.network.stakeholders",
    "kujdes.network.federation",
    "kujdes.network.crossborder",
    "kujdes.fieldsync",
    "kujdes.imports",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]
ADMIN_ENABLED = env_bool("KUJDES_ADMIN_ENABLED", DEBUG)
if ADMIN_ENABLED:
    INSTALLED_APPS.append("django.contrib.admin")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kujdes.core.middleware.RequestIdMiddleware",
    "csp.middleware.CSPMiddleware",
    "kujdes.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kujdes.accounts.middleware.BearerTokenMiddleware",
    "kujdes.accounts.middleware.SessionLifetimeMiddleware",
    "kujdes.core.middleware.LanguageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "kujdes.accounts.middleware.LoginRequiredMiddleware",
    "kujdes.accounts.middleware.MFARequiredMiddleware",
    "kujdes.core.probing.ProbingMiddleware",
    "kujdes.core.reads.ReadBudgetMiddleware",
    "kujdes.core.middleware.TenantScopeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kujdes.urls"
WSGI_APPLICATION = "kujdes.wsgi.application"

# Widgets render through Jinja2 (Django's own widget templates for it): a case page has
# hundreds of widget and option templates, and Django templates made them most of its time.
FORM_RENDERER = "django.forms.renderers.Jinja2"

# Covering indexes (INCLUDE columns) speed up the lists on PostgreSQL; SQLite builds them as plain
# indexes, which is what it needs, so its warning about the ignored columns is noise.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kujdes" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kujdes.core.context_processors.navigation",
            ],
        },
    }
]

# Database: SQLite under var/ unless DATABASE_URL names PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kujdes.sqlite3'}")
try:
    _database = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("KUJDES_DB_CONN_MAX_AGE", 60, minimum=0)
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be parsed: {exc}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so concurrent writers queue
        # instead of failing half-way (and the audit chain stays linear).
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "timeout": 20,
    }
    _database["CONN_MAX_AGE"] = 0
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database.setdefault("OPTIONS", {})
    # The role the application acts as: a non-owner role that row-level security
    # applies to. Migrations are run by the owner (see the README).
    if env_str("KUJDES_DB_ROLE") and not env_bool("KUJDES_MIGRATING", False):
        _database["OPTIONS"]["assume_role"] = env_str("KUJDES_DB_ROLE")
    _database["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL or SQLite database.")
# The key store: organisation and person keys, apart from the data they protect, so
# that backups of the data hold no usable key and destroying a person's key
# (erasure) reaches every backup taken before. See docs/data-protection.md.
KEY_DIR = Path(env_str("KUJDES_KEY_DIR", str(VAR_DIR / "keys"))).resolve()
MASTER_KEY_FILE = Path(env_str("KUJDES_MASTER_KEY_FILE", str(KEY_DIR / "master.key")))
KEYSTORE_URL = env_str("KUJDES_KEYSTORE_URL", f"sqlite:///{KEY_DIR / 'keystore.sqlite3'}")
# Signed checkpoints of the audit chains (`kujdes audit anchor`): outside the database, best on
# append-only storage or another machine (docs/data-protection.md, "Audit chain: threat model").
# A test run gets a throwaway folder, so that it never reads an earlier run's checkpoints.
_ANCHOR_DIR = Path(tempfile.mkdtemp(prefix="kujdes-test-anchors-")) if TESTING else KEY_DIR.parent
AUDIT_ANCHOR_FILE = Path(env_str("KUJDES_AUDIT_ANCHOR_FILE", str(_ANCHOR_DIR / "audit-anchors.jsonl")))
try:
    _keystore = dj_database_url.parse(KEYSTORE_URL)
except ValueError as exc:
    raise ImproperlyConfigured(f"KUJDES_KEYSTORE_URL cannot be parsed: {exc}") from None
if _keystore["ENGINE"] == "django.db.backends.sqlite3":
    _keystore["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
DATABASES = {"default": _database, "keys": _keystore}
for _sqlite in (db for db in DATABASES.values() if db["ENGINE"] == "django.db.backends.sqlite3"):
    if _sqlite["NAME"] and _sqlite["NAME"] != ":memory:":
        Path(_sqlite["NAME"]).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
DATABASE_ROUTERS = ["kujdes.core.keystore.KeystoreRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Row-level security policies are created for this role on PostgreSQL (see core.rls).
DB_APP_ROLE = env_str("KUJDES_DB_APP_ROLE", env_str("KUJDES_DB_ROLE", "kujdes_app"))

# Cache: shared by every worker, because rate limits and used one-time codes live there.
CACHE_URL = env_str("KUJDES_CACHE_URL", "locmem://" if TESTING else "db://")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL == "db://":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kujdes_cache"}
    }
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured("KUJDES_CACHE_URL must be db://, locmem:// or a redis:// URL.")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 at full cost makes the suite slow; production keeps Argon2id above.
    PASSWORD_HASHERS = ["kujdes.accounts.hashers.FastArgon2Hasher"]
# NIST SP 800-63B: length 12 to 128, no composition rules, a common-password list.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "kujdes.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "kujdes.accounts.passwords.BreachedPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Sessions: idle timeout (refreshed on every request) and an absolute lifetime.
SESSION_IDLE_MINUTES = env_int("KUJDES_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_HOURS = env_int("KUJDES_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    # __Host- cookies are Secure, path /, and cannot be set by a sibling domain.
    SESSION_COOKIE_NAME = "__Host-kujdes_session"
    CSRF_COOKIE_NAME = "__Host-kujdes_csrf"
    LANGUAGE_COOKIE_NAME = "__Host-kujdes_language"
    SECURE_SSL_REDIRECT = env_bool("KUJDES_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("KUJDES_HSTS_SECONDS", 63072000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("KUJDES_HSTS_PRELOAD", True)
else:
    SESSION_COOKIE_NAME = "kujdes_session"
    CSRF_COOKIE_NAME = "kujdes_csrf"
    LANGUAGE_COOKIE_NAME = "kujdes_language"
if env_bool("KUJDES_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), publickey-credentials-get=(self), publickey-credentials-create=(self)"
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# django-allauth
ACCOUNT_ADAPTER = "kujdes.accounts.adapter.AccountAdapter"
MFA_ADAPTER = "kujdes.accounts.adapter.MFAAdapter"
# A code typed twice within its 30 s is told "just used", not "incorrect" (kujdes/accounts/forms.py).
MFA_FORMS = {
    "authenticate": "kujdes.accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "kujdes.accounts.forms.MFAReauthenticateForm",
}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = env_int("KUJDES_REAUTHENTICATION_SECONDS", 300, minimum=30)
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
LOGIN_ATTEMPTS_PER_ACCOUNT = env_int("KUJDES_LOGIN_ATTEMPTS_PER_ACCOUNT", 10, minimum=1)
LOGIN_ATTEMPTS_PER_IP = env_int("KUJDES_LOGIN_ATTEMPTS_PER_IP", 10, minimum=1)
LOGIN_LOCKOUT_SECONDS = env_int("KUJDES_LOGIN_LOCKOUT_SECONDS", 300, minimum=1)
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins (wrong password or wrong one-time code), per IP and per
    # account: the key is the submitted username, whether it exists or not.
    "login_failed": (
        f"{LOGIN_ATTEMPTS_PER_IP}/{LOGIN_LOCKOUT_SECONDS}s/ip,{LOGIN_ATTEMPTS_PER_ACCOUNT}/{LOGIN_LOCKOUT_SECONDS}s/key"
    ),
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kujdes] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = env_str("KUJDES_TOTP_ISSUER", "Kujdes")
MFA_PASSKEY_LOGIN_ENABLED = False
# One 30-second step either side: phones in the field drift; a used code is refused anyway.
MFA_TOTP_TOLERANCE = 1
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
MFA_RECOVERY_CODE_COUNT = 10
USERSESSIONS_TRACK_ACTIVITY = True

# Internationalisation. Albanian is the default for an Albanian installation. The network's languages
# follow, each named in itself; Bosnian (ijekavian, Latin script) stands for the Bosnian/Croatian/
# Serbian the partners read (docs/translating.md says why there is no separate hr or sr-Latn).
LANGUAGES = [
    ("sq", "Shqip"),
    ("en", "English"),
    ("fr", "Français"),
    ("ar", "العربية"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("ro", "Română"),
    ("bg", "Български"),
    ("hy", "Հայերեն"),
    ("bs", "Bosanski"),
]
LANGUAGE_CODE = env_choice("KUJDES_DEFAULT_LANGUAGE", "sq", [code for code, _name in LANGUAGES])
LOCALE_PATHS = [BASE_DIR / "kujdes" / "locale", BASE_DIR / "kujdes" / "locale_vendor"]
TIME_ZONE = env_str("KUJDES_TIME_ZONE", "Europe/Tirane")
USE_I18N = True
# English dates the European way (12/05/2026 is 12 May): kujdes/formats/en/formats.py.
FORMAT_MODULE_PATH = ["kujdes.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_FROM_APPS = DEBUG or TESTING or env_bool("KUJDES_STATIC_FROM_APPS", False)
# Tests keep their (encrypted) files out of the repository.
MEDIA_DIR = Path(tempfile.mkdtemp(prefix="kujdes-test-media-")) if TESTING else VAR_DIR / "media"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_DIR},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if STATIC_FROM_APPS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (tests, development) whitenoise serves from the apps.
WHITENOISE_USE_FINDERS = STATIC_FROM_APPS
WHITENOISE_MAX_AGE = 31536000

# Uploads stay in memory (a plaintext temporary file on disk would outlive an erasure)
# and are encrypted before they are written.
UPLOAD_MAX_BYTES = env_int("KUJDES_UPLOAD_MAX_MB", 20, minimum=1) * 1_000_000
FILE_UPLOAD_HANDLERS = ["kujdes.core.uploads.BoundedMemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# E-mail: the console in a demo, SMTP in production.
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}[env_choice("KUJDES_EMAIL_BACKEND", "smtp", ["console", "smtp", "memory"])]
EMAIL_HOST = env_str("KUJDES_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KUJDES_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("KUJDES_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("KUJDES_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("KUJDES_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env_str("KUJDES_EMAIL_FROM", "kujdes@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Logs go to stderr, one line per event, with the request id and never personal data.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kujdes.core.middleware.RequestIdLogFilter"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "line", "filters": ["request_id"]}
    },
    "root": {
        "handlers": ["stderr"],
        "level": env_choice("KUJDES_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
}

NINJA_PAGINATION_PER_PAGE = 50

# Bulk reading (kujdes/core/reads.py): how many distinct persons (and volunteers) a user — and each of
# their API tokens — may be shown in lists and searches in a clock hour. Past it, list pages answer 429
# and the organisation's data protection officers are alerted. Sized from a busy hour of normal work
# (docs/data-protection.md, "Read budget").
READ_BUDGET_ROWS_PER_HOUR = env_int("KUJDES_READ_BUDGET_ROWS_PER_HOUR", 2000, minimum=25)
# Probing (kujdes/core/probing.py): this many denied lookups, failed sign-ins, lockouts, failed second
# factors or throttled requests from one source within the window alert the targeted organisation's officer.
PROBE_ALERT_THRESHOLD = env_int("KUJDES_PROBE_ALERT_THRESHOLD", 20, minimum=2)
PROBE_ALERT_MINUTES = env_int("KUJDES_PROBE_ALERT_MINUTES", 10, minimum=1)

# Background tasks (django-tasks, the backport of Django 6's django.tasks): in production the database
# backend, run by `kujdes db_worker`; "immediate" runs a task at once in the enqueuing process (tests, demo).
# Task arguments carry ids only, never personal data (DESIGN.md §3).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[env_choice("KUJDES_TASKS", "database", ["database", "immediate"])],
    }
}
# Long documents made in the background (kujdes/core/documents): their files are deleted this many hours
# after they are ready (`kujdes documents cleanup`, from a timer).
DOCUMENT_JOB_HOURS = env_int("KUJDES_DOCUMENT_JOB_HOURS", 24, minimum=1)

# Federation (kujdes/network/federation): packages between installations.
# A package older or newer than this many seconds is refused at the HTTPS inbox (replays, bad clocks).
FEDERATION_CLOCK_WINDOW = env_int("KUJDES_FEDERATION_CLOCK_WINDOW", 900, minimum=30)
# A package carried as a file travels by hand: it may be this many days old.
FEDERATION_FILE_WINDOW_DAYS = env_int("KUJDES_FEDERATION_FILE_WINDOW_DAYS", 30, minimum=1)
# The largest package accepted (a referral carries its chosen documents).
FEDERATION_MAX_PACKAGE_BYTES = env_int("KUJDES_FEDERATION_MAX_PACKAGE_BYTES", 20 * 1024 * 1024, minimum=65536)
# After a key rotation, peers still verify (and this installation still opens) the old key this long.
FEDERATION_KEY_GRACE_DAYS = env_int("KUJDES_FEDERATION_KEY_GRACE_DAYS", 7, minimum=0)
# A peer not heard from for this many hours is reported unreachable.
FEDERATION_UNREACHABLE_HOURS = env_int("KUJDES_FEDERATION_UNREACHABLE_HOURS", 24, minimum=1)
# Delivery attempts before an outgoing package is marked failed (backoff doubles from 30 s, capped at 6 h).
FEDERATION_MAX_ATTEMPTS = env_int("KUJDES_FEDERATION_MAX_ATTEMPTS", 12, minimum=1)

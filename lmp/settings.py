"""Settings for LMP, read from the environment.

DEBUG defaults to on only for local development; with DEBUG off the process refuses to start
without a SECRET_KEY. DATABASE_URL switches from the embedded SQLite to PostgreSQL.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean from the environment ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list from the environment."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("LMP_TESTING", False)
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or TESTING) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Staff-edited text kept in both languages (each app's translation.py); before the admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "formtools",
    "axes",
    "csp",
    "rules",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "lmp.accounts",
    "lmp.outbox",
    "lmp.partners",
    "lmp.webhooks",
    "licenses",
    "lmp.billing",
    "shipping",
    "onboarding",
    "lmp.api",
    "lmp.demo",  # the demo data (seed_demo, demo_totp): the top of the app stack
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON compressed (the license page at 1,000 customers: 93 KB sent as 7 KB). Below
    # WhiteNoise, which sends its own precompressed static files; above the rest, so it compresses
    # the body they leave. BREACH: Django's GZipMiddleware pads each response with random bytes
    # (since 4.2) and the CSRF token in a page is masked anew on every response.
    "lmp.middleware.GZipTextMiddleware",
    # After WhiteNoise, so static files keep their caching and every other response is no-store.
    "lmp.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The language of the page: the login's choice, this browser's, the partner's default, the
    # browser's Accept-Language (the API: Accept-Language only). Before every middleware that may
    # answer (the CSRF failure page is rendered by the view layer, after it).
    "lmp.partners.middleware.LanguageMiddleware",
    # Signs out a session whose login's sessions were ended (deactivated, No LMP Access): for
    # good, even once the login is back. Before LoginRequiredMiddleware, which then sends it on.
    "lmp.partners.middleware.EndedSessionMiddleware",
    # Django's LoginRequiredMiddleware; an htmx request gets HX-Redirect, not the login page.
    "lmp.accounts.middleware.HtmxLoginRequiredMiddleware",
    # user.is_verified(): whether this session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Sends a login that has not passed its second factor to verify it (or, required, set one up).
    "lmp.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lmp.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lmp.partners.context_processors.partner",
            ],
            # {% load lmp_l10n %}: count, money and percent in the reader's language.
            "libraries": {"lmp_l10n": "lmp.core.l10n"},
        },
    },
]

WSGI_APPLICATION = "lmp.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue instead of
    # one failing with "database is locked" half-way through; the timeout bounds that queue.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the license rows are updated by the seat triggers on every allocation write, so
    # until autovacuum catches up the planner overestimates them and compiled the License tab's
    # 1-row query for 230 ms. JIT pays off only for long analytic queries, which a portal has not.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A server that does not answer is a failed connection after 10 s, not a hang: the worker
    # (lmp/core/worker.py) then waits and tries again, a web request answers 503.
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that loads the user's membership and partner with it (one query, not two).
    "lmp.partners.auth.MembershipBackend",
]

# Login throttling: after 5 failures for one username from one address the pair is locked for
# 15 minutes. The lockout page says the same whether or not the username exists, and the login
# form's own error never says which of username or password was wrong.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address is REMOTE_ADDR unless AXES_IPWARE_PROXY_COUNT says how many reverse proxies stand in
# front of LMP; then it is read from X-Forwarded-For, counted from the right
# (lmp/core/client_ip.py).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_IPWARE_PROXY_COUNT", "0")) or None
AXES_CLIENT_IP_CALLABLE = "lmp.core.client_ip.client_ip"
AXES_VERBOSE = False
# The username as axes records it: cut to its 255-character column (lmp/accounts/throttle.py).
AXES_USERNAME_CALLABLE = "lmp.accounts.throttle.attempt_username"

# Content Security Policy: scripts and styles only from our own origin (no inline script at all);
# style attributes stay allowed because Bootstrap components and Django admin widgets set them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Two-factor sign-in (django-otp): the name authenticator apps show, and its throttling of wrong
# codes (1, 2, 4, 8 … seconds after successive failures, stored in the device row).
OTP_TOTP_ISSUER = "LMP"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# How long a password reset link works.
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# English and Canadian French (docs/pages/development/translating.md). The language lives in the
# session and a cookie, not the URL: a link (in an e-mail, shared with a colleague) opens in the
# reader's own language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr-ca", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "lmp_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Toronto")
USE_I18N = True
# The portal's number and date formats by language (lmp/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["lmp.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # css/lmp.bundle.css: the one render-blocking style sheet (lmp/static_bundle.py).
    "lmp.static_bundle.BundleFinder",
]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

# Messages ride in a signed cookie (the session only when one is too big for it): showing "saved"
# after an Edit costs no session write.
MESSAGE_STORAGE = "django.contrib.messages.storage.fallback.FallbackStorage"

# E-mail: console in development, locmem in tests, SMTP configured by the environment otherwise.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "LMP <no-reply@lmp.example>")
if TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = os.environ.get(
        "EMAIL_BACKEND",
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend",
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before a silent mail server counts as down (well under the outbox lease below).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

# The task queue (django-tasks, database backend): every e-mail is a task row committed with the
# change that causes it; workers (`manage.py worker`, one or many, on any machine) share the
# table. Everywhere the same backend, tests included (tests/helpers/mail.py runs the worker
# in-process).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Seconds to wait after each failed attempt to send an e-mail (5 attempts: 1, 2, 4, 8 minutes).
OUTBOX_RETRY_DELAYS = [int(s) for s in env_list("OUTBOX_RETRY_DELAYS", "60,120,240,480")]
# How long a worker holds an e-mail it is sending; a mail still "sending" after that (its worker
# stopped) is sent again by the next worker.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "300"))
# The rows are the truth, the queue only wakes workers: every worker also sends an e-mail or a
# webhook delivery that has been due this many seconds and is held by no live lease (its task was
# lost with a worker killed at the wrong moment), and looks for them this often. Such a row goes
# out about this long after it fell due, twice this at most (lmp/core/worker.py).
WORKER_SWEEP_SECONDS = int(os.environ.get("WORKER_SWEEP_SECONDS", "30"))

# Webhook deliveries ride the same queue: seconds between attempts (5 attempts: 1, 2, 4, 8
# minutes), seconds a silent endpoint gets, and how long a worker holds a delivery it is posting.
WEBHOOKS_RETRY_DELAYS = [int(s) for s in env_list("WEBHOOKS_RETRY_DELAYS", "60,120,240,480")]
WEBHOOKS_TIMEOUT = int(os.environ.get("WEBHOOKS_TIMEOUT", "10"))
WEBHOOKS_LEASE_SECONDS = int(os.environ.get("WEBHOOKS_LEASE_SECONDS", "120"))
# Endpoints must be https:// on public addresses (no private, loopback or link-local ones: LMP
# would otherwise call into its own network); on under DEBUG and in tests for local receivers.
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", DEBUG or TESTING)

# The partner API (lmp/api/): API keys only (no session, so no CSRF), problem details (RFC 9457)
# for every refusal, throttled per key (lmp/api/throttles.py: a count per key and minute in the
# database, so every web process counts into it).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["lmp.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["lmp.api.permissions.RolePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["lmp.api.throttles.ApiKeyThrottle"],
    # A client that accepts only problem details (application/problem+json) is answered too.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "lmp.api.problems.ProblemRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "lmp.api.schema.ProblemAutoSchema",
    "EXCEPTION_HANDLER": "lmp.api.problems.problem_handler",
    "UNAUTHENTICATED_USER": None,
}
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min")
# Failed authentications (a wrong, revoked or expired key) per client address, then 429.
API_AUTH_FAILURE_RATE = os.environ.get("API_AUTH_FAILURE_RATE", "30/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "LMP partner API",
    "DESCRIPTION": "Licenses, customers, allocation history and onboarding orders of one partner.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# API keys: the header they come in (Authorization: Api-Key <key>, read by lmp.api.authentication).
API_KEY_CUSTOM_HEADER = "HTTP_AUTHORIZATION"
# Idempotency records older than this are purged (`manage.py api_idempotency_purge`).
API_IDEMPOTENCY_HOURS = int(os.environ.get("API_IDEMPOTENCY_HOURS", "24"))

# Sessions end after a working day of inactivity and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The vendor's incident-response line shown when onboarding stops at the incident check.
INCIDENT_RESPONSE_PHONE = os.environ.get("INCIDENT_RESPONSE_PHONE", "1-888-555-0199")
INCIDENT_RESPONSE_EMAIL = os.environ.get("INCIDENT_RESPONSE_EMAIL", "incident@mdr-vendor.example")

# Bulk edit: the largest workbook a partner may upload (bytes).
BULK_EDIT_MAX_BYTES = int(os.environ.get("BULK_EDIT_MAX_BYTES", str(10 * 1024 * 1024)))

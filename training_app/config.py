"""Settings from the environment, with embedded defaults that work on a fresh machine."""

import os
import secrets
import socket
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


DEMO_MARKER = "demo-installation"


def is_demo_installation(instance_path: str) -> bool:
    """True where the demonstration data was loaded (`make run`, `flask setup`): its pages say
    so, and it may serve without TRAINING_TRUSTED_HOSTS."""
    return (Path(instance_path) / DEMO_MARKER).exists()


def mark_demo_installation(instance_path: str) -> None:
    path = Path(instance_path) / DEMO_MARKER
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("This installation holds demonstration data, not real records.\n")


def private_database_file(path: str | None) -> None:
    """An SQLite database file readable by this server's user only (SQLite gives its journal
    and WAL files the same mode); created empty, so SQLite never creates it world-readable."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


class SettingError(RuntimeError):
    """A setting names something that cannot be used (a file that cannot be read)."""


def secret_keys_from_file(path: str) -> tuple[str, list[str]]:
    """TRAINING_SECRET_KEY_FILE: the first non-empty line is the secret key; any further
    lines are earlier keys still accepted for cookies signed before a rotation."""
    try:
        lines = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(f"TRAINING_SECRET_KEY_FILE={path} cannot be read: {exc}") from exc
    if not lines:
        raise SettingError(f"TRAINING_SECRET_KEY_FILE={path} is empty")
    return lines[0], lines[1:]


def load_settings(instance_path: str) -> dict:
    """Settings read from TRAINING_* environment variables."""
    env = os.environ
    database_url = env.get("TRAINING_DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "training.sqlite3")
    )
    secret_key, fallbacks = env.get("TRAINING_SECRET_KEY") or None, None
    if not secret_key and env.get("TRAINING_SECRET_KEY_FILE"):
        secret_key, fallbacks = secret_keys_from_file(env["TRAINING_SECRET_KEY_FILE"])
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        # the same on every server (environment or a shared file), else each server's own
        # generated key would reject the cookies the others signed
        "SECRET_KEY": secret_key,
        "SECRET_KEY_FALLBACKS": fallbacks or None,
        # certificate signing keys (and the sync sealing key) in a folder every server shares;
        # instance/keys becomes a link to it
        "KEYS_DIR": env.get("TRAINING_KEYS_DIR") or None,
        "CONTENT_ROOT": env.get("TRAINING_CONTENT_ROOT", str(PROJECT_ROOT)),
        "QUIZ_PASS_MARK": float(env.get("TRAINING_QUIZ_PASS_MARK", "0") or 0) or None,
        "SELF_REGISTRATION": _bool(env.get("TRAINING_SELF_REGISTRATION"), True),
        "SESSION_COOKIE_SECURE": _bool(env.get("TRAINING_SECURE_COOKIES"), False),
        "REMEMBER_COOKIE_SECURE": _bool(env.get("TRAINING_SECURE_COOKIES"), False),
        # the secret mixed into every PIN hash, kept outside the database; without it, the
        # instance folder's pin_pepper file (made on first use). Servers that exchange sync
        # bundles must share it, as the PIN hashes travel in the bundles.
        "PIN_PEPPER": env.get("TRAINING_PIN_PEPPER") or None,
        # how long a sign-in waits for a free core to hash its PIN before "a moment, please"
        "PIN_HASH_WAIT": float(env.get("TRAINING_PIN_HASH_WAIT", "10")),
        # shared by every worker and server: sign-in limits, lockouts, live views
        "REDIS_URL": env.get("TRAINING_REDIS_URL") or None,
        "RATELIMIT_STORAGE_URI": env.get("TRAINING_RATELIMIT_STORAGE_URI")
        or env.get("TRAINING_REDIS_URL") or "memory://",
        # wrong PINs or passwords per account (counted per known device apart), and per
        # address; correct sign-ins never count
        "LOGIN_RATE_LIMIT": env.get("TRAINING_LOGIN_RATE_LIMIT", "10 per 15 minutes"),
        "LOGIN_ADDRESS_LIMIT": env.get("TRAINING_LOGIN_ADDRESS_LIMIT", "100 per 15 minutes"),
        "BEHIND_PROXY": _bool(env.get("TRAINING_BEHIND_PROXY"), False),
        # addresses (or networks) of the reverse proxies whose X-Forwarded-* headers are
        # believed; TRAINING_BEHIND_PROXY=true alone trusts a proxy on this machine
        "TRUSTED_PROXIES": [p.strip() for p in env.get("TRAINING_TRUSTED_PROXIES", "")
                            .split(",") if p.strip()] or None,
        "LOG_FORMAT": env.get("TRAINING_LOG_FORMAT", "json"),
        # a device waits up to this many seconds before keeping the module for offline study,
        # so a classroom signing in at once does not download it all at the same moment
        "OFFLINE_PRECACHE_DELAY": float(env.get("TRAINING_OFFLINE_PRECACHE_DELAY", "30")),
        # host names this server answers to (comma-separated); the others get 400, so a forged
        # Host header cannot put another address into a certificate's QR code or badge
        "TRUSTED_HOSTS": [h.strip() for h in env.get("TRAINING_TRUSTED_HOSTS", "").split(",")
                          if h.strip()] or None,
        # /healthz reports the disk "low" below this much free space (MB) in the instance folder
        "MIN_FREE_DISK_MB": int(env.get("TRAINING_MIN_FREE_DISK_MB", "100")),
        # seconds an uploaded roster is kept for its preview; older uploads are deleted
        "IMPORT_KEEP_SECONDS": float(env.get("TRAINING_IMPORT_KEEP_SECONDS", "3600")),
        # seconds one roster file may take to read and check before it is refused
        "IMPORT_TIME_LIMIT": float(env.get("TRAINING_IMPORT_TIME_LIMIT", "30")),
        # how this server names itself in the sync bundles it writes (a camp, for example)
        "SITE_NAME": env.get("TRAINING_SITE_NAME") or socket.gethostname(),
        # a learner opening a slide again is answered before the request machinery
        # (learn.quick); false leaves every request to Flask
        "QUICK_SLIDES": _bool(env.get("TRAINING_QUICK_SLIDES"), True),
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # a learner's device stays signed in for the length of a course: one sign-in, not one a day
    "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "MAX_FORM_MEMORY_SIZE": 512 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
    "LANGUAGES": ["ar", "en", "es", "fr", "ru", "zh"],
    "QUIZ_PASS_MARK": None,
    "RATELIMIT_HEADERS_ENABLED": False,
    "SEND_FILE_MAX_AGE_DEFAULT": 60 * 60 * 24 * 365,
    "SYNC_MAX_BUNDLE": 64 * 1024 * 1024,
}

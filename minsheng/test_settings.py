"""Settings for the test suite: deterministic keys, tasks run inline, fast password hashing."""

import os

os.environ.setdefault("MINSHENG_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("MINSHENG_FIELD_KEYS", "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0xMjM=")
os.environ.setdefault("MINSHENG_DEBUG", "0")
os.environ.setdefault("MINSHENG_SECURE_COOKIES", "0")
os.environ.setdefault("MINSHENG_CAPTCHA_TEST_MODE", "1")

from minsheng.settings import *  # noqa: F403
from minsheng.settings import DATA_DIR, HUEY

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline by default; tests of the real queue switch `immediate` off for themselves. The
# SQLite queue file is the tests' own, so flushing it never touches a developer's queue.
HUEY = {**HUEY, "immediate": True}
if "filename" in HUEY:
    HUEY["filename"] = str(DATA_DIR / "test-huey.sqlite3")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "memory"
MEDIA_ROOT = DATA_DIR / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise warns when the collected-static folder is missing; tests serve nothing from it.
STATIC_ROOT = DATA_DIR / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

"""Tracking codes and query passwords: what a citizen uses to follow a case without an account."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.conf import settings
from django.utils import timezone

# No 0/O, 1/I/L: codes are read aloud on the phone and typed from SMS.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_tracking_code(at: datetime) -> str:
    """e.g. 20261120K7QF3M: the date helps staff on the phone; the random part prevents guessing."""
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(6))
    return f"{timezone.localtime(at):%Y%m%d}{suffix}"


def new_query_password() -> str:
    return "".join(secrets.choice("23456789") for _ in range(6))


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def password_digest(code: str, password: str) -> str:
    # Keyed with the server secret: the stored digest is useless to someone who copies the table.
    key = hashlib.sha256(("tracking:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, f"{normalise_code(code)}:{password.strip()}".encode(), hashlib.sha256).hexdigest()


def password_matches(code: str, password: str, stored_digest: str) -> bool:
    return hmac.compare_digest(password_digest(code, password), stored_digest)

"""Encryption at rest for citizens' personal data, and keyed digests for looking it up.

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`; MultiFernet so that keys can be rotated:
the first key in MINSHENG_FIELD_KEYS encrypts, every key decrypts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = []
    for raw in settings.FIELD_ENCRYPTION_KEYS:
        try:
            keys.append(Fernet(raw.encode()))
        except ValueError:
            raise ImproperlyConfigured(
                "MINSHENG_FIELD_KEYS holds a value that is not a Fernet key (urlsafe base64 of 32 bytes)"
            ) from None
    return MultiFernet(keys)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ImproperlyConfigured("a stored value cannot be decrypted with MINSHENG_FIELD_KEYS") from None


def digest(value: str, *, purpose: str) -> str:
    """A keyed, deterministic digest: equal inputs give equal digests, so we can find "the same
    citizen" without storing the phone number in clear, and the digest is useless without the key."""
    key = hashlib.sha256(("minsheng:" + purpose + ":").encode() + base64.urlsafe_b64decode(
        settings.FIELD_ENCRYPTION_KEYS[0])).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted. It cannot be filtered on: use a digest column for lookups."""

    def from_db_value(self, value, expression, connection):  # type: ignore[no-untyped-def]
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):  # type: ignore[no-untyped-def]
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

"""SMS backends: "memory" (tests), "console", "file" (development) and "http" (a provider's API)."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

# The "memory" backend's outbox, for tests only (like Django's locmem mail backend).
outbox: list[tuple[str, str]] = []


class SmsError(Exception):
    pass


def send_sms(phone: str, text: str) -> None:
    backend = settings.SMS_BACKEND
    if backend == "memory":
        outbox.append((phone, text))
    elif backend == "console":
        # Only the last 4 digits: logs must never hold a citizen's full number.
        logger.info("SMS to ***%s: %s", phone[-4:], text)
    elif backend == "file":
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%d")
        with (folder / f"sms-{stamp}.log").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"to": phone, "text": text, "at": timezone.now().isoformat()}, ensure_ascii=False))
            fh.write("\n")
    elif backend == "http":
        _send_http(phone, text)
    else:
        raise SmsError(f"unknown SMS backend {backend!r}")


def _send_http(phone: str, text: str) -> None:
    if not settings.SMS_HTTP_URL.startswith(("http://", "https://")):
        raise SmsError("MINSHENG_SMS_HTTP_URL must be an http(s) URL")
    payload = json.dumps({"phone": phone, "content": text}).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        settings.SMS_HTTP_URL, data=payload, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
    except (OSError, ValueError) as exc:
        raise SmsError(f"SMS provider unreachable: {exc.__class__.__name__}") from None
    if answer.get("code") not in (0, "0", "OK"):
        raise SmsError(f"SMS provider refused: {answer.get('message', '')[:200]}")

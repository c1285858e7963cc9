"""SMS backends: "memory" (tests), "console", "file" (development) and "http" (a provider's API)."""

from __future__ import annotations

import json
import logging
import urllib.error
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
    """POST {"phone", "content"} as JSON with a bearer token; the provider answers {"code", "message"}
    with code 0 (or "0", "OK") for accepted. Anything else raises SmsError, so the notification stays
    pending and the sweep tries again."""
    url = settings.SMS_HTTP_URL
    if not url.lower().startswith(("http://", "https://")):
        raise SmsError("MINSHENG_SMS_HTTP_URL must be an http(s) URL")
    payload = json.dumps({"phone": phone, "content": text}, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=payload, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}"},
    )
    timeout = getattr(settings, "SMS_HTTP_TIMEOUT", 10)
    proxy = getattr(settings, "SMS_HTTP_PROXY", "")
    try:
        with _opener(proxy).open(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        # Providers often explain a refusal in the body of a 4xx/5xx answer.
        try:
            raw = exc.read()
        except OSError:
            raw = b""
        finally:
            exc.close()
        answer = _parse(raw)
        raise SmsError(f"SMS provider refused (HTTP {exc.code}): {_message(answer)}") from None
    except OSError as exc:  # refused, reset, DNS, TLS, timeout
        through = " through the proxy MINSHENG_SMS_HTTP_PROXY" if proxy else ""
        raise SmsError(f"SMS provider unreachable{through}: {exc.__class__.__name__}") from None
    answer = _parse(raw)
    if answer.get("code") not in (0, "0", "OK"):
        raise SmsError(f"SMS provider refused: {_message(answer)}")


def _opener(proxy: str) -> urllib.request.OpenerDirector:
    """Direct to the gateway, or through the one proxy the operator configured.

    Not urlopen: it follows http_proxy/https_proxy from the process environment, which a host may
    carry for other reasons (a package mirror, a login shell), and would then send citizens' numbers
    to a proxy outside the intranet, or fail because that proxy cannot see the intranet gateway.
    An explicit ProxyHandler replaces the environment's: an empty mapping means no proxy at all.
    """
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies))


def _parse(raw: bytes) -> dict[str, object]:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {"message": "answer is not JSON"}
    return answer if isinstance(answer, dict) else {"message": "answer is not a JSON object"}


def _message(answer: dict[str, object]) -> str:
    message = answer.get("message")
    return str(message if message is not None else answer.get("code", ""))[:200]

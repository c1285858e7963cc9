"""The HTTP SMS provider adapter and the SMTP path, each against a local fake server."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from minsheng.conftest import submit_case
from minsheng.lib.env import env_url
from minsheng.notifications.models import DeliveryState, Notification
from minsheng.notifications.sms import SmsError, send_sms
from minsheng.notifications.tasks import deliver_now

pytestmark = pytest.mark.django_db


@dataclass
class FakeProvider:
    """What the provider answers next, and what it received."""

    status: int = 200
    answer: Any = field(default_factory=lambda: {"code": 0, "message": "OK"})
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


def _serve(fake: FakeProvider) -> ThreadingHTTPServer:
    """A local HTTP server that records what it receives and answers as `fake` says."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)})
            if fake.delay:
                time.sleep(fake.delay)
            body = fake.answer if isinstance(fake.answer, bytes) else json.dumps(fake.answer).encode()
            try:
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (timeout test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    return server


@pytest.fixture
def provider(settings) -> Iterator[FakeProvider]:
    fake = FakeProvider()
    server = _serve(fake)
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = fake.url
    settings.SMS_HTTP_TOKEN = "provider-token-123"
    settings.SMS_HTTP_TIMEOUT = 2
    yield fake
    server.shutdown()
    server.server_close()


def sms_notification(world) -> Notification:  # type: ignore[no-untyped-def]
    submit_case(world)
    return Notification.objects.get(medium="sms")


def test_a_message_is_posted_as_json_with_the_bearer_token_and_code_0_means_sent(world, provider):
    note = sms_notification(world)
    assert deliver_now(note.pk) is True
    note.refresh_from_db()
    assert note.state == DeliveryState.SENT and note.attempts == 1
    [request] = provider.requests
    assert request["path"] == "/sms/send"
    assert request["headers"]["Authorization"] == "Bearer provider-token-123"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["body"]["phone"] == "13812345678"
    assert request["body"]["content"] == note.body and "【A市人民政府】" in request["body"]["content"]


@pytest.mark.parametrize("code", ["0", "OK"])
def test_other_spellings_of_success_are_accepted(provider, code):
    provider.answer = {"code": code}
    send_sms("13800000000", "测试")


def test_a_provider_error_code_raises_with_its_message_and_the_notification_is_retried(world, provider):
    provider.answer = {"code": 1001, "message": "余额不足"}
    with pytest.raises(SmsError, match="余额不足"):
        send_sms("13800000000", "测试")
    note = sms_notification(world)
    assert deliver_now(note.pk) is False
    note.refresh_from_db()
    assert note.state == DeliveryState.PENDING and note.attempts == 1
    assert "余额不足" in note.last_error
    provider.answer = {"code": 0}
    assert deliver_now(note.pk) is True
    note.refresh_from_db()
    assert note.state == DeliveryState.SENT and note.attempts == 2


def test_an_http_error_status_reports_the_providers_explanation(provider):
    provider.status, provider.answer = 401, {"code": 40101, "message": "invalid token"}
    with pytest.raises(SmsError, match=r"HTTP 401.*invalid token"):
        send_sms("13800000000", "测试")


@pytest.mark.parametrize("answer", [b"<html>busy</html>", [1, 2], {"message": None}, b""])
def test_an_answer_that_is_not_a_provider_answer_is_a_refusal_not_a_crash(provider, answer):
    provider.answer = answer
    with pytest.raises(SmsError, match="refused"):
        send_sms("13800000000", "测试")


def test_a_provider_that_does_not_answer_in_time_leaves_the_notification_pending(world, provider, settings):
    settings.SMS_HTTP_TIMEOUT = 0.3
    provider.delay = 1.5
    note = sms_notification(world)
    with pytest.raises(SmsError, match="unreachable"):
        send_sms("13800000000", "测试")
    assert deliver_now(note.pk) is False
    note.refresh_from_db()
    assert note.state == DeliveryState.PENDING and "unreachable" in note.last_error


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_connection_leaves_the_notification_pending(world, provider, settings):
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{_closed_port()}/sms/send"
    note = sms_notification(world)
    assert deliver_now(note.pk) is False
    note.refresh_from_db()
    assert note.state == DeliveryState.PENDING and note.attempts == 1
    assert "unreachable" in note.last_error


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/sms", "127.0.0.1:8000/sms", ""])
def test_a_url_that_is_not_http_is_refused_before_anything_is_sent(provider, settings, url):
    settings.SMS_HTTP_URL = url
    with pytest.raises(SmsError, match="http"):
        send_sms("13800000000", "测试")
    assert provider.requests == []


# -- proxies ---------------------------------------------------------------------------------------


@pytest.fixture
def proxy() -> Iterator[FakeProvider]:
    """A forward proxy that answers for the gateway itself, so whatever reaches it is recorded."""
    fake = FakeProvider()
    server = _serve(fake)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy_in_environment(monkeypatch, proxy) -> FakeProvider:
    """The host's environment names a proxy for everything, with no exception for the gateway."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy.url)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    # urlopen builds its opener once and keeps it: drop it, so that code going back to urlopen would
    # read these variables whatever ran before.
    urllib.request.install_opener(None)  # type: ignore[arg-type]
    return proxy


def test_the_gateway_is_reached_directly_although_the_environment_names_a_proxy(provider, proxy_in_environment):
    send_sms("13800000000", "测试")
    assert len(provider.requests) == 1
    assert proxy_in_environment.requests == []


def test_a_proxy_configured_for_the_gateway_is_used_and_the_environments_is_not(provider, proxy, settings,
                                                                                   monkeypatch):
    elsewhere = FakeProvider()
    other = _serve(elsewhere)
    try:
        monkeypatch.setenv("http_proxy", elsewhere.url.rsplit("/sms/send", 1)[0])
        settings.SMS_HTTP_PROXY = proxy.url
        send_sms("13800000000", "测试")
    finally:
        other.shutdown()
        other.server_close()
    [request] = proxy.requests
    # A forward proxy is asked for the gateway's full URL, with the provider's token passed on.
    assert request["path"] == provider.url
    assert request["headers"]["Authorization"] == "Bearer provider-token-123"
    assert request["body"]["phone"] == "13800000000"
    assert provider.requests == [] and elsewhere.requests == []


def test_an_unreachable_configured_proxy_says_so_and_leaves_the_notification_pending(world, provider, settings):
    settings.SMS_HTTP_PROXY = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(SmsError, match="unreachable through the proxy MINSHENG_SMS_HTTP_PROXY"):
        send_sms("13800000000", "测试")
    note = sms_notification(world)
    assert deliver_now(note.pk) is False
    note.refresh_from_db()
    assert note.state == DeliveryState.PENDING and provider.requests == []


@pytest.mark.parametrize("value", ["proxy.intranet:3128", "socks5://127.0.0.1:1080", "http://", "http://h:port"])
def test_a_proxy_setting_that_is_not_an_http_url_stops_the_process_at_start(monkeypatch, value):
    monkeypatch.setenv("MINSHENG_SMS_HTTP_PROXY", value)
    with pytest.raises(ImproperlyConfigured, match="MINSHENG_SMS_HTTP_PROXY"):
        env_url("MINSHENG_SMS_HTTP_PROXY")


@pytest.mark.parametrize("value", ["", "http://proxy.intranet:3128", "https://user:secret@10.0.0.8:8443"])
def test_a_proxy_setting_may_be_empty_or_an_http_url(monkeypatch, value):
    monkeypatch.setenv("MINSHENG_SMS_HTTP_PROXY", value)
    assert env_url("MINSHENG_SMS_HTTP_PROXY") == value


# -- SMTP ------------------------------------------------------------------------------------------


@dataclass
class FakeMailbox:
    port: int
    messages: list[tuple[list[str], bytes]] = field(default_factory=list)


@pytest.fixture
def smtp_server(settings) -> Iterator[FakeMailbox]:
    controller_module = pytest.importorskip("aiosmtpd.controller")
    mailbox = FakeMailbox(port=_closed_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            mailbox.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
            return "250 OK"

    controller = controller_module.Controller(Handler(), hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mailbox.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    controller.stop()


def test_an_email_goes_out_through_smtp(world, smtp_server):
    submit_case(world)
    note = Notification.objects.get(medium="email")
    assert deliver_now(note.pk) is True
    [(recipients, raw)] = smtp_server.messages
    assert recipients == ["wang@example.com"]
    message = message_from_bytes(raw)
    assert str(make_header(decode_header(message["Subject"]))) == note.subject
    assert note.body in message.get_payload(decode=True).decode("utf-8")


def test_an_unreachable_smtp_server_leaves_the_email_pending(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    submit_case(world)
    note = Notification.objects.get(medium="email")
    assert deliver_now(note.pk) is False
    note.refresh_from_db()
    assert note.state == DeliveryState.PENDING and note.attempts == 1 and note.last_error

"""The write path for imported history: cases that a previous system received (and usually answered).

`case_import` is to imported cases what the functions in `actions.py` are to live ones: the only
function that writes them, in one transaction, with a `CaseEvent` for the audit trail. Reading and
validating the source file is the job of the `import_cases` command; this module trusts its input
to be validated, except for the few invariants that would leave a broken case behind.

What an imported case looks like, and why:
* The citizen's personal data is unknown: name, phone and email are stored as empty strings and the
  citizen digest is empty, so no lookup by phone ever matches an imported case.
* It has a tracking code (every case has one and staff search by it), but the query password digest
  is unusable: nobody holds a password, so no citizen can open, rate or supplement it. An imported
  "replied" case therefore leaves that status only as a live one left unrated does: closed by the
  scan at the end of the site's rating window (`Site.rating_window_working_days`, `close_unrated`).
* An answered case went through the whole workflow in the old system on dates we only partly know:
  accepted, dispatched and received are set to the posting time, replied (and closed) to the reply
  time. No deadline is computed: judging history by today's deadline rules would be unfair.
* A case without an answer enters intake as `submitted`, so it is handled like a new message
  instead of being lost with the old system.
* The public copies are masked here by the function live cases use (`lib.masking.mask_case_text`),
  so a case published now or later never shows unmasked text, and shows what a live case would.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.cases import search
from minsheng.cases.actions import ActionError
from minsheng.cases.models import (
    ActorKind,
    Assignment,
    AssignmentRole,
    Case,
    CaseEvent,
    Reply,
    ReplyStatus,
    Status,
    event_time,
)
from minsheng.cases.tracking import new_tracking_code
from minsheng.lib.masking import mask_case_text
from minsheng.metrics import snapshots as month_snapshots
from minsheng.sites.models import Category, Channel, Department, Site

SYSTEM_IMPORT_USERNAME = "system-import"
# Statuses an imported case may have: answered history, or an open message for intake.
IMPORT_STATUSES = frozenset({Status.CLOSED, Status.REPLIED, Status.SUBMITTED})


@dataclass
class HistoricalCase:
    """One validated row of an import file, with the site's objects already looked up."""

    title: str
    body: str
    posted_at: datetime
    channel: Channel
    status: str
    category: Category | None = None
    department: Department | None = None
    reply: str = ""
    replied_at: datetime | None = None
    # Masked copies; left None they are computed by `case_import` (the command masks outside the
    # write transaction, in parallel, because masking is by far the slowest step).
    public_title: str | None = None
    public_body: str | None = None
    public_reply: str | None = None
    # Where the row came from (file, line, id in the old system): kept in the audit event.
    source: dict[str, Any] = field(default_factory=dict)
    import_key: str = ""


def normalise_for_key(text: str) -> str:
    """Full-width to half-width and every run of whitespace to one space: a re-export of the same
    data by Excel (which likes to change line breaks and trailing spaces) gives the same key."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def make_import_key(site_code: str, title: str, body: str, posted_at: datetime) -> str:
    """Identity of a historical message: the same site, title, text and posting second is the same
    message, however often and from whichever export (CSV or XLSX) it is imported."""
    moment = posted_at.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [site_code.strip().lower(), normalise_for_key(title), normalise_for_key(body), moment]
    # The unit separator cannot occur in the normalised parts, so no two inputs share a key string.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def import_system_user() -> User:
    """The author of imported replies: the people who wrote them are not users of this system.

    Inactive and without a usable password, so nobody can sign in as it."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_IMPORT_USERNAME,
        defaults={"is_active": False, "display_name": "历史数据导入"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def mask_public_texts(data: HistoricalCase) -> None:
    """Fill the masked public copies that are still missing, by the rule of live cases
    (`lib.masking.mask_case_text`); history has no citizen details to pass."""
    if data.public_title is None:
        data.public_title = mask_case_text(data.title)[:100]
    if data.public_body is None:
        data.public_body = mask_case_text(data.body)
    if data.public_reply is None:
        data.public_reply = mask_case_text(data.reply, reply=True)


def _unusable_password_digest() -> str:
    # Real digests are 64 hex characters; "!" can never be produced by `password_digest`, so no
    # password matches (the same idea as Django's unusable passwords).
    return "!" + secrets.token_hex(31)


@transaction.atomic
def case_import(
    data: HistoricalCase,
    *,
    site: Site,
    by: User | None = None,
    publish: bool = False,
    author: User | None = None,
) -> Case | None:
    """Write one historical case; None when a case with the same import key already exists.

    `by` is the member of staff running the import (the audit event's actor; the system when
    None). `publish` says the old portal published answered cases: they are published again, dated
    by their reply. `author` is the user the imported reply is attributed to (`system-import` by
    default; pass it in to save a query per row).
    """
    if data.status not in IMPORT_STATUSES:
        raise ActionError(f"an imported case cannot have status {data.status!r}")
    answered = data.status != Status.SUBMITTED
    if answered and (not data.reply or data.replied_at is None or data.department is None):
        raise ActionError("an answered case needs a reply, its time and its department")
    if data.channel.site_id != site.pk:
        raise ActionError("the channel does not belong to this site")
    key = data.import_key or make_import_key(site.code, data.title, data.body, data.posted_at)
    mask_public_texts(data)

    case = Case(
        site=site, channel=data.channel, category=data.category, status=data.status,
        query_password_digest=_unusable_password_digest(),
        title=data.title, body=data.body, citizen_name="", citizen_phone="", citizen_email="",
        citizen_digest="", wants_public=publish, publish_agreed=publish,
        public_title=data.public_title or "", public_body=data.public_body or "",
        submitted_at=data.posted_at, is_imported=True, import_key=key,
    )
    if answered:
        case.lead_department = data.department
        case.accepted_at = case.dispatched_at = case.received_at = data.posted_at
        case.replied_at = data.replied_at
        if data.status == Status.CLOSED:
            case.closed_at = data.replied_at
        if publish:
            case.published_at = data.replied_at
    # Random codes collide about once in a billion per day; retry instead of checking first, which
    # would cost a query for every row. A clash on the import key means another import got there
    # first: not an error, the case exists.
    for _attempt in range(5):
        case.tracking_code = new_tracking_code(data.posted_at)
        try:
            with transaction.atomic():
                case.save(force_insert=True)
            break
        except IntegrityError:
            case.pk = None
            if Case.objects.filter(import_key=key).exists():
                return None
    else:  # pragma: no cover - five random collisions in a row
        raise ActionError("could not find a free tracking code")

    if answered:
        assert data.department is not None and data.replied_at is not None  # checked above
        Assignment.objects.create(
            case=case, department=data.department, role=AssignmentRole.LEAD,
            dispatched_at=data.posted_at, received_at=data.posted_at,
        )
        Reply.objects.create(
            case=case, department=data.department, author=author or import_system_user(),
            body=data.reply, public_body=data.public_reply or "", status=ReplyStatus.APPROVED,
            submitted_at=data.replied_at, reviewed_at=data.replied_at,
        )
    event_data = {**data.source, "posted_at": event_time(data.posted_at)}
    if data.replied_at is not None:
        event_data["replied_at"] = event_time(data.replied_at)
    if not answered and data.department is not None:
        # The old system named a department but never answered: a hint for intake, not a dispatch.
        event_data["department_hint"] = data.department.pk
    CaseEvent.objects.create(
        case=case, action="import", from_status="", to_status=case.status, actor=by,
        actor_kind=ActorKind.STAFF if by is not None else ActorKind.SYSTEM,
        department=case.lead_department, data=event_data, created_at=timezone.now(),
    )
    # History lands in finished months: their stored figures must include it.
    month_snapshots.case_changed(case)
    search.reindex(case)
    return case

"""Writing and checking the audit log.

    audit_record(event, *, subject_user_id, actor=None, data=None, request=None, ip=None) -> AuditEntry
    verify_chain() -> ChainReport(ok, entries, first_broken_seq, reason)

Appends are serialized so that concurrent writers keep one chain: the append runs in a transaction (joining the
caller's, so that the entry commits or rolls back with the change it records), takes the last row with
select_for_update() on databases that lock rows, and on PostgreSQL first a transaction-level advisory lock (which
also covers the empty table). SQLite serializes writers itself: the settings open every transaction IMMEDIATE, so the
transaction holds the database's write lock before it reads the last row. The unique seq and prev_hash columns make
any fork an IntegrityError instead of a silent second branch.
"""

import hashlib
import ipaddress
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.utils import timezone

from . import canonical
from .models import GENESIS_HASH, AuditEntry

ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(b"voices_audit.append").digest()[:8], "big", signed=True)


def _clean_ip(value) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


def _user_id(actor) -> int | None:
    if actor is None:
        return None
    if isinstance(actor, int):
        return actor
    if getattr(actor, "is_authenticated", True) is False:  # AnonymousUser
        return None
    return getattr(actor, "pk", None)


def request_ip(request) -> str | None:
    return _clean_ip(request.META.get("REMOTE_ADDR")) if request is not None else None


def audit_record(event: str, *, subject_user_id: int | None, actor=None, data: dict | None = None, request=None,
                 ip: str | None = None) -> AuditEntry:
    """Append one entry to the audit log and return it.

    `actor` is the user who acted (a user or an id; None with no request means the system); `request` supplies the
    actor (its authenticated user) and the IP when they are not given; `data` is any JSON-able dict (normalized to
    canonical JSON first: see voices.audit.canonical)."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    ip = _clean_ip(ip) or request_ip(request)
    payload = canonical.normalize(dict(data or {}))
    using = router.db_for_write(AuditEntry)
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        last = (AuditEntry.objects.using(using).select_for_update().order_by("-seq")
                .only("seq", "entry_hash").first())
        entry = AuditEntry(
            seq=(last.seq + 1) if last else 1,
            created_at=timezone.now(),
            event=str(event),
            subject_user_id=subject_user_id,
            actor_user_id=_user_id(actor),
            ip=ip,
            data=payload,
            prev_hash=last.entry_hash if last else GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save(using=using)
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int  # entries checked (up to the first broken one, or all)
    first_broken_seq: int | None = None
    reason: str = ""
    head_hash: str = GENESIS_HASH  # the entry_hash of the last intact entry: keep it elsewhere to detect truncation


def verify_chain(using: str | None = None, chunk_size: int = 2000) -> ChainReport:
    """Recompute every entry's hash in seq order and check the links; stop at the first broken entry."""
    using = using or router.db_for_read(AuditEntry)
    expected_seq, prev_hash, count = 1, GENESIS_HASH, 0
    for entry in AuditEntry.objects.using(using).order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            what = "missing" if entry.seq > expected_seq else "duplicated or out of order"
            return ChainReport(False, count, expected_seq if entry.seq > expected_seq else entry.seq,
                               f"seq {expected_seq} expected, found {entry.seq} (entries {what})", prev_hash)
        if entry.prev_hash != prev_hash:
            return ChainReport(False, count, entry.seq,
                               f"prev_hash {entry.prev_hash[:16]}… does not match the hash of entry {entry.seq - 1} "
                               f"({prev_hash[:16]}…)", prev_hash)
        recomputed = entry.compute_hash()
        if recomputed != entry.entry_hash:
            return ChainReport(False, count, entry.seq,
                               f"entry_hash {entry.entry_hash[:16]}… does not match its contents (recomputed "
                               f"{recomputed[:16]}…): event, subject, actor, ip, data or created_at changed",
                               prev_hash)
        prev_hash, expected_seq, count = entry.entry_hash, expected_seq + 1, count + 1
    return ChainReport(True, count, None, "", prev_hash)

"""Consent: the versioned terms (voices/consent_terms/<version>.<language>.md) and the record of an author's yes."""

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from ..app_settings import app_settings
from ..audit.log import audit_record
from ..models import ConsentRecord
from .enrollment import enrollment_start

TERMS_DIR = Path(__file__).resolve().parent.parent / "consent_terms"
TERMS_LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class ConsentTerms:
    version: str
    language: str
    text: str  # Markdown

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def terms_language(language: str | None) -> str:
    """"zh-hans", "zh", None -> "zh"; "en-us" -> "en"."""
    language = (language or "zh").lower()
    return "en" if language.startswith("en") else "zh"


@cache
def _read_terms(version: str, language: str) -> str:
    path = TERMS_DIR / f"{version}.{language}.md"
    if not path.is_file():
        raise ImproperlyConfigured(f"Consent terms {path.name} are missing (VOICES['CONSENT_TERMS_VERSION']).")
    return path.read_text(encoding="utf-8")


def consent_terms(language: str | None = None, version: str | None = None) -> ConsentTerms:
    version = version or app_settings.CONSENT_TERMS_VERSION
    language = terms_language(language)
    return ConsentTerms(version=version, language=language, text=_read_terms(version, language))


@transaction.atomic
def consent_accept(*, user, language: str, ip_address: str | None = None, user_agent: str = "") -> ConsentRecord:
    """Record that `user` accepted the current terms in `language`, and start (or re-attach) their enrollment."""
    terms = consent_terms(language)
    record = ConsentRecord.objects.create(
        user=user, terms_version=terms.version, terms_sha256=terms.sha256, language=terms.language,
        accepted_at=timezone.now(), ip_address=ip_address or None, user_agent=(user_agent or "")[:1000],
    )
    enrollment = enrollment_start(user=user, consent=record)
    audit_record("consent", subject_user_id=user.pk, actor=user, ip=record.ip_address, data={
        "consent_id": record.pk, "enrollment_id": enrollment.pk, "terms_version": record.terms_version,
        "terms_sha256": record.terms_sha256, "language": record.language, "accepted_at": record.accepted_at,
        "user_agent": record.user_agent})
    return record

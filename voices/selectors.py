"""Reads for the voices pages and API (services write, selectors read)."""

from django.db.models import Q
from django.utils import timezone

from .app_settings import app_settings
from .models import Challenge, ConsentRecord, Enrollment, ReadingAttempt, Voice
from .services.challenges import challenge_is_open
from .services.enrollment import ACTIVE_STATES, reading_goal
from .services.limits import attempt_refusal


def enrollment_current(user) -> Enrollment | None:
    """The user's active enrollment (consented .. applied), else their latest one (revoked or failed), else None."""
    enrollments = Enrollment.objects.filter(user=user).select_related("consent").order_by("-created_at")
    return enrollments.filter(state__in=ACTIVE_STATES).first() or enrollments.first()


def consent_current(user) -> ConsentRecord | None:
    """The user's latest consent to the current terms version, unless withdrawn."""
    return (ConsentRecord.objects.filter(user=user, terms_version=app_settings.CONSENT_TERMS_VERSION,
                                         withdrawn_at__isnull=True).order_by("-accepted_at").first())


def challenge_open(enrollment: Enrollment | None) -> Challenge | None:
    if enrollment is None:
        return None
    challenge = (Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True)
                 .prefetch_related("sentences__attempts").order_by("-created_at").first())
    return challenge if challenge and challenge_is_open(challenge) else None


def sentence_states(challenge: Challenge) -> list[dict]:
    """Per sentence: index, language, whether shown and accepted, and its text once shown (never before)."""
    out = []
    for sentence in challenge.sentences.all():
        accepted = any(a.decision == ReadingAttempt.Decision.ACCEPTED for a in sentence.attempts.all())
        out.append({"id": sentence.pk, "index": sentence.index, "language": sentence.language,
                    "shown": sentence.shown_at is not None, "accepted": accepted,
                    "text": sentence.text if sentence.shown_at else None})
    return out


def attempts_recent(user, limit: int = 20):
    return ReadingAttempt.objects.filter(user=user).select_related("sentence").order_by("-received_at")[:limit]


def enrollment_status(user) -> dict:
    """Everything the status page and the status endpoint show."""
    enrollment = enrollment_current(user)
    challenge = challenge_open(enrollment)
    refusal = attempt_refusal(user, timezone.now())
    return {
        "consent": consent_current(user),
        "enrollment": enrollment,
        "progress": reading_goal(enrollment),
        "challenge": challenge,
        "blocked": refusal.as_dict() if refusal else None,
    }


def voice_for_author_at(user_id: int, when) -> Voice | None:
    """The voice that reads an article the author published at `when`: the one applied then, if still usable."""
    if when is None:
        return None
    voice = (Voice.objects.filter(user_id=user_id, applied_at__lte=when)
             .filter(Q(unapplied_at__isnull=True) | Q(unapplied_at__gt=when)).order_by("-applied_at").first())
    return voice if voice is not None and voice.is_usable else None


def voice_current(user_id: int) -> Voice | None:
    return Voice.objects.filter(user_id=user_id).exclude(state=Voice.State.REVOKED).order_by("-created_at").first()


def voice_artifact_path(voice) -> str:
    """A local file of the voice's artifact for the engine (voices.artifact_cache)."""
    from .artifact_cache import local_artifact_path

    return local_artifact_path(voice)

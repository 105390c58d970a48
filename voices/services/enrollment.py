"""The enrollment state machine: consented -> reading -> verified -> cloning -> ready -> applied, or revoked / failed.

States change here only. An enrollment becomes `verified` once enough readings were accepted (settings
ENROLLMENT_MIN_READINGS and ENROLLMENT_MIN_SPEECH_SECONDS) and they all sound like one person; the
`enrollment_verified` signal (sent after commit, with `enrollment_id`) is where voice cloning takes over.
"""

import numpy as np
from django.db import transaction
from django.db.models import Sum
from django.dispatch import Signal
from django.utils import timezone

from ..app_settings import app_settings
from ..audit.log import audit_record
from ..models import Challenge, Enrollment, ReadingAttempt, Recording
from .verification import speakers_agree

State = Enrollment.State

enrollment_verified = Signal()  # kwargs: enrollment_id

TRANSITIONS = {
    State.CONSENTED: {State.READING, State.REVOKED, State.FAILED},
    State.READING: {State.VERIFIED, State.REVOKED, State.FAILED},
    State.VERIFIED: {State.CLONING, State.REVOKED, State.FAILED},
    State.CLONING: {State.READY, State.REVOKED, State.FAILED},
    State.READY: {State.APPLIED, State.CLONING, State.REVOKED, State.FAILED},
    State.APPLIED: {State.READY, State.CLONING, State.REVOKED},
    State.REVOKED: set(),
    State.FAILED: set(),
}
ACTIVE_STATES = (State.CONSENTED, State.READING, State.VERIFIED, State.CLONING, State.READY, State.APPLIED)
READING_STATES = (State.CONSENTED, State.READING)


class InvalidTransition(Exception):
    pass


@transaction.atomic
def enrollment_start(*, user, consent) -> Enrollment:
    """The user's active enrollment, now under this consent; a new one when there is none."""
    enrollment = Enrollment.objects.filter(user=user, state__in=ACTIVE_STATES).order_by("-created_at").first()
    if enrollment is None:
        return Enrollment.objects.create(user=user, consent=consent)
    enrollment.consent = consent
    enrollment.save(update_fields=["consent"])
    return enrollment


@transaction.atomic
def enrollment_transition(*, enrollment: Enrollment, to: str, reason: str = "") -> Enrollment:
    """Move to state `to` if the state machine allows it (InvalidTransition otherwise)."""
    enrollment.refresh_from_db(fields=["state"])
    if to == enrollment.state:
        return enrollment
    if to not in TRANSITIONS[State(enrollment.state)]:
        raise InvalidTransition(f"An enrollment cannot go from {enrollment.state} to {to}.")
    now = timezone.now()
    audit_record("enrollment_state", subject_user_id=enrollment.user_id, data={
        "enrollment_id": enrollment.pk, "from": enrollment.state, "to": to, "reason": reason})
    enrollment.state = to
    enrollment.state_changed_at = now
    fields = ["state", "state_changed_at"]
    if to == State.VERIFIED:
        enrollment.verified_at = now
        fields.append("verified_at")
        transaction.on_commit(lambda: enrollment_verified.send(sender=Enrollment, enrollment_id=enrollment.pk))
    if to == State.FAILED:
        enrollment.failure_reason = reason
        fields.append("failure_reason")
    enrollment.save(update_fields=fields)
    return enrollment


def accepted_totals(enrollment: Enrollment) -> tuple[int, float]:
    """(accepted readings, seconds of speech in them)."""
    accepted = ReadingAttempt.objects.filter(enrollment=enrollment, decision=ReadingAttempt.Decision.ACCEPTED)
    return accepted.count(), float(accepted.aggregate(total=Sum("speech_seconds"))["total"] or 0.0)


def accepted_embeddings(enrollment: Enrollment) -> list[np.ndarray]:
    recordings = Recording.objects.filter(
        attempts__enrollment=enrollment, attempts__decision=ReadingAttempt.Decision.ACCEPTED
    ).exclude(speaker_embedding=b"").distinct()
    return [np.frombuffer(bytes(r.speaker_embedding), dtype=np.float32) for r in recordings]


@transaction.atomic
def enrollment_check_verified(*, enrollment: Enrollment) -> Enrollment:
    """After an accepted reading: verified when there are enough readings and speech, all in one voice."""
    if enrollment.state not in READING_STATES:
        return enrollment
    readings, speech = accepted_totals(enrollment)
    if readings < app_settings.ENROLLMENT_MIN_READINGS or speech < app_settings.ENROLLMENT_MIN_SPEECH_SECONDS:
        return enrollment
    if enrollment.state == State.CONSENTED:
        enrollment_transition(enrollment=enrollment, to=State.READING)
    same_speaker, scores = speakers_agree(accepted_embeddings(enrollment))
    decision = {"enrollment_id": enrollment.pk, "readings": readings, "speech_seconds": round(speech, 3),
                "speaker_similarities": scores, "min_readings": app_settings.ENROLLMENT_MIN_READINGS,
                "min_speech_seconds": app_settings.ENROLLMENT_MIN_SPEECH_SECONDS}
    if not same_speaker:
        reason = f"The accepted readings do not sound like one person (similarities {scores})."
        audit_record("verification_decision", subject_user_id=enrollment.user_id,
                     data={**decision, "decision": "failed", "reason": reason})
        return enrollment_transition(enrollment=enrollment, to=State.FAILED, reason=reason)
    Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True).update(closed_at=timezone.now())
    audit_record("verification_decision", subject_user_id=enrollment.user_id,
                 data={**decision, "decision": "verified"})
    return enrollment_transition(enrollment=enrollment, to=State.VERIFIED)


@transaction.atomic
def enrollment_revoke(*, enrollment: Enrollment) -> Enrollment:
    """Withdraw consent: the enrollment is revoked, its challenges closed and its recordings deleted (the files
    after commit). The attempts stay, without audio, as the audit trail."""
    now = timezone.now()
    enrollment_transition(enrollment=enrollment, to=State.REVOKED)
    consent = enrollment.consent
    if consent.withdrawn_at is None:  # consent records are append-only: withdrawn_at is set once (voices.audit)
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        audit_record("consent_withdrawn", subject_user_id=enrollment.user_id, actor=enrollment.user_id, data={
            "consent_id": consent.pk, "enrollment_id": enrollment.pk, "withdrawn_at": now})
    Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True).update(closed_at=now)
    recordings = list(Recording.objects.filter(enrollment=enrollment))
    names = [(r.file.storage, r.file.name) for r in recordings if r.file.name]
    Recording.objects.filter(pk__in=[r.pk for r in recordings]).delete()
    if recordings:
        audit_record("recordings_deleted", subject_user_id=enrollment.user_id, actor=enrollment.user_id, data={
            "enrollment_id": enrollment.pk, "reason": "consent_withdrawn", "rows_deleted": True,
            "recordings": [{"id": r.pk, "sha256": r.sha256, "file": r.file.name, "size_bytes": r.size_bytes}
                           for r in recordings]})

    def delete_files():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return enrollment

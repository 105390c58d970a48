"""An uploaded reading, from the request to the stored attempt: limits, challenge, verification, storage, progress.

`reading_submit` is what the page and the API call. It records every attempt (refused, rejected or accepted). The
models run outside any database transaction (they take seconds); the writes that follow are one short transaction.
"""

import datetime

import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .. import liveness
from ..audit.log import audit_record
from ..models import ChallengeSentence, ReadingAttempt, Recording
from .challenges import challenge_close_if_done, sentence_accepted, token_matches
from .enrollment import READING_STATES, accepted_embeddings, enrollment_check_verified
from .limits import attempt_refusal
from .reasons import Check, failed
from .verification import History, Timing, Verdict, reading_verify

Decision = ReadingAttempt.Decision


def _challenge_problem(sentence: ChallengeSentence, token: str, received_at: datetime.datetime) -> Check | None:
    challenge, enrollment = sentence.challenge, sentence.challenge.enrollment
    if enrollment.state not in READING_STATES:
        return failed("enrollment_closed", state=enrollment.get_state_display())
    if sentence_accepted(sentence):
        return failed("challenge_used")
    if challenge.closed_at is not None:
        return failed("challenge_missing")
    if received_at >= challenge.expires_at:
        return failed("challenge_expired")
    if sentence.shown_at is None:
        return failed("challenge_not_shown")
    if not token_matches(sentence, token):
        return failed("challenge_stale")
    return None


def reading_history(sentence: ChallengeSentence, sha256: str) -> History:
    """What the reading must not repeat (an accepted recording with the same hash, anyone's; the author's accepted
    fingerprints) and whose voice it must match (the enrollment's accepted readings)."""
    accepted = Recording.objects.filter(attempts__decision=Decision.ACCEPTED)
    own = accepted.filter(user_id=sentence.challenge.user_id).exclude(fingerprint=b"").distinct()
    return History(
        sha256s=frozenset({sha256}) if accepted.filter(sha256=sha256).exists() else frozenset(),
        fingerprints=tuple(liveness.fingerprint_from_bytes(fp) for fp in own.values_list("fingerprint", flat=True)),
        embeddings=tuple(accepted_embeddings(sentence.challenge.enrollment)),
    )


def audit_attempt(attempt: ReadingAttempt) -> None:
    """The attempt in the audit log: decision, every score and every reason (same transaction as the attempt)."""
    recording = attempt.recording
    audit_record("attempt", subject_user_id=attempt.user_id, actor=attempt.user_id, ip=attempt.ip_address, data={
        "attempt_id": attempt.pk, "enrollment_id": attempt.enrollment_id, "sentence_id": attempt.sentence_id,
        "decision": attempt.decision, "reasons": attempt.reasons, "expected_text": attempt.expected_text,
        "transcript": attempt.transcript, "cer": attempt.cer, "pinyin_error": attempt.pinyin_error,
        "forced_score": attempt.forced_score, "speech_seconds": attempt.speech_seconds,
        "speaker_similarity": attempt.speaker_similarity, "scores": attempt.scores,
        "shown_at": attempt.shown_at, "received_at": attempt.received_at,
        "recording": None if recording is None else {"id": recording.pk, "sha256": recording.sha256,
                                                     "size_bytes": recording.size_bytes}})


def _refuse(*, user, sentence, check: Check, decision: str, ip_address, received_at) -> ReadingAttempt:
    with transaction.atomic():
        attempt = ReadingAttempt.objects.create(
            user=user, enrollment=sentence.challenge.enrollment if sentence else None, sentence=sentence,
            decision=decision, reasons=[check.as_dict()], expected_text=sentence.text if sentence else "",
            shown_at=sentence.shown_at if sentence else None, received_at=received_at, ip_address=ip_address)
        audit_attempt(attempt)
    return attempt


def _store(user, sentence: ChallengeSentence, data: bytes, verdict: Verdict) -> Recording | None:
    if verdict.audio is None:
        return None
    info = verdict.audio
    recording = Recording(
        user=user, enrollment=sentence.challenge.enrollment, sha256=info.sha256, size_bytes=info.size_bytes,
        duration_seconds=info.duration_seconds, sample_rate=info.sample_rate, channels=info.channels,
        audio_format=info.audio_format,
        fingerprint=b"" if verdict.fingerprint is None else liveness.fingerprint_to_bytes(verdict.fingerprint),
        speaker_embedding=b"" if verdict.embedding is None else np.asarray(verdict.embedding, "<f4").tobytes(),
    )
    recording.file.save("reading.wav", ContentFile(data), save=False)
    recording.save()
    return recording


def reading_submit(*, user, sentence_id: int, audio: bytes, shown_token: str, ip_address: str | None = None,
                   received_at: datetime.datetime | None = None) -> ReadingAttempt:
    """Check and record one reading of challenge sentence `sentence_id` by `user`. Returns the attempt."""
    received_at = received_at or timezone.now()
    sentence = (ChallengeSentence.objects.select_related("challenge__enrollment")
                .filter(pk=sentence_id, challenge__user=user).first())
    common = {"user": user, "sentence": sentence, "ip_address": ip_address, "received_at": received_at}
    if sentence is None:
        return _refuse(check=failed("challenge_missing"), decision=Decision.REFUSED, **common)
    refusal = attempt_refusal(user, received_at)
    if refusal is not None:
        return _refuse(check=refusal, decision=Decision.REFUSED, **common)
    problem = _challenge_problem(sentence, shown_token, received_at)
    if problem is not None:
        return _refuse(check=problem, decision=Decision.REJECTED, **common)

    verdict = reading_verify(audio, expected_text=sentence.text, language=sentence.language,
                             distractors=sentence.distractors, timing=Timing(sentence.shown_at, received_at),
                             history=reading_history(sentence, liveness.sha256_of(audio)))
    with transaction.atomic():
        enrollment = sentence.challenge.enrollment
        accepted = verdict.accepted and not sentence_accepted(sentence)  # a concurrent upload may have won
        match = verdict.text
        attempt = ReadingAttempt.objects.create(
            user=user, enrollment=enrollment, sentence=sentence, recording=_store(user, sentence, audio, verdict),
            decision=Decision.ACCEPTED if accepted else Decision.REJECTED,
            reasons=[c.as_dict() for c in verdict.checks if c.ok is not True or c.code == "text_match"]
            + ([] if accepted or not verdict.accepted else [failed("challenge_used").as_dict()]),
            expected_text=sentence.text, transcript=verdict.transcript,
            cer=None if match is None else match.cer, pinyin_error=None if match is None else match.pinyin_error,
            forced_score=verdict.forced_score, speech_seconds=verdict.speech_seconds,
            speaker_similarity=verdict.speaker_similarity, scores=verdict.scores(), shown_at=sentence.shown_at,
            received_at=received_at, processing_seconds=round(sum(verdict.seconds.values()), 3),
            ip_address=ip_address,
        )
        audit_attempt(attempt)
        if accepted:
            challenge_close_if_done(sentence.challenge)
            enrollment_check_verified(enrollment=enrollment)
    return attempt

"""The author's two other answers to a ready voice, beside applying it: record more, or discard it and start over.

enrollment_refine   ready / applied -> reading: a new challenge of sentences never read in this enrollment. Readings
                    are verified as before (the speaker check compares them with every reading accepted so far, all
                    rounds: voices.services.readings.reading_history). After VOICES["REFINE_MIN_READINGS"] of them
                    (`enrollment.reading_goal`) the enrollment is verified again and a new Voice row is cloned from
                    every accepted reading. The applied voice keeps reading the author's articles meanwhile (the
                    selectors look at Voice rows, not at the enrollment's state) until the author applies the new
                    one; a version that was never applied is retired when the newer one is ready.
voice_discard       ready only. The voice(s) of the enrollment never applied are retired (artifacts deleted). If
                    the author has an applied voice (the discarded one was a "record more" version), the enrollment
                    returns to `applied` and nothing else changes. Otherwise they start over: the recordings' audio
                    is deleted (rows, hashes, fingerprints and attempts stay for the audit and replay checks), the
                    enrollment is closed (`revoked`, consent untouched) and a new enrollment under the same consent
                    starts reading (a new challenge when the author's texts allow).
                    Applied voices are not discarded (they read articles): record more, or withdraw (voice_revoke).

Both refuse with ActionRefused (a code and the words in English and Chinese); every step is audited.
"""

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..audit.log import audit_record
from ..models import Challenge, Enrollment, Recording, Voice
from .challenges import ChallengeClosed, NotEnoughText, challenge_create
from .enrollment import ACTIVE_STATES, State, enrollment_transition, reading_goal, recordings_erase
from .reasons import MESSAGES as REASON_MESSAGES
from .voice import voice_in_use, voice_retire

REFINABLE_STATES = (State.READY, State.APPLIED)

MESSAGES = {
    "refine_unavailable": (
        "You can record more once your voice is ready (your enrollment is {state}).",
        "声音制作好之后才能再录（当前状态：{state}）。"),
    "discard_applied": (
        "This voice reads your articles, so it cannot be discarded. Record more to improve it, or withdraw to "
        "delete everything.",
        "这个声音正在朗读你的文章，不能放弃。可以再录几句来改进它，或者撤销并删除全部。"),
    "voice_suspended": (
        "Your voice is suspended by the site's staff: it cannot be remade until they reinstate it.",
        "你的声音已被网站管理员暂停，恢复之前不能重新制作。"),
    "discard_unavailable": (
        "There is no finished voice to discard (your enrollment is {state}).",
        "没有可以放弃的声音（当前状态：{state}）。"),
}


class ActionRefused(Exception):
    """Why refine or discard was refused: `code`, and the words in English (`en`) and Chinese (`zh`)."""

    def __init__(self, code: str, *, en: str | None = None, zh: str | None = None, **values):
        self.code, self.values = code, values
        if en is None or zh is None:
            en_template, zh_template = MESSAGES.get(code) or REASON_MESSAGES[code]
            en, zh = en_template.format(**values), zh_template.format(**values)
        self.en, self.zh = en, zh
        super().__init__(self.en)

    def as_dict(self) -> dict:
        return {"code": self.code, "en": self.en, "zh": self.zh, **self.values}


def _active_enrollment(user) -> Enrollment:
    enrollment = (Enrollment.objects.select_for_update().filter(user=user, state__in=ACTIVE_STATES)
                  .order_by("-created_at").first())
    if enrollment is None:
        raise ActionRefused("no_enrollment")
    return enrollment


def _refuse_if_suspended(user) -> None:
    """A voice suspended by staff is not remade behind their back (a new version would not be suspended)."""
    if Voice.objects.filter(user=user, suspended_at__isnull=False).exclude(state=Voice.State.REVOKED).exists():
        raise ActionRefused("voice_suspended")


@transaction.atomic
def enrollment_refine(*, user, rng: random.Random | None = None) -> Challenge:
    """"Record more": the author's ready or applied enrollment goes back to reading, with a challenge of sentences
    never read in it. All or nothing: when no challenge can be drawn (consent to older terms, too few unread
    sentences) nothing changes and ActionRefused says why."""
    enrollment = _active_enrollment(user)
    if enrollment.state not in REFINABLE_STATES:
        raise ActionRefused("refine_unavailable", state=enrollment.get_state_display())
    _refuse_if_suspended(user)
    previous = enrollment.state
    in_use = voice_in_use(user.pk)
    enrollment_transition(enrollment=enrollment, to=State.READING, reason="record_more")
    try:
        challenge = challenge_create(enrollment=enrollment, rng=rng)
    except NotEnoughText as exc:
        raise ActionRefused("not_enough_text", en=exc.en, zh=exc.zh, found=exc.found, needed=exc.needed) from exc
    except ChallengeClosed as exc:  # consent_required: the terms changed since the author accepted them
        raise ActionRefused(exc.code) from exc
    goal = reading_goal(enrollment)
    audit_record("voice_refine_requested", subject_user_id=user.pk, actor=user, data={
        "enrollment_id": enrollment.pk, "from": previous, "round": goal.round,
        "readings_needed": goal.readings_needed, "speech_seconds_needed": goal.speech_seconds_needed,
        "challenge_id": challenge.pk, "voice_in_use_id": in_use.pk if in_use else None})
    return challenge


@dataclass(frozen=True)
class Discarded:
    enrollment: Enrollment  # the enrollment that goes on: the same one (applied), or the new one (started over)
    voice_ids: list[int]
    started_over: bool
    challenge: Challenge | None = None


def _recordings_discard(enrollment: Enrollment, actor) -> list[Recording]:
    """Delete the audio of the enrollment's recordings (after commit); the rows keep hash, fingerprint and metadata."""
    recordings = list(Recording.objects.filter(enrollment=enrollment).exclude(file=""))
    recordings_erase(enrollment, recordings, actor=actor, reason="voice_discarded", delete_rows=False)
    return recordings


@transaction.atomic
def voice_discard(*, user, rng: random.Random | None = None) -> Discarded:
    """Discard the author's ready voice (see the module doc). ActionRefused when the enrollment is not ready
    (applied: "discard_applied")."""
    enrollment = _active_enrollment(user)
    if enrollment.state == State.APPLIED:
        raise ActionRefused("discard_applied")
    if enrollment.state != State.READY:
        raise ActionRefused("discard_unavailable", state=enrollment.get_state_display())
    _refuse_if_suspended(user)
    pending = list(Voice.objects.select_for_update().filter(enrollment=enrollment, applied_at__isnull=True)
                   .exclude(state=Voice.State.REVOKED))
    for voice in pending:
        voice_retire(voice=voice, actor=user, event="voice_discarded")
    voice_ids = [v.pk for v in pending]
    in_use = voice_in_use(user.pk)
    if in_use is not None:
        enrollment_transition(enrollment=enrollment, to=State.APPLIED, reason="new_version_discarded")
        audit_record("voice_discard_requested", subject_user_id=user.pk, actor=user, data={
            "enrollment_id": enrollment.pk, "voices": voice_ids, "started_over": False,
            "voice_in_use_id": in_use.pk})
        return Discarded(enrollment, voice_ids, started_over=False)

    now = timezone.now()
    recordings = _recordings_discard(enrollment, user)
    Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True).update(closed_at=now)
    enrollment_transition(enrollment=enrollment, to=State.REVOKED, reason="discarded_to_start_over")
    fresh = Enrollment.objects.create(user=user, consent=enrollment.consent, created_at=now, state_changed_at=now)
    challenge = None
    try:
        challenge = challenge_create(enrollment=fresh, rng=rng)
    except (NotEnoughText, ChallengeClosed):
        pass  # the reading page says what is missing (more articles, or consent to new terms)
    fresh.refresh_from_db()
    audit_record("voice_discard_requested", subject_user_id=user.pk, actor=user, data={
        "enrollment_id": enrollment.pk, "voices": voice_ids, "started_over": True, "new_enrollment_id": fresh.pk,
        "recordings": [r.pk for r in recordings], "challenge_id": challenge.pk if challenge else None})
    return Discarded(fresh, voice_ids, started_over=True, challenge=challenge)


def voice_actions(user, enrollment: Enrollment | None) -> dict:
    """Which of the two actions the author is offered now (the page's buttons; the status endpoint's `actions`)."""
    state = enrollment.state if enrollment is not None else None
    discard = state == State.READY
    return {"refine": state in REFINABLE_STATES, "discard": discard,
            "discard_starts_over": discard and voice_in_use(user.pk) is None}

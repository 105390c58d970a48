"""Reading challenges: sentences drawn from the author's own published articles, revealed one at a time.

A challenge belongs to one user and one enrollment, expires after VOICES["CHALLENGE_TTL_SECONDS"], and each of its
sentences is accepted at most once. In a "record more" round (voices.services.refine) a challenge holds only
sentences the enrollment has not had accepted yet: never one read before.

Revealing a sentence (`sentence_show`) records the server time and returns a signed token that the upload must carry
back: the verification measures the time from that moment to the audio's arrival.
"""

import datetime
import random

from django.core import signing
from django.db import transaction
from django.utils import timezone

from ..adapter import get_author_text_adapter
from ..app_settings import app_settings
from ..audit.log import audit_record
from ..models import Challenge, ChallengeSentence, Enrollment, ReadingAttempt
from .enrollment import READING_STATES, State, enrollment_transition, reading_goal
from .sentences import candidates_from_texts, distractors_for, draw

TOKEN_SALT = "voices.challenge.shown"


class NotEnoughText(Exception):
    """The author has published too few readable sentences; `en` and `zh` say what to do."""

    def __init__(self, found: int, needed: int, *, unread: bool = False):
        self.found, self.needed, self.unread = found, needed, unread
        low_zh, high_zh = app_settings.SENTENCE_CHARS_ZH
        low_en, high_en = app_settings.SENTENCE_WORDS_EN
        if unread:
            self.en = (f"Your published articles have {found} readable sentence(s) you have not read yet; recording "
                       f"more needs {needed}. Publish more of your own writing, then come back.")
            self.zh = (f"你已发布的文章中只剩 {found} 句没有读过的适合朗读的句子，再录一轮需要 {needed} 句。"
                       "请先发布更多自己的文章，再来录制。")
            super().__init__(self.en)
            return
        self.en = (f"Your published articles have {found} sentence(s) suitable for reading aloud ({low_zh}-{high_zh} "
                   f"Chinese characters or {low_en}-{high_en} English words, without links, digits or code); "
                   f"{needed} are needed. Publish more of your own writing, then come back.")
        self.zh = (f"你已发布的文章中只有 {found} 句适合朗读的句子（{low_zh}-{high_zh} 个汉字或 {low_en}-{high_en} "
                   f"个英文单词，不含链接、数字或代码），至少需要 {needed} 句。请先发布更多自己的文章，再来登记声音。")
        super().__init__(self.en)


class ChallengeClosed(Exception):
    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def challenge_is_open(challenge: Challenge, now: datetime.datetime | None = None) -> bool:
    return challenge.closed_at is None and (now or timezone.now()) < challenge.expires_at


def accepted_sentence_texts(enrollment: Enrollment) -> set[str]:
    return set(ReadingAttempt.objects.filter(enrollment=enrollment, decision=ReadingAttempt.Decision.ACCEPTED)
               .values_list("expected_text", flat=True))


@transaction.atomic
def challenge_create(*, enrollment: Enrollment, rng: random.Random | None = None) -> Challenge:
    """A new challenge of VOICES["CHALLENGE_SENTENCES"] sentences; earlier open challenges are closed.

    In a "record more" round only sentences never accepted in this enrollment are drawn (fewer than
    CHALLENGE_SENTENCES when that is all there is, but at least the readings the round still needs).

    Raises NotEnoughText when the author's published articles are too short (in a "record more" round: have too
    few unread sentences); ChallengeClosed("enrollment_closed") when the enrollment takes no more readings,
    ("consent_required") when its consent is not to the current terms."""
    if enrollment.state not in READING_STATES:
        raise ChallengeClosed("enrollment_closed")
    consent = enrollment.consent
    if consent.withdrawn_at is not None or consent.terms_version != app_settings.CONSENT_TERMS_VERSION:
        raise ChallengeClosed("consent_required")
    rng = rng or random.SystemRandom()
    needed = app_settings.CHALLENGE_SENTENCES
    candidates = candidates_from_texts(get_author_text_adapter().published_texts(enrollment.user_id))
    if len(candidates) < needed:
        raise NotEnoughText(len(candidates), needed)
    accepted = accepted_sentence_texts(enrollment)
    goal = reading_goal(enrollment)
    if goal.refining:
        unread = [c for c in candidates if c.text not in accepted]
        if len(unread) < max(1, goal.readings_remaining):
            raise NotEnoughText(len(unread), max(1, goal.readings_remaining), unread=True)
        chosen = draw(unread, min(needed, len(unread)), rng=rng)
    else:
        chosen = draw(candidates, needed, avoid=accepted, rng=rng)

    now = timezone.now()
    Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True).update(closed_at=now)
    challenge = Challenge.objects.create(
        user_id=enrollment.user_id, enrollment=enrollment, created_at=now,
        expires_at=now + datetime.timedelta(seconds=app_settings.CHALLENGE_TTL_SECONDS))
    ChallengeSentence.objects.bulk_create([
        ChallengeSentence(challenge=challenge, index=i, text=c.text, language=c.language, article_id=c.article_id,
                          paragraph=c.paragraph,
                          distractors=distractors_for(c, candidates, app_settings.CHALLENGE_DISTRACTORS, rng=rng))
        for i, c in enumerate(chosen)
    ])
    audit_record("challenge", subject_user_id=enrollment.user_id, actor=enrollment.user_id, data={
        "challenge_id": challenge.pk, "enrollment_id": enrollment.pk, "expires_at": challenge.expires_at,
        "sentences": [{"index": i, "text": c.text, "language": c.language, "article_id": c.article_id,
                       "paragraph": c.paragraph} for i, c in enumerate(chosen)]})
    if enrollment.state == State.CONSENTED:
        enrollment_transition(enrollment=enrollment, to=State.READING)
    return challenge


def shown_token(sentence: ChallengeSentence) -> str:
    return signing.dumps({"s": sentence.pk, "t": sentence.shown_at.isoformat()}, salt=TOKEN_SALT, compress=True)


def token_matches(sentence: ChallengeSentence, token: str) -> bool:
    """Was `token` issued for this sentence at its recorded showing time?"""
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT, max_age=app_settings.CHALLENGE_TTL_SECONDS)
    except signing.BadSignature:
        return False
    return (sentence.shown_at is not None and data.get("s") == sentence.pk
            and data.get("t") == sentence.shown_at.isoformat())


def sentence_accepted(sentence: ChallengeSentence) -> bool:
    return sentence.attempts.filter(decision=ReadingAttempt.Decision.ACCEPTED).exists()


@transaction.atomic
def sentence_show(*, sentence: ChallengeSentence) -> tuple[ChallengeSentence, str]:
    """Reveal a sentence: the first showing time is recorded (showing it again keeps it), and the signed token for
    the upload is returned. Raises ChallengeClosed when the challenge expired or the sentence was already read."""
    challenge = sentence.challenge
    if challenge.closed_at is not None:
        raise ChallengeClosed("challenge_missing")
    if timezone.now() >= challenge.expires_at:
        raise ChallengeClosed("challenge_expired")
    if sentence_accepted(sentence):
        raise ChallengeClosed("challenge_used")
    if sentence.shown_at is None:
        sentence.shown_at = timezone.now()
    sentence.times_shown += 1
    sentence.save(update_fields=["shown_at", "times_shown"])
    return sentence, shown_token(sentence)


def challenge_close_if_done(challenge: Challenge) -> None:
    """Close the challenge once every sentence has an accepted reading."""
    if not challenge.sentences.exclude(attempts__decision=ReadingAttempt.Decision.ACCEPTED).exists():
        Challenge.objects.filter(pk=challenge.pk, closed_at__isnull=True).update(closed_at=timezone.now())

"""Consent, challenges, limits and the enrollment state machine (services and pages; no speech models)."""

import datetime
import hashlib
import random

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from speech_fixtures import publish, publish_all

from articles.models import Article
from voices.adapter import get_author_text_adapter
from voices.models import Challenge, ChallengeSentence, ConsentRecord, Enrollment, ReadingAttempt, Recording
from voices.services.challenges import (
    ChallengeClosed,
    NotEnoughText,
    challenge_create,
    sentence_show,
    token_matches,
)
from voices.services.consent import consent_accept, consent_terms
from voices.services.enrollment import InvalidTransition, enrollment_revoke, enrollment_transition
from voices.services.limits import attempt_refusal
from voices.services.readings import reading_submit
from voices.services.sentences import candidates_from_texts

pytestmark = pytest.mark.django_db
State = Enrollment.State


@pytest.fixture
def published_author(author):
    return publish_all(author)


def enroll(user):
    consent_accept(user=user, language="zh", ip_address="203.0.113.7", user_agent="pytest-browser/1.0")
    return Enrollment.objects.get(user=user)


def test_consent_records_terms_hash_ip_and_user_agent(published_author):
    record = consent_accept(user=published_author, language="en", ip_address="203.0.113.7", user_agent="UA/1.0")
    terms = consent_terms("en")
    assert record.terms_version == terms.version and record.language == "en"
    assert record.terms_sha256 == hashlib.sha256(terms.text.encode()).hexdigest()
    assert (record.ip_address, record.user_agent) == ("203.0.113.7", "UA/1.0")
    enrollment = Enrollment.objects.get(user=published_author)
    assert enrollment.state == State.CONSENTED and enrollment.consent == record
    # Accepting again (new terms, say) keeps the one active enrollment, under the newer consent.
    again = consent_accept(user=published_author, language="zh")
    assert Enrollment.objects.get(user=published_author).consent == again
    assert "录音" in consent_terms("zh").text and "withdraw" in terms.text


def test_challenge_sentences_come_only_from_the_authors_own_published_articles(published_author, other_user):
    publish(other_user, [("别人的文章", "这是另一位作者写的句子，不能出现在挑战里。他的文章也很好看。"
                                        "每个人都只读自己的文字。读别人的句子没有意义。还有第五句话在这里。")], "zh")
    Article.objects.create(author=published_author, title="草稿", language="zh",
                           body="这是一篇还没有发布的草稿文章。草稿里的句子不算数。")
    own = {c.text for c in candidates_from_texts(get_author_text_adapter().published_texts(published_author.pk))}
    enrollment = enroll(published_author)
    for seed in range(5):
        challenge = challenge_create(enrollment=enrollment, rng=random.Random(seed))
        texts = [s.text for s in challenge.sentences.all()]
        assert len(texts) == 5 and len(set(texts)) == 5
        assert set(texts) <= own
        assert not any("别人" in t or "草稿" in t for t in texts)
        articles = {s.article_id for s in challenge.sentences.all()}
        assert len(articles) == 3  # spread over the author's three articles
        for sentence in challenge.sentences.all():
            assert sentence.distractors and sentence.text not in sentence.distractors
    assert Challenge.objects.filter(enrollment=enrollment, closed_at__isnull=True).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.state == State.READING


def test_readable_sentences_only():
    from voices.adapter import AuthorText

    text = ("访问 https://example.com 看看。我们一共卖出了 300 笼包子。太好了😀真的太好了啊。\n"
            "运行 pip install readaloud 命令。短句。这一句话的长度刚刚好适合朗读。\n"
            "This sentence has exactly the right number of words to read. See example.com/docs for more. "
            "Call foo_bar() now please or later today.")
    texts = [c.text for c in candidates_from_texts([AuthorText("1", "t", text, "mixed", timezone.now())])]
    assert texts == ["这一句话的长度刚刚好适合朗读。", "This sentence has exactly the right number of words to read."]


def test_too_little_published_text_gets_a_clear_message(author, client, password):
    publish(author, [("短文", "今天天气很好，我们去公园散步吧。")], "zh")
    enrollment = enroll(author)
    with pytest.raises(NotEnoughText) as info:
        challenge_create(enrollment=enrollment)
    assert info.value.found == 1 and info.value.needed == 5
    assert "Publish more" in info.value.en and "发布更多" in info.value.zh
    client.login(username=author.username, password=password)
    response = client.post(reverse("voices:api-challenges"))
    assert response.status_code == 422
    assert response.json()["code"] == "not_enough_text" and "发布更多" in response.json()["zh"]


def test_sentence_is_revealed_at_a_recorded_time_with_a_signed_token(published_author):
    challenge = challenge_create(enrollment=enroll(published_author))
    sentence = challenge.sentences.get(index=0)
    assert sentence.shown_at is None
    before = timezone.now()
    sentence, token = sentence_show(sentence=sentence)
    assert before <= sentence.shown_at <= timezone.now()
    assert token_matches(sentence, token) and not token_matches(sentence, token + "x")
    first = sentence.shown_at
    sentence, again = sentence_show(sentence=sentence)  # showing again keeps the first time
    assert sentence.shown_at == first and sentence.times_shown == 2 and token_matches(sentence, again)
    other = challenge.sentences.get(index=1)
    sentence_show(sentence=other)
    assert not token_matches(other, token)


def test_expired_challenge_is_rejected_without_running_the_models(published_author):
    challenge = challenge_create(enrollment=enroll(published_author))
    sentence, token = sentence_show(sentence=challenge.sentences.get(index=0))
    later = challenge.expires_at + datetime.timedelta(seconds=1)
    attempt = reading_submit(user=published_author, sentence_id=sentence.pk, audio=b"RIFF....", shown_token=token,
                             received_at=later)
    assert attempt.decision == ReadingAttempt.Decision.REJECTED
    assert [r["code"] for r in attempt.reasons] == ["challenge_expired"]
    assert "expired" in attempt.reasons[0]["en"] and "过期" in attempt.reasons[0]["zh"]
    Challenge.objects.filter(pk=challenge.pk).update(expires_at=timezone.now())
    with pytest.raises(ChallengeClosed) as info:
        sentence_show(sentence=ChallengeSentence.objects.get(challenge=challenge, index=1))
    assert info.value.code == "challenge_expired"


def test_unshown_sentence_bad_token_and_foreign_challenge(published_author, other_user):
    challenge = challenge_create(enrollment=enroll(published_author))
    sentence = challenge.sentences.get(index=0)
    attempt = reading_submit(user=published_author, sentence_id=sentence.pk, audio=b"x", shown_token="")
    assert attempt.reasons[0]["code"] == "challenge_not_shown"
    sentence_show(sentence=sentence)
    attempt = reading_submit(user=published_author, sentence_id=sentence.pk, audio=b"x", shown_token="forged")
    assert attempt.reasons[0]["code"] == "challenge_stale"
    attempt = reading_submit(user=other_user, sentence_id=sentence.pk, audio=b"x", shown_token="forged")
    assert attempt.decision == ReadingAttempt.Decision.REFUSED and attempt.reasons[0]["code"] == "challenge_missing"
    assert ReadingAttempt.objects.count() == 3  # every attempt is recorded


def test_rate_limits_and_lockout(published_author, settings):
    settings.VOICES = {**settings.VOICES, "RATE_LIMIT_PER_HOUR": 3, "RATE_LIMIT_PER_DAY": 5,
                       "LOCKOUT_AFTER_REJECTIONS": 4, "LOCKOUT_SECONDS": 600}
    enrollment = enroll(published_author)
    now = timezone.now()

    def attempt(minutes_ago, decision=ReadingAttempt.Decision.REJECTED):
        ReadingAttempt.objects.create(user=published_author, enrollment=enrollment, decision=decision,
                                      received_at=now - datetime.timedelta(minutes=minutes_ago))

    attempt(50, ReadingAttempt.Decision.ACCEPTED)
    attempt(40)
    assert attempt_refusal(published_author, now) is None
    attempt(30, ReadingAttempt.Decision.REFUSED)  # refusals do not count
    assert attempt_refusal(published_author, now) is None
    attempt(20)
    refusal = attempt_refusal(published_author, now)
    assert refusal.code == "rate_limited" and "3" in refusal.en and "1 小时" in refusal.zh
    # An hour later the hourly limit is free again, but the daily one is not.
    later = now + datetime.timedelta(minutes=55)
    assert attempt_refusal(published_author, later) is None
    attempt(-56)
    attempt(-57)
    assert attempt_refusal(published_author, now + datetime.timedelta(minutes=58)).code == "rate_limited"
    # Four rejections in a row lock the author out for the lockout period.
    settings.VOICES = {**settings.VOICES, "RATE_LIMIT_PER_DAY": 100, "RATE_LIMIT_PER_HOUR": 100}
    refusal = attempt_refusal(published_author, now + datetime.timedelta(minutes=58))
    assert refusal.code == "locked_out"
    assert attempt_refusal(published_author, now + datetime.timedelta(minutes=70)) is None

    challenge = challenge_create(enrollment=enrollment)
    sentence, token = sentence_show(sentence=challenge.sentences.get(index=0))
    settings.VOICES = {**settings.VOICES, "RATE_LIMIT_PER_HOUR": 1}
    refused = reading_submit(user=published_author, sentence_id=sentence.pk, audio=b"x", shown_token=token)
    assert refused.decision == ReadingAttempt.Decision.REFUSED and refused.reasons[0]["code"] == "rate_limited"


def test_state_machine_and_revoke(published_author, django_capture_on_commit_callbacks):
    enrollment = enroll(published_author)
    with pytest.raises(InvalidTransition):
        enrollment_transition(enrollment=enrollment, to=State.READY)
    enrollment_transition(enrollment=enrollment, to=State.READING)
    storage = storages["voices_private"]
    name = storage.save("recordings/test/reading.wav", ContentFile(b"RIFF-data"))
    Recording.objects.create(user=published_author, enrollment=enrollment, file=name, sha256="0" * 64,
                             size_bytes=9, duration_seconds=1.0, sample_rate=48000, channels=1)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment_revoke(enrollment=enrollment)
    assert not storage.exists(name)
    enrollment.refresh_from_db()
    assert enrollment.state == State.REVOKED
    assert ConsentRecord.objects.get(pk=enrollment.consent_id).withdrawn_at is not None
    assert not Recording.objects.exists()
    with pytest.raises(InvalidTransition):
        enrollment_transition(enrollment=enrollment, to=State.READING)


def test_pages_need_login_and_walk_through_consent(published_author, client, password):
    assert client.get("/voices/").status_code == 302
    client.login(username=published_author.username, password=password)
    page = client.get("/voices/")
    assert page.status_code == 200 and "开始登记" in page.content.decode()
    assert client.get("/voices/read/").url == reverse("voices:consent")
    consent_page = client.get("/voices/consent/?language=en")
    body = consent_page.content.decode()
    assert "What we record" in body and consent_terms("en").sha256 in body
    refused = client.post("/voices/consent/", {"language": "en"})
    assert refused.status_code == 200 and not ConsentRecord.objects.exists()
    accepted = client.post("/voices/consent/", {"language": "en", "agree": "on"}, HTTP_USER_AGENT="Firefox/140")
    assert accepted.url == reverse("voices:read")
    record = ConsentRecord.objects.get()
    assert record.language == "en" and record.user_agent == "Firefox/140" and record.ip_address == "127.0.0.1"
    read = client.get("/voices/read/")
    assert read.status_code == 200
    assert 'id="voices-config"' in read.content.decode() and "recorder-worklet.js" in read.content.decode()
    assert client.post("/voices/revoke/").url == reverse("voices:status")
    assert Enrollment.objects.get().state == State.REVOKED


def test_new_terms_need_a_new_consent_before_more_challenges(published_author, settings):
    enrollment = enroll(published_author)
    settings.VOICES = {**settings.VOICES, "CONSENT_TERMS_VERSION": "2099-1"}
    with pytest.raises(ChallengeClosed) as info:
        challenge_create(enrollment=enrollment)
    assert info.value.code == "consent_required"


def test_status_page_and_endpoint_list_the_attempts_with_their_reasons(published_author, client, password):
    challenge = challenge_create(enrollment=enroll(published_author))
    sentence = challenge.sentences.get(index=0)
    reading_submit(user=published_author, sentence_id=sentence.pk, audio=b"x", shown_token="")
    client.login(username=published_author.username, password=password)
    page = client.get("/voices/").content.decode()
    assert "0</strong>/5" in page and sentence.text in page and "还没有出示" in page
    status = client.get("/voices/api/status/").json()
    assert status["enrollment"]["state"] == "reading" and status["challenge"]["id"] == str(challenge.pk)
    assert status["attempts"][0]["decision"] == "rejected"
    assert status["attempts"][0]["reasons"][0]["code"] == "challenge_not_shown"
    assert status["blocked"] is None and status["progress"]["readings_needed"] == 5

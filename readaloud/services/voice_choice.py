"""Which voice reads an article: the voice its author had applied when it was published, else the system voice.

A rendition stores a stable reference ("zf_xiaoxiao" for a stock voice, "voice:<id>:<version>" for an author's
voice); `resolve_voice` turns it into what the engine takes, at synthesis time.
"""

from dataclasses import dataclass

from django.utils import timezone

from voices.app_settings import app_settings as voices_settings
from voices.models import Voice
from voices.selectors import voice_artifact_path, voice_for_author_at
from voices.synthesis import render_version

from ..adapter import ArticleInfo
from ..models import VoiceMoment

AUTHOR_VOICE_PREFIX = "voice:"


@dataclass(frozen=True)
class VoiceChoice:
    ref: str
    label: str  # shown on the player
    spoken_name: str  # used in the audible AI label
    engine_version: str
    is_author_voice: bool


def system_voice(language: str) -> VoiceChoice:
    name = voices_settings.DEFAULT_VOICES.get(language) or voices_settings.DEFAULT_VOICES["zh"]
    return VoiceChoice(
        ref=name,
        label="系统 AI 语音 · System AI voice",
        spoken_name="系统语音" if language != "en" else "a system voice",
        engine_version=render_version(name, language),
        is_author_voice=False,
    )


def author_voice(voice: Voice, article: ArticleInfo) -> VoiceChoice:
    name = article.author_name
    return VoiceChoice(
        ref=f"{AUTHOR_VOICE_PREFIX}{voice.pk}:{voice.version}",
        label=f"{name} 的 AI 声音 · AI voice of {name}",
        spoken_name=f"作者{name}授权的AI声音" if article.language != "en" else f"the AI voice of {name}, with consent",
        engine_version=render_version(voice_artifact_path(voice), article.language),
        is_author_voice=True,
    )


def voice_moment(article: ArticleInfo):
    """When the voice reading this article is taken: its publication, unless the author asked for a later voice."""
    moment = VoiceMoment.objects.filter(article_id=article.id).values_list("voice_at", flat=True).first()
    return max(moment, article.published_at) if moment and article.published_at else article.published_at


def voice_moments_now(article_ids) -> None:
    now = timezone.now()
    for article_id in article_ids:
        VoiceMoment.objects.update_or_create(article_id=str(article_id), defaults={"voice_at": now})


def voice_for_article(article: ArticleInfo) -> VoiceChoice:
    voice = voice_for_author_at(article.author_id, voice_moment(article)) if article.is_published else None
    if voice is None and not article.is_published:
        # A draft previews in the voice the author uses now (the applied one, even while a newer version is pending).
        voice = voice_for_author_at(article.author_id, timezone.now())
    return author_voice(voice, article) if voice is not None else system_voice(article.language)


class VoiceUnavailable(Exception):
    """The rendition's author voice was suspended, revoked or replaced since it was planned."""


def resolve_voice(ref: str):
    """What the engine is given for a stored reference: a stock name, or the path of the author voice's artifact."""
    if not ref.startswith(AUTHOR_VOICE_PREFIX):
        return ref
    voice_id, version = (int(part) for part in ref[len(AUTHOR_VOICE_PREFIX):].split(":"))
    voice = Voice.objects.filter(pk=voice_id).first()
    if voice is None or not voice.is_usable or voice.version != version:
        raise VoiceUnavailable(ref)
    return voice_artifact_path(voice)

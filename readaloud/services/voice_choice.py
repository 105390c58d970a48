"""Which voice reads an article: the voice its author had applied when it was published, else the system voice."""

from dataclasses import dataclass

from voices.app_settings import app_settings as voices_settings
from voices.synthesis import render_version

from ..adapter import ArticleInfo


@dataclass(frozen=True)
class VoiceChoice:
    ref: str  # what the voice engine is given: a stock voice name or a voice artifact reference
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


def voice_for_article(article: ArticleInfo) -> VoiceChoice:
    return system_voice(article.language)

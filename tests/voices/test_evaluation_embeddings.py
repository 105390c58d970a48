"""The evaluation's speaker embeddings with their real weights, on stock voices (each a different "speaker")."""

import numpy as np
import pytest

from voices.evaluation.embeddings import CamPlusPlusEmbedding, ResemblyzerEmbedding

pytestmark = [pytest.mark.models, pytest.mark.slow]

SENTENCES = ["今天天气很好，我们去公园散步吧。", "我们明天早上八点在图书馆见面。"]


@pytest.fixture(scope="module")
def clips(kokoro_engine):
    """voice -> the two sentences in that voice."""
    return {voice: [kokoro_engine.synthesize(text, voice, "zh") for text in SENTENCES]
            for voice in ("zm_yunxi", "zf_xiaobei")}


# Resemblyzer scores different people ~0.55-0.7, CAM++ ~0.3-0.5 (docs/cloning.md): each has its own margin.
@pytest.mark.parametrize(("embedding", "margin"), [(CamPlusPlusEmbedding(), 0.2), (ResemblyzerEmbedding(), 0.1)],
                         ids=["campplus", "resemblyzer"])
def test_one_voice_reading_two_sentences_scores_above_two_voices(embedding, margin, clips):
    vectors = {voice: [embedding.embed(r.audio, r.sample_rate) for r in results] for voice, results in clips.items()}
    same = [embedding.similarity(*vectors[voice]) for voice in vectors]
    different = [embedding.similarity(a, b) for a in vectors["zm_yunxi"] for b in vectors["zf_xiaobei"]]
    assert min(same) > max(different) + margin, (same, different)


def test_campplus_is_a_192_dimensional_vector_whatever_the_rate_and_length(clips):
    embedding = CamPlusPlusEmbedding()
    result = clips["zm_yunxi"][0]
    full = embedding.embed(result.audio, result.sample_rate)
    assert full.shape == (192,) and np.all(np.isfinite(full))
    # Another sample rate of the same audio: the same speaker, nearly the same vector.
    import soxr

    resampled = soxr.resample(result.audio, result.sample_rate, 44100)
    assert embedding.similarity(full, embedding.embed(resampled, 44100)) > 0.95
    # A tenth of a second, or pure silence, still embeds (padded) rather than failing inside the network.
    short = embedding.embed(result.audio[: result.sample_rate // 10], result.sample_rate)
    silent = embedding.embed(np.zeros(800, dtype=np.float32), 16000)
    assert short.shape == silent.shape == (192,) and np.all(np.isfinite(short))

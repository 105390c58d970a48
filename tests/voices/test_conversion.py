"""The conversion stage with the real models: Kokoro voice A converted toward Kokoro voice B from parallel sentences
comes out closer to B than A was, on two unrelated speaker embeddings."""

import numpy as np
import pytest

from voices.backends.loading import load_backend
from voices.conversion import ConversionError, ParallelPair, apply, converter_for, get_converter, revision, world
from voices.conversion.knn import KnnWorldConverter
from voices.engines.artifact import VoiceArtifact

pytestmark = [pytest.mark.models, pytest.mark.slow]

FIT = ["今天天气很好，我们去公园散步吧。", "我们明天早上八点在图书馆见面。", "这个问题很难回答，请再想一想。"]
HELD = "他每天骑自行车去上班，路上要半个小时。"
REFERENCE = "春天来了，河边的柳树都发芽了。"  # what B says for comparison: another sentence than HELD
SOURCE, TARGET = "zf_xiaoxiao", "zm_yunjian"


@pytest.fixture(scope="module")
def engine(kokoro_engine):
    return kokoro_engine


def say(engine, text, voice):
    result = engine.synthesize(text, voice, "zh")
    return result.audio, result.sample_rate


@pytest.fixture(scope="module")
def fitted(engine):
    pairs = [ParallelPair(*say(engine, t, SOURCE), *say(engine, t, TARGET), t, "zh") for t in FIT]
    return KnnWorldConverter().fit(pairs)


def test_settings_and_kinds():
    converter = get_converter()
    assert isinstance(converter, KnnWorldConverter)
    assert converter_for("world-knn") is converter
    with pytest.raises(ConversionError):
        converter_for("no-such-kind")
    audio = np.zeros(2400, np.float32)
    out, rate = apply(audio, 24000, VoiceArtifact(engine="kokoro"))  # no conversion: unchanged
    assert rate == 24000 and np.array_equal(out, audio)
    assert revision(VoiceArtifact(engine="kokoro")) == ""
    assert revision(VoiceArtifact(engine="kokoro", conversion_kind="world-knn")) == "world-knn:v1:r1"


def test_world_round_trip():
    t = np.arange(24000) / 24000
    tone = (0.3 * np.sin(2 * np.pi * 140 * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    feats = world.analyze(tone, 24000)
    assert abs(np.median(feats.f0[feats.voiced]) - 140) < 5
    out = world.synthesize(feats.f0, feats.mcep, feats.ap)
    assert abs(len(out) - len(tone)) < 24000 * 0.01 and np.isfinite(out).all()


def test_fitted_data_is_plain_arrays(fitted):
    assert int(fitted["version"]) == KnnWorldConverter.version
    assert fitted["keys"].shape[0] == fitted["deltas"].shape[0] == fitted["key_voiced"].shape[0] > 500
    assert "values" not in fitted  # only kept for the "replace" estimate (replace_weight > 0)
    assert "match_distance" not in fitted  # only fitted for the distance-scaled local share
    # The author's own fine detail: mel-cepstral orders from 12 up, one row per key.
    assert int(fitted["detail_from"]) == 12 and fitted["detail"].shape == (len(fitted["keys"]), world.ORDER + 1 - 12)
    with pytest.raises(ValueError):
        KnnWorldConverter(author_detail_from=world.ORDER + 1)
    assert all(isinstance(v, np.ndarray) and v.dtype != object for v in fitted.values())
    # B (male) speaks lower than A (female): the fitted F0 transform goes down.
    assert fitted["target_logf0"][0] < fitted["source_logf0"][0]
    with pytest.raises(ConversionError):
        KnnWorldConverter().convert(np.zeros(2400, np.float32), 24000, {**fitted, "version": np.array(99)})


def test_a_converted_toward_b_is_closer_to_b_on_every_embedding(engine, fitted):
    from voices.evaluation.embeddings import CamPlusPlusEmbedding, ResemblyzerEmbedding, WhisperSpeakerEmbedding

    source = say(engine, HELD, SOURCE)
    converted = KnnWorldConverter().convert(*source, fitted)
    assert converted[1] == 24000 and np.isfinite(converted[0]).all()
    assert 0.7 < len(converted[0]) / len(source[0]) < 1.4
    reference = say(engine, REFERENCE, TARGET)
    whisper = WhisperSpeakerEmbedding()
    whisper.fit_cohort([say(engine, FIT[0], v) for v in ("zf_xiaobei", "zm_yunxi", "zf_xiaoyi", "zm_yunyang")]
                       + [say(engine, FIT[1], v) for v in (SOURCE, TARGET, "zf_xiaoni", "zm_yunxia")])
    for embedding in (ResemblyzerEmbedding(), whisper, CamPlusPlusEmbedding()):
        ref = embedding.embed(*reference)
        before = embedding.similarity(embedding.embed(*source), ref)
        after = embedding.similarity(embedding.embed(*converted), ref)
        assert after > before + 0.05, (embedding.name, before, after)
    # Pitch moved to B's range.
    f0_source = np.median(world.analyze(*source).f0[world.analyze(*source).voiced])
    feats = world.analyze(*converted)
    assert np.median(feats.f0[feats.voiced]) < 0.8 * f0_source


def test_converted_speech_stays_intelligible(engine, fitted):
    from voices.text_match import compare

    asr = load_backend("ASR")
    converted = KnnWorldConverter().convert(*say(engine, HELD, SOURCE), fitted)
    heard = asr.transcribe(*converted, "zh").text
    assert compare(HELD, heard, "zh").pinyin_error <= 0.3, heard


def test_the_local_share_falls_to_the_global_difference_when_neighbours_are_far(engine):
    """match_distance = inf: every frame takes its neighbours' own difference (local_weight 1 on every frame);
    0: every frame takes the global one (local_weight 0). The fitted distance lies between the two."""
    pairs = [ParallelPair(*say(engine, t, SOURCE), *say(engine, t, TARGET), t, "zh") for t in FIT]
    fitted = KnnWorldConverter(local_weight=1.0, local_by_distance=True).fit(pairs)
    assert 0 < float(fitted["match_distance"]) < np.inf
    source = say(engine, HELD, SOURCE)
    constant = {k: v for k, v in fitted.items() if k not in ("match_distance", "distance_power")}
    converter = KnnWorldConverter()

    def convert(data):
        return converter.convert(*source, data)[0]

    local_only = convert(constant)
    global_only = convert({**constant, "local_weight": np.array(0.0)})
    assert np.array_equal(convert({**fitted, "match_distance": np.array(np.inf)}), local_only)
    assert np.allclose(convert({**fitted, "match_distance": np.array(0.0)}), global_only, atol=1e-4)
    adaptive = convert(fitted)
    assert not np.allclose(adaptive, local_only, atol=1e-3) and not np.allclose(adaptive, global_only, atol=1e-3)


def test_the_author_detail_replaces_only_the_high_orders(engine, fitted):
    """Without its `detail` arrays a voice converts exactly as one fitted with author_detail_from=0; with them, the
    broad envelope (the words) is the same and only the fine detail moves toward the author's."""
    pairs = [ParallelPair(*say(engine, t, SOURCE), *say(engine, t, TARGET), t, "zh") for t in FIT]
    plain = KnnWorldConverter(author_detail_from=0).fit(pairs)
    assert "detail" not in plain and "detail_from" not in plain
    source = say(engine, HELD, SOURCE)
    converter = KnnWorldConverter()
    without = {k: v for k, v in fitted.items() if k not in ("detail", "detail_from")}
    assert np.array_equal(converter.convert(*source, without)[0], converter.convert(*source, plain)[0])
    detailed = world.analyze(*converter.convert(*source, fitted))
    broad = world.analyze(*converter.convert(*source, plain))
    frames = min(len(detailed.mcep), len(broad.mcep))
    low = np.abs(detailed.mcep[:frames, 1:12] - broad.mcep[:frames, 1:12]).mean()
    high = np.abs(detailed.mcep[:frames, 12:] - broad.mcep[:frames, 12:]).mean()
    # Relative to their size: the high orders change much more than the low ones.
    assert high / np.abs(broad.mcep[:frames, 12:]).mean() > 2 * low / np.abs(broad.mcep[:frames, 1:12]).mean()


def test_a_voice_fitted_at_the_old_order_converts_at_its_own(engine, fitted, monkeypatch):
    """Voices fitted before session 7 hold order-40 mel-cepstra; today's fit is order 60. Both convert, each at its
    own order, and the fine orders are what differ."""
    assert fitted["deltas"].shape[1] == world.ORDER + 1 == 61
    pairs = [ParallelPair(*say(engine, t, SOURCE), *say(engine, t, TARGET), t, "zh") for t in FIT]
    monkeypatch.setattr(world, "ORDER", 40)
    old = KnnWorldConverter().fit(pairs)
    monkeypatch.undo()
    assert old["deltas"].shape[1] == 41 and old["detail"].shape[1] == 41 - 12
    source = say(engine, HELD, SOURCE)
    converter = KnnWorldConverter()
    from_old, from_new = converter.convert(*source, old)[0], converter.convert(*source, fitted)[0]
    assert np.isfinite(from_old).all() and abs(len(from_old) - len(from_new)) < 240
    broad_old, broad_new = world.analyze(from_old, 24000, order=24).mcep, world.analyze(from_new, 24000, order=24).mcep
    frames = min(len(broad_old), len(broad_new))
    assert np.abs(broad_old[:frames, 1:12] - broad_new[:frames, 1:12]).mean() < 0.1


def test_the_detail_spread_moves_toward_the_authors(engine, fitted):
    """The neighbours' mean detail varies less over an utterance than the author's frames do; `detail_spread`
    restores part of that spread on the fine orders only. A voice without it converts as with power 0."""
    from voices.conversion.knn import _restore_spread

    assert float(fitted["detail_spread"]) == 0.5
    rng = np.random.default_rng(0)
    author = rng.normal(0.0, 2.0, (400, 3))
    muffled = rng.normal(1.0, 0.5, (100, 3))
    assert np.array_equal(_restore_spread(muffled, author, 0.0), muffled)
    for power in (0.5, 1.0):
        restored = _restore_spread(muffled, author, power)
        assert np.allclose(restored.mean(0), muffled.mean(0))
        assert np.allclose(restored.std(0) / muffled.std(0), (author.std(0) / muffled.std(0)) ** power)
    assert np.allclose(_restore_spread(muffled, author, 1.0).std(0), author.std(0))
    source = say(engine, HELD, SOURCE)
    converter = KnnWorldConverter()
    without = {k: v for k, v in fitted.items() if k != "detail_spread"}
    assert np.array_equal(converter.convert(*source, without)[0],
                          converter.convert(*source, {**fitted, "detail_spread": np.array(0.0)})[0])
    spread = world.analyze(*converter.convert(*source, fitted)).mcep[:, 12:].std(0).mean()
    plain = world.analyze(*converter.convert(*source, without)).mcep[:, 12:].std(0).mean()
    assert spread > 1.05 * plain, (spread, plain)

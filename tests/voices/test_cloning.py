"""Cloning with the real engine: three short readings (a stock voice plays the author) -> a voice artifact that
loads and converts; progress is reported; the time budget holds; the command writes the same artifact."""

import json
import time
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.management import call_command

from voices.cloning import (
    GUARD_ALLOWED_ERROR,
    GUARD_PENALTY,
    CloningError,
    _Cloner,
    candidate_voices,
    clone_voice,
    guard_error,
)
from voices.conversion import Deadline, apply, get_converter
from voices.engines.artifact import VoiceArtifact
from voices.engines.base import Reading
from voices.text_match import compare

pytestmark = [pytest.mark.models, pytest.mark.slow]

AUTHOR = "zm_yunxi"  # plays the author
TEXTS = ["今天天气很好，我们去公园散步吧。", "我们明天早上八点在图书馆见面。", "这个问题很难回答，请再想一想。"]
NEW_TEXT = "他每天骑自行车去上班。"


@pytest.fixture(scope="module")
def engine(kokoro_engine):
    return kokoro_engine


@pytest.fixture(scope="module")
def readings(engine):
    out = []
    for text in TEXTS:
        result = engine.synthesize(text, AUTHOR, "zh")
        out.append(Reading(result.audio, result.sample_rate, text, "zh"))
    return out


def test_no_readings():
    with pytest.raises(CloningError):
        clone_voice([Reading(np.zeros(100, np.float32), 16000, "", "zh")], engine=object())


def test_candidates_put_the_authors_sex_first(engine):
    male = candidate_voices(engine, "zh", "male")
    assert male[0] == "zm_yunjian" and all(v.startswith("zm_") for v in male[:4])
    assert set(male) == {v.name for v in engine.stock_voices() if v.language == "zh"}
    assert candidate_voices(engine, "en", "female")[0] == "af_heart"


def test_clone_loads_converts_reports_and_keeps_the_budget(engine, readings, tmp_path):
    events, voices = [], []
    budget = 60.0
    started = time.monotonic()
    artifact = clone_voice(readings, progress=lambda f, m: events.append((f, m)), time_budget_s=budget,
                           on_voice=voices.append, engine=engine)
    elapsed = time.monotonic() - started
    assert elapsed < budget + 15, elapsed
    assert voices and voices[-1] is artifact
    fractions = [f for f, _ in events]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in events)
    assert artifact.meta["author_median_f0"] < 165  # a male voice plays the author
    assert artifact.base_voice.startswith("zm_") or artifact.meta.get("source_scores")
    assert artifact.conversion_kind == "world-knn" and artifact.style.shape == (510, 1, 256)
    details = artifact.meta.get("source_details") or {}
    assert all(0.0 <= d["error_rate"] <= 1.5 and -1 <= d["similarity"] <= 1 for d in details.values())  # the guard ran

    path = tmp_path / "voice.npz"
    artifact.save(path)
    loaded = VoiceArtifact.load(path)
    assert loaded.content_hash() == artifact.content_hash()
    spoken = engine.synthesize(NEW_TEXT, loaded.base_voice, "zh")
    audio, rate = apply(spoken.audio, spoken.sample_rate, loaded)
    assert rate == 24000 and np.isfinite(audio).all() and 0.7 < len(audio) / len(spoken.audio) < 1.4
    assert np.abs(audio).max() > 0.05


def test_first_voice_only_is_fast(engine, readings):
    started = time.monotonic()
    artifact = clone_voice(readings, time_budget_s=60, engine=engine, refine=False)
    assert time.monotonic() - started < 60
    assert artifact.meta["source_choice"] == "first" and artifact.base_voice == "zm_yunjian"


def test_clone_voice_command(readings, tmp_path, capsys):
    from voices import audio as audio_utils

    args = []
    for index, reading in enumerate(readings):
        path = tmp_path / f"clip{index}.wav"
        audio_utils.write_wav(path, reading.audio, reading.sample_rate)
        args += ["--clip", str(path), reading.transcript]
    out = tmp_path / "voice.npz"
    call_command("clone_voice", *args, "--budget-seconds", "60", "--no-refine", "--out", str(out), "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["base_voice"] == "zm_yunjian" and summary["conversion_kind"] == "world-knn"
    assert summary["progress"][-1]["fraction"] == 1.0
    loaded = VoiceArtifact.load(out)
    assert loaded.conversion["keys"].shape[0] > 100 and out.stat().st_size < 2_000_000


# The left-out reading (TEXTS[-1]) as a source voice that misreads it might be heard: every syllable right but five
# characters wrong (homophones of another tone): toneless pinyin error 0, character error 5/13.
HOMOPHONES = "这个文题很南回答，请在向一像。"


def test_guard_error_is_the_worse_of_characters_and_pinyin():
    match = compare(TEXTS[-1], HOMOPHONES, "zh")
    assert match.pinyin_error == 0.0 and match.unit_error_rate == pytest.approx(5 / 13)
    assert guard_error(match) == pytest.approx(5 / 13)
    assert guard_error(compare(TEXTS[-1], TEXTS[-1], "zh")) == 0.0
    english = compare("in the valley of the shadow", "in the valley of shadow", "en")
    assert english.pinyin_error is None and guard_error(english) == pytest.approx(1 / 6)


class _FixedScorer:
    def embed(self, audio, rate):
        return np.ones(4)

    def similarity(self, a, b):
        return 0.8


class _FixedASR:
    def __init__(self, text):
        self.text = text

    def transcribe(self, audio, rate, language):
        assert np.isfinite(audio).all() and len(audio) > rate  # the converted left-out reading
        return SimpleNamespace(text=self.text)


def test_guard_penalises_a_source_whose_reading_has_the_wrong_characters(engine, readings):
    def score(heard):
        cloner = _Cloner(readings, engine, get_converter(), "zh", Deadline(60), _FixedScorer(), _FixedASR(heard))
        return cloner.cross_validate("zm_yunjian"), cloner.details["zm_yunjian"]

    clean, clean_detail = score(TEXTS[-1])
    assert clean == pytest.approx(0.8) and clean_detail["error_rate"] == 0.0
    misread, detail = score(HOMOPHONES)
    assert detail["pinyin_error"] == 0.0 and detail["error_rate"] == pytest.approx(5 / 13, abs=1e-4)
    assert misread == pytest.approx(0.8 - GUARD_PENALTY * (5 / 13 - GUARD_ALLOWED_ERROR), abs=1e-3)
    assert misread < clean - 0.1  # loses to a source of equal similarity that reads the sentence right

"""`manage.py evaluate_cloning` end to end with the real models, on a manifest made here: a stock voice plays the
author (two clips: one to clone from, one held out), another speaker's clip completes the whisper-spk cohort."""

import json

import pytest
import soundfile as sf
from django.core.management import call_command

from voices.evaluation.runner import EMBEDDINGS, UNSEEN_TEXT, read_manifest

pytestmark = [pytest.mark.models, pytest.mark.slow]

AUTHOR = "zm_yunxi"
CLIPS = [("author", AUTHOR, "今天天气很好，我们去公园散步吧。"),
         ("author", AUTHOR, "我们明天早上八点在图书馆见面。"),
         ("other", "zf_xiaobei", "这个问题很难回答，请再想一想。")]


@pytest.fixture(scope="module")
def manifest(kokoro_engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval")
    lines = ["file,speaker_id,language,transcript"]
    for index, (speaker, voice, text) in enumerate(CLIPS):
        result = kokoro_engine.synthesize(text, voice, "zh")
        sf.write(folder / f"{index}.wav", result.audio, result.sample_rate)
        lines.append(f"{index}.wav,{speaker},zh,{text}")
    path = folder / "manifest.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(manifest, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.json"
    call_command("evaluate_cloning", "--manifest", str(manifest), "--budget-seconds", "0",
                 "--floor-voices", "zf_xiaoxiao", "--out", str(out), verbosity=0)
    return json.loads(out.read_text(encoding="utf-8"))


def test_manifest_paths_resolve_beside_the_manifest(manifest):
    rows = read_manifest(manifest)
    assert [r["speaker_id"] for r in rows] == ["author", "author", "other"]
    assert all(r["path"].startswith(str(manifest.parent)) for r in rows)


def test_only_speakers_with_two_clips_are_evaluated(report):
    assert [r["speaker"] for r in report["speakers"]] == ["author"]
    result = report["speakers"][0]
    assert result["fitting_clips"] == 1 and result["held_out"] == "1.wav"


def test_the_clone_is_measured_on_the_held_out_and_on_an_unseen_text(report):
    result = report["speakers"][0]
    sim = result["similarity"]
    for kind in ("clone", "first_voice", "ceiling", "floor", "source", "clone_unseen_text", "source_unseen_text"):
        assert set(sim[kind]) == set(EMBEDDINGS) and all(-1.0 <= v <= 1.0 for v in sim[kind].values()), kind
    # Real vs real: the same stock voice reading two sentences.
    assert sim["ceiling"]["resemblyzer"] > 0.8
    # The conversion moves the source toward the author on a sentence it never saw.
    assert sim["clone_unseen_text"]["resemblyzer"] > sim["source_unseen_text"]["resemblyzer"]
    for name in EMBEDDINGS:
        ceiling = sim["ceiling"][name]
        expected = sim["clone_unseen_text"][name] / ceiling if ceiling > 0 else None  # no ratio to a ceiling <= 0
        assert result["clone_unseen_text_over_ceiling"][name] == pytest.approx(expected, abs=1e-3)
    assert UNSEEN_TEXT["zh"] not in {text for _, _, text in CLIPS}


def test_intelligibility_pitch_and_times_are_reported(report):
    result = report["speakers"][0]
    assert result["asr"]["real"]["error_rate"] <= 0.2  # Kokoro reads its own sentence clearly
    assert result["asr"]["clone"]["error_rate"] <= 0.5, result["asr"]["clone"]["heard"]
    assert result["verify_reading"] is not None and "accepted" in result["verify_reading"]
    assert abs(result["f0"]["f0_mean_semitones"]) < 4
    assert 0 < result["seconds"]["first_voice"] <= result["seconds"]["clone"]
    averages = report["averages"]["zh"]
    assert averages["speakers"] == 1
    assert averages["clone_unseen_text_over_ceiling"] == result["clone_unseen_text_over_ceiling"]
    ceiling = result["similarity"]["ceiling"]["resemblyzer"]
    assert averages["ratio_of_means"]["clone_unseen_text"]["resemblyzer"] == pytest.approx(
        result["similarity"]["clone_unseen_text"]["resemblyzer"] / ceiling, abs=1e-3)


def test_the_table_names_both_measures(report):
    from voices.management.commands.evaluate_cloning import _table

    lines = _table(report)
    assert "unseen text" in lines[0] and lines[1].startswith("author") and lines[-1].startswith("average all")


def test_the_clone_is_placed_between_strangers_and_the_ceiling(report):
    """`strangers` = real clips of different speakers (here the author's two clips against the other voice's)."""
    from voices.evaluation.runner import above_strangers

    strangers = report["strangers"]["zh"]
    assert set(strangers) == set(EMBEDDINGS)
    averages = report["averages"]["zh"]
    assert averages["strangers"] == strangers
    for name in ("resemblyzer", "campplus"):  # two voices are further apart than one voice's two sentences
        assert strangers[name] < averages["ceiling"][name] - 0.1, (name, strangers, averages["ceiling"])
    placed = averages["above_strangers"]["clone_unseen_text"]
    for name in EMBEDDINGS:
        clone, ceiling = averages["clone_unseen_text"][name], averages["ceiling"][name]
        expected = (clone - strangers[name]) / (ceiling - strangers[name])
        assert placed[name] == pytest.approx(expected, abs=1e-3)
    same = {n: 0.5 for n in EMBEDDINGS}
    assert above_strangers(same, same, same) == {n: None for n in EMBEDDINGS}  # no room between: no position
    assert "all" in report["averages"] and "above_strangers" not in report["averages"]["all"]

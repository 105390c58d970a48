"""Run the enrollment's reading verification on audio files: `verify_reading --clip AUDIO TEXT [--clip ...]`.

Each clip is checked by voices.services.verification.reading_verify, exactly as an uploaded reading is, with the
other clips' texts (of the same language) as distractor sentences and the clips before it as history (a file given
twice is a replay).
Liveness checks that need a challenge shown by the site (timing) are skipped, and the output says so. Finally the
clips' speaker embeddings are compared: together they must sound like one person.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...services.verification import History, Thresholds, reading_verify, speakers_agree
from ...text_match import detect_language


class Command(BaseCommand):
    help = "Verify recordings of sentences with the enrollment's checks; prints the decision and the reasons."

    def add_arguments(self, parser):
        parser.add_argument("--clip", nargs=2, action="append", metavar=("AUDIO", "TEXT"), required=True,
                            help="an audio file and the sentence it should say (repeat for several clips)")
        parser.add_argument("--language", choices=["zh", "en", "auto"], default="auto",
                            help="language of the sentences (default: detected from each text)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options):
        clips = [(Path(audio), text) for audio, text in options["clip"]]
        for path, _ in clips:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        result = verify_clips(clips, language=options["language"])
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        for clip in result["clips"]:
            verdict = "ACCEPTED" if clip["accepted"] else "REJECTED"
            self.stdout.write(f"{verdict}  {clip['file']}")
            self.stdout.write(f"  heard: {clip['transcript']}")
            self.stdout.write(f"  cer={clip['cer']} pinyin_error={clip['pinyin_error']} "
                              f"forced_score={clip['forced_score']} speech={clip['speech_seconds']} s")
            for reason in clip["reasons"]:
                mark = "skipped" if reason["ok"] is None else "failed"
                self.stdout.write(f"  {mark}: {reason['en']}")
        self.stdout.write(f"same speaker: {result['same_speaker']} {result['speaker_scores']}")
        self.stdout.write("ACCEPTED" if result["accepted"] else "REJECTED")


def verify_clips(clips, *, language="auto", thresholds=None) -> dict:
    """[(path, text)] -> the command's JSON object (also used by bench/verification.py)."""
    t = thresholds or Thresholds.from_settings()
    out, embeddings, sha256s, fingerprints = [], [], set(), []
    def language_of(text):
        return detect_language(text) if language == "auto" else language

    for index, (path, text) in enumerate(clips):
        distractors = [other for i, (_, other) in enumerate(clips)
                       if i != index and other != text and language_of(other) == language_of(text)]
        verdict = reading_verify(Path(path).read_bytes(), expected_text=text, language=language,
                                 distractors=distractors, history=History(frozenset(sha256s), tuple(fingerprints)),
                                 thresholds=t)
        if verdict.audio:
            sha256s.add(verdict.audio.sha256)
        if verdict.fingerprint is not None and len(verdict.fingerprint):
            fingerprints.append(verdict.fingerprint)
        if verdict.embedding is not None:
            embeddings.append(verdict.embedding)
        match = verdict.text
        out.append({
            "file": str(path),
            "accepted": verdict.accepted,
            "reasons": verdict.reasons,
            "transcript": verdict.transcript,
            "cer": None if match is None else round(match.cer, 4),
            "pinyin_error": None if match is None or match.pinyin_error is None else round(match.pinyin_error, 4),
            "forced_score": verdict.forced_score,
            "speech_seconds": verdict.speech_seconds,
            "mismatch_evidence": verdict.mismatch_evidence,
            "seconds": verdict.seconds,
        })
    same_speaker, scores = speakers_agree(embeddings, t)
    return {"clips": out, "same_speaker": same_speaker, "speaker_scores": scores,
            "accepted": same_speaker and all(c["accepted"] for c in out)}

"""faster-whisper (CTranslate2) with the Whisper-base weights assembled by `models_install` (never a hub download).

transcribe(): beam search with the language fixed; an initial prompt in simplified Chinese for "zh" (and an OpenCC
t2s pass) keeps Chinese output simplified. Word times, when asked for, come from one cross-attention alignment of
the decoded tokens (faster-whisper's own word_timestamps re-decodes the tail of a clip after the last word and
hallucinates there, costing several seconds on short clips).

score_text(): forced scoring. CTranslate2's `Whisper.align` runs the decoder once, teacher-forced, over
`start_sequence + <|notimestamps|> + text + <|endoftext|>` and returns for each text token t the probability
P(text[t] | audio, prompt, text[:t]), the softmax taken over the text vocabulary (the ids below <|endoftext|>).
The score of a candidate is the mean log of those probabilities. Candidates are NFKC-normalized first: full-width
punctuation ("，") tokenizes into rare byte pieces that cost several nats each, while Whisper writes ",".

Clips of at most 30 s (every enrollment reading) take a shorter road than WhisperModel.transcribe(): the encoder,
most of the cost on CPU, runs over a window of `window_seconds` (or the clip plus a second, if longer) instead of the
padded 30 s, and one encoding per clip serves transcribe(), the word alignment and score_text() (remembered per
thread). Measured on the 24 real dev clips (bench/verification.py's set): a 20 s window keeps the transcripts as good
as the 30 s one (mean pinyin/word error 0.043 vs 0.037, max 0.167 vs 0.20) and the forced scores the same (honest
>= -1.22, other sentences <= -4.1), in less than half the time; a 10 s window was faster still but misheard more
(max 0.27).
"""

import hashlib
import math
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.core.exceptions import ImproperlyConfigured

from ... import audio as audio_utils
from .base import BaseASR, Segment, Transcript, Word, base_language

SAMPLE_RATE = 16000
WINDOW_SECONDS = 30  # one Whisper window
MIN_PROB = 1e-10  # log floor for a token the model gives ~0 probability
NO_SPACE_LANGUAGES = {"zh", "ja", "yue", "th", "lo", "my", "km", "bo"}
DEFAULT_INITIAL_PROMPTS = {"zh": "以下是普通话的句子。"}


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def normalize_candidate(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


@dataclass(frozen=True)
class _DecodedSegment:
    """The fields of a faster_whisper Segment that transcribe() reads."""

    start: float
    end: float
    text: str
    tokens: list[int]
    avg_logprob: float
    no_speech_prob: float
    words: tuple = ()


class FasterWhisperASR(BaseASR):
    def __init__(self, model_dir: str | None = None, device: str = "cpu", compute_type: str = "int8",
                 beam_size: int = 5, cpu_threads: int = 2, num_workers: int = 1,
                 initial_prompts: dict[str, str] | None = None, temperature: float | list[float] = 0.0,
                 word_timestamps: bool = False, simplify_chinese: bool = True, window_seconds: float = 20.0):
        """`model_dir`: a CTranslate2 Whisper directory (default: model_path("whisper-base")). `temperature` 0.0
        means no sampling fallback: on a bad recording a fallback costs up to five more decodes for little gain (clips
        over 30 s only: shorter ones are one beam search).
        `window_seconds`: the shortest encoder window for clips up to 30 s (30 = Whisper's own padding)."""
        if not 1 <= window_seconds <= WINDOW_SECONDS:
            raise ImproperlyConfigured(f"window_seconds must be between 1 and {WINDOW_SECONDS}, got {window_seconds}")
        self.model_dir = model_dir
        self.device = device
        self.compute_type = compute_type
        self.beam_size = beam_size
        self.cpu_threads = cpu_threads
        self.num_workers = num_workers
        self.initial_prompts = DEFAULT_INITIAL_PROMPTS if initial_prompts is None else dict(initial_prompts)
        self.temperature = temperature
        self.word_timestamps = word_timestamps
        self.simplify_chinese = simplify_chinese
        self.window_seconds = float(window_seconds)
        self._model = None
        self._lock = threading.Lock()
        self._last_encoding = threading.local()

    # --- the model, loaded on first use ---------------------------------------------------------------------------

    @property
    def model(self):
        """The faster_whisper.WhisperModel, loaded once (thread-safe) on first use."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        from faster_whisper import WhisperModel

        from ...assets import model_path

        path = Path(self.model_dir) if self.model_dir else model_path("whisper-base")
        if not (path / "model.bin").is_file():  # a non-directory would make faster-whisper try the HF Hub
            raise ImproperlyConfigured(f"VOICES['ASR'] model_dir {path} has no model.bin")
        return WhisperModel(str(path), device=self.device, compute_type=self.compute_type,
                            cpu_threads=self.cpu_threads, num_workers=self.num_workers, local_files_only=True)

    def _tokenizer(self, language: str):
        from faster_whisper.tokenizer import Tokenizer

        model = self.model
        return Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)

    def _encode(self, audio16k: np.ndarray):
        """Encoder output of a clip of at most 30 s, and the number of mel frames holding audio.

        The window is `window_seconds`, or the clip plus one second rounded up to 2 s when longer (module doc). The
        last encoding of each thread is remembered: transcribe() then score_text() of one clip encode it once.
        """
        import ctranslate2
        from faster_whisper.audio import pad_or_trim

        key = hashlib.blake2b(np.ascontiguousarray(audio16k, dtype=np.float32).view(np.uint8), digest_size=16).digest()
        memo = self._last_encoding
        if getattr(memo, "key", None) == key:
            return memo.output, memo.frames
        features = self.model.feature_extractor(audio16k)
        frames = features.shape[-1] - 1  # the extractor's last frame is padding (as in WhisperModel.transcribe)
        per_second = self.model.frames_per_second
        clip_window = math.ceil((frames + per_second) / (2 * per_second)) * 2 * per_second
        window = int(min(max(self.window_seconds * per_second, clip_window), WINDOW_SECONDS * per_second))
        window_features = np.ascontiguousarray(pad_or_trim(features[:, :frames], window)[np.newaxis])
        output = self.model.model.encode(ctranslate2.StorageView.from_array(window_features))
        memo.key, memo.output, memo.frames = key, output, frames
        return output, frames

    def _start_sequence(self, tokenizer, language: str) -> list[int]:
        """What the decoder is given before the text: the initial prompt (as previous text), then SOT/lang/task."""
        prompt = self.initial_prompts.get(language)
        start = []
        if prompt:
            max_prompt = self.model.max_length // 2 - 1
            start = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt.strip())[-max_prompt:]]
        return start + list(tokenizer.sot_sequence)

    @staticmethod
    def _prepare(audio: np.ndarray, sample_rate: int) -> np.ndarray:
        return audio_utils.resample(audio_utils.to_mono(audio), sample_rate, SAMPLE_RATE)

    # --- the interface ----------------------------------------------------------------------------------------------

    def transcribe(self, audio: np.ndarray, sample_rate: int, language: str) -> Transcript:
        language = base_language(language)
        x = self._prepare(audio, sample_rate)
        duration = len(x) / SAMPLE_RATE
        if len(x) < SAMPLE_RATE // 10:
            return Transcript("", language, (), 0.0, duration)
        long_clip = duration > WINDOW_SECONDS
        if long_clip:
            segments, _info = self.model.transcribe(
                x, language=language, task="transcribe", beam_size=self.beam_size, temperature=self.temperature,
                initial_prompt=self.initial_prompts.get(language), condition_on_previous_text=False,
                word_timestamps=self.word_timestamps, vad_filter=False,
            )
        else:
            segments = [self._decode_window(x, language, duration)]
        segments = [s for s in segments if s.text.strip()]
        words = self._words(x, language, segments) if self.word_timestamps and not long_clip else None
        fix = to_simplified if (language == "zh" and self.simplify_chinese) else (lambda text: text)

        result, weights, logprobs = [], [], []
        for i, s in enumerate(segments):
            seg_words = words[i] if words is not None else [
                Word(float(w.start), float(w.end), w.word, float(w.probability)) for w in (s.words or ())]
            seg_words = tuple(Word(w.start, w.end, fix(w.text), w.probability) for w in seg_words)
            result.append(Segment(float(s.start), float(s.end), fix(s.text.strip()), float(s.avg_logprob),
                                  float(s.no_speech_prob), seg_words))
            weights.append(max(1, len(s.tokens)))
            logprobs.append(float(s.avg_logprob))
        separator = "" if language in NO_SPACE_LANGUAGES else " "
        text = separator.join(segment.text for segment in result).strip()
        avg = float(np.average(logprobs, weights=weights)) if result else 0.0
        return Transcript(text, language, tuple(result), avg, duration)

    def _decode_window(self, x: np.ndarray, language: str, duration: float) -> "_DecodedSegment":
        """Beam search over the clip's one encoder window, without timestamps: one segment of the whole clip."""
        tokenizer = self._tokenizer(language)
        prompt = self._start_sequence(tokenizer, language) + [tokenizer.no_timestamps]
        encoder_output, _frames = self._encode(x)
        result = self.model.model.generate(
            encoder_output, [prompt], beam_size=self.beam_size, max_length=self.model.max_length - len(prompt),
            suppress_blank=True, suppress_tokens=[-1], return_scores=True, return_no_speech_prob=True,
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        # CTranslate2 scores are length-normalised sums (length_penalty 1), as faster-whisper's avg_logprob
        return _DecodedSegment(0.0, duration, tokenizer.decode(tokens), tokens, float(result.scores[0]),
                               float(result.no_speech_prob))

    def _words(self, x: np.ndarray, language: str, segments) -> list[list[Word]]:
        """Word times of a clip of at most 30 s: one alignment of all decoded text tokens against the window."""
        tokenizer = self._tokenizer(language)
        per_segment = [[t for t in s.tokens if t < tokenizer.eot] for s in segments]
        tokens = [t for seg in per_segment for t in seg]
        if not tokens:
            return [[] for _ in segments]
        encoder_output, num_frames = self._encode(x)
        aligned = self.model.find_alignment(tokenizer, [tokens], encoder_output, num_frames)[0]
        # Give each word to the segment its first token belongs to.
        bounds = np.cumsum([len(seg) for seg in per_segment])
        out: list[list[Word]] = [[] for _ in segments]
        position = 0
        for w in aligned:
            index = min(int(np.searchsorted(bounds, position, side="right")), len(segments) - 1)
            out[index].append(Word(float(w["start"]), float(w["end"]), w["word"], float(w["probability"])))
            position += len(w["tokens"])
        return out

    def score_text(self, audio: np.ndarray, sample_rate: int, language: str, texts: list[str]) -> list[float]:
        """Mean token log-probability of each candidate given the audio (forced decoding; see the module doc).

        The clip must fit one Whisper window (30 s). An empty candidate scores -inf.
        """
        language = base_language(language)
        x = self._prepare(audio, sample_rate)
        if len(x) > WINDOW_SECONDS * SAMPLE_RATE:
            raise ValueError(f"score_text takes clips up to {WINDOW_SECONDS} s, got {len(x) / SAMPLE_RATE:.1f} s")
        if not texts:
            return []
        tokenizer = self._tokenizer(language)
        start = self._start_sequence(tokenizer, language)
        encoder_output, num_frames = self._encode(x)
        space = "" if language in NO_SPACE_LANGUAGES else " "
        scores = []
        for text in texts:
            text = normalize_candidate(text)
            tokens = tokenizer.encode(space + text) if text else []
            if not tokens:
                scores.append(-math.inf)
                continue
            result = self.model.model.align(encoder_output, start, [tokens], num_frames)[0]
            probs = np.asarray(result.text_token_probs, dtype=np.float64)
            scores.append(float(np.mean(np.log(np.maximum(probs, MIN_PROB)))))
        return scores

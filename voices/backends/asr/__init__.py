"""Speech recognition backends: VOICES["ASR"] names one (default voices.backends.asr.whisper.FasterWhisperASR)."""

"""Voice activity detection backends: VOICES["VAD"] names one (default voices.backends.vad.webrtc.WebRtcVAD)."""

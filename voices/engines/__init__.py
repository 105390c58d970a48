"""Voice engines: text -> speech in a voice (VOICES["ENGINE"]); see README.md and base.py."""

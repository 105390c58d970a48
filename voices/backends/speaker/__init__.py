"""Speaker-embedding backends: VOICES["SPEAKER_ENCODER"] names one (default resemblyzer_encoder.ResemblyzerEncoder)."""

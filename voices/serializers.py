"""DRF serializers of the enrollment API: input validation and the shapes of the answers."""

from rest_framework import serializers

from .app_settings import app_settings
from .models import ConsentRecord, Enrollment, ReadingAttempt
from .selectors import sentence_states


class ConsentInput(serializers.Serializer):
    language = serializers.ChoiceField(choices=["zh", "en"], default="zh")
    accept = serializers.BooleanField()

    def validate_accept(self, value):
        if not value:
            raise serializers.ValidationError("Consent needs accept=true. / 需要 accept=true 才算同意。")
        return value


class ConsentRecordOutput(serializers.ModelSerializer):
    class Meta:
        model = ConsentRecord
        fields = ["id", "terms_version", "terms_sha256", "language", "accepted_at"]


class EnrollmentOutput(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")

    class Meta:
        model = Enrollment
        fields = ["id", "state", "state_display", "created_at", "state_changed_at", "verified_at", "failure_reason"]


class ChallengeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    sentences = serializers.SerializerMethodField()

    def get_sentences(self, challenge):
        return sentence_states(challenge)


class ShownSentenceOutput(serializers.Serializer):
    id = serializers.IntegerField(source="sentence.pk")
    index = serializers.IntegerField(source="sentence.index")
    text = serializers.CharField(source="sentence.text")
    language = serializers.CharField(source="sentence.language")
    shown_at = serializers.DateTimeField(source="sentence.shown_at")
    shown_token = serializers.CharField(source="token")


class ReadingInput(serializers.Serializer):
    challenge = serializers.UUIDField()
    index = serializers.IntegerField(min_value=0)
    shown_token = serializers.CharField(max_length=500)
    audio = serializers.FileField(allow_empty_file=False)

    def validate_audio(self, value):
        limit = app_settings.READING_MAX_BYTES
        if value.size > limit:
            raise serializers.ValidationError(f"The recording is too big ({value.size / 1e6:.1f} MB; at most "
                                              f"{limit / 1e6:.1f} MB). / 录音文件太大。")
        return value


class AttemptOutput(serializers.ModelSerializer):
    accepted = serializers.BooleanField()
    sentence_index = serializers.IntegerField(source="sentence.index", default=None)
    mismatch_evidence = serializers.SerializerMethodField()

    class Meta:
        model = ReadingAttempt
        fields = ["id", "decision", "accepted", "sentence_index", "expected_text", "transcript", "reasons", "cer",
                  "pinyin_error", "forced_score", "mismatch_evidence", "speech_seconds", "speaker_similarity",
                  "shown_at", "received_at", "processing_seconds"]

    def get_mismatch_evidence(self, attempt):
        return (attempt.scores or {}).get("mismatch_evidence")

"""The author's voice pages: preview (own reading next to the clone), apply, and the samples they play."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .audio import write_wav
from .models import ReadingAttempt, Voice
from .selectors import voice_artifact_path
from .services.voice import VoiceError, voice_apply


def own_voice(request, voice_id) -> Voice:
    return get_object_or_404(Voice, pk=voice_id, user=request.user)


def preview_attempt(voice: Voice) -> ReadingAttempt:
    """The last verified reading whose audio is kept (retention deletes old audio): the author hears the same sentence
    in their recording and in the clone. After "record more" it is a sentence of the new round."""
    attempt = (ReadingAttempt.objects.filter(enrollment=voice.enrollment, decision=ReadingAttempt.Decision.ACCEPTED)
               .exclude(recording=None).exclude(recording__file="").select_related("recording", "sentence")
               .order_by("-received_at").first())
    if attempt is None:
        raise Http404("No verified reading to compare with.")
    return attempt


def wav_response(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="audio/wav")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def voice_sample(request, voice_id, kind):
    voice = own_voice(request, voice_id)
    attempt = preview_attempt(voice)
    if kind == "reading":
        with attempt.recording.file.open("rb") as handle:
            return wav_response(handle.read())
    if not voice.is_usable:
        raise Http404("This voice is not ready.")
    from .synthesis import synthesize_text

    language = attempt.sentence.language if attempt.sentence else "zh"
    speech = synthesize_text(attempt.expected_text, voice=voice_artifact_path(voice), language=language)
    buffer = io.BytesIO()
    write_wav(buffer, speech.audio, speech.sample_rate)
    response = wav_response(buffer.getvalue())
    response["X-AI-Generated"] = "true"
    return response


@login_required
@require_POST
def voice_apply_view(request, voice_id):
    try:
        voice_apply(voice=own_voice(request, voice_id), user=request.user)
        messages.success(request, "已启用：今后发布的文章将用你的声音朗读。 "
                                  "Applied: articles you publish from now on are read in your voice.")
    except VoiceError as exc:
        messages.error(request, str(exc))
    return redirect("voices:status")

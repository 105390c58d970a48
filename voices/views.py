"""The enrollment pages under /voices/: status, consent, the reading page, record more, discard, revoke. Thin:
services do the work."""

import markdown
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from . import selectors
from .api import client_ip
from .app_settings import app_settings
from .serializers import ChallengeOutput
from .services.consent import TERMS_LANGUAGES, consent_accept, consent_terms, terms_language
from .services.enrollment import READING_STATES, reading_goal
from .services.refine import ActionRefused, enrollment_refine, voice_actions, voice_discard
from .services.voice import voice_revoke


class ConsentForm(forms.Form):
    language = forms.ChoiceField(choices=[(code, code) for code in TERMS_LANGUAGES], widget=forms.HiddenInput)
    agree = forms.BooleanField(
        required=True,
        label="我已阅读并同意以上条款，并确认我是本账号的主人。 "
              "I have read and agree to these terms, and I am the owner of this account.",
        error_messages={"required": "请勾选同意。 Please tick the box to agree."})


@login_required
def status_view(request):
    status = selectors.enrollment_status(request.user)
    voice = selectors.voice_current(request.user.pk)
    in_use = selectors.voice_for_author_at(request.user.pk, timezone.now())
    return render(request, "voices/status.html", {
        **status,
        "progress": reading_goal(status["enrollment"]),
        "voice": voice,
        "voice_in_use": in_use if in_use is not None and in_use != voice else None,
        "actions": voice_actions(request.user, status["enrollment"]),
        "attempts": selectors.attempts_recent(request.user, 20),
        "reading_states": READING_STATES,
    })


@login_required
def consent_view(request):
    language = terms_language(request.POST.get("language") or request.GET.get("language")
                              or getattr(request, "LANGUAGE_CODE", "zh"))
    terms = consent_terms(language)
    form = ConsentForm(request.POST or None, initial={"language": terms.language})
    if request.method == "POST" and form.is_valid():
        consent_accept(user=request.user, language=form.cleaned_data["language"], ip_address=client_ip(request),
                       user_agent=request.META.get("HTTP_USER_AGENT", ""))
        messages.success(request, "已记录你的同意。 Your consent is recorded.")
        return redirect("voices:read")
    return render(request, "voices/consent.html", {
        "terms": terms,
        "terms_html": mark_safe(markdown.markdown(terms.text)),  # our own file, not user input
        "other_language": "en" if terms.language == "zh" else "zh",
        "form": form,
        "consent": selectors.consent_current(request.user),
    })


@login_required
def read_view(request):
    enrollment = selectors.enrollment_current(request.user)
    if enrollment is None or selectors.consent_current(request.user) is None:
        return redirect("voices:consent")
    if enrollment.state not in READING_STATES:
        return redirect("voices:status")
    challenge = selectors.challenge_open(enrollment)
    goal = reading_goal(enrollment)
    config = {
        "api": {
            "challenges": reverse("voices:api-challenges"),
            "readings": reverse("voices:api-readings"),
            "status": reverse("voices:api-status"),
        },
        "statusUrl": reverse("voices:status"),
        "challenge": ChallengeOutput(challenge).data if challenge else None,
        "maxSeconds": app_settings.READING_MAX_SECONDS,
        "progress": goal.as_dict(),
    }
    return render(request, "voices/read.html", {
        "config": config, "enrollment": enrollment, "goal": goal,
        "voice_in_use": selectors.voice_for_author_at(request.user.pk, timezone.now()),
    })


def refused(request, exc: ActionRefused):
    messages.error(request, f"{exc.zh} {exc.en}")
    return redirect("voices:status")


@login_required
@require_POST
def refine_view(request):
    """Record more: a new round of reading; the voice in use keeps reading until the new version is applied."""
    try:
        enrollment_refine(user=request.user)
    except ActionRefused as exc:
        return refused(request, exc)
    messages.success(request, "再读几句新的句子，我们会用你全部的录音重新制作声音。 "
                              "Read a few more sentences: your voice is then rebuilt from all your readings.")
    return redirect("voices:read")


@login_required
@require_POST
def discard_view(request):
    """Discard the ready voice: start over, or (a new version) keep the voice in use."""
    try:
        result = voice_discard(user=request.user)
    except ActionRefused as exc:
        return refused(request, exc)
    if not result.started_over:
        messages.success(request, "已放弃新版本，你的文章继续使用原来的声音。 "
                                  "The new version is discarded; your articles keep the voice in use.")
        return redirect("voices:status")
    messages.success(request, "已删除这个声音和它的录音。请重新朗读。 "
                              "The voice and its recordings are deleted. Start reading again.")
    return redirect("voices:read")


@login_required
@require_POST
def revoke_view(request):
    voice_revoke(user=request.user)
    messages.success(request, "已撤销同意，删除了你的录音和声音。 "
                              "Consent withdrawn; your recordings and your voice are deleted.")
    return redirect("voices:status")

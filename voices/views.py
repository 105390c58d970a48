"""The enrollment pages under /voices/: status, consent, the reading page, revoke. Thin: services do the work."""

import markdown
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from . import selectors
from .api import client_ip
from .app_settings import app_settings
from .serializers import ChallengeOutput
from .services.consent import TERMS_LANGUAGES, consent_accept, consent_terms, terms_language
from .services.enrollment import READING_STATES
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
    return render(request, "voices/status.html", {
        **selectors.enrollment_status(request.user),
        "voice": selectors.voice_current(request.user.pk),
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
    config = {
        "api": {
            "challenges": reverse("voices:api-challenges"),
            "readings": reverse("voices:api-readings"),
            "status": reverse("voices:api-status"),
        },
        "statusUrl": reverse("voices:status"),
        "challenge": ChallengeOutput(challenge).data if challenge else None,
        "maxSeconds": app_settings.READING_MAX_SECONDS,
        "progress": selectors.enrollment_progress(enrollment).as_dict(),
    }
    return render(request, "voices/read.html", {"config": config, "enrollment": enrollment})


@login_required
@require_POST
def revoke_view(request):
    voice_revoke(user=request.user)
    messages.success(request, "已撤销同意，删除了你的录音和声音。 "
                              "Consent withdrawn; your recordings and your voice are deleted.")
    return redirect("voices:status")

"""The enrollment API under /voices/api/ (Django REST framework; session authentication with CSRF).

    GET  consent/                                    the current terms (?language=zh|en) and the user's consent
    POST consent/                                    {"language": "zh", "accept": true}: consent, starts enrollment
    GET  challenges/current/                         the open challenge (404 when there is none)
    POST challenges/                                 a new challenge (its sentences stay hidden until shown)
    GET  challenges/<id>/                            a challenge and the state of each sentence
    POST challenges/<id>/sentences/<index>/show/     reveal a sentence: its text and the shown_token to upload with
    POST readings/                                   multipart: audio (WAV), challenge, index, shown_token
    GET  status/                                     consent, enrollment state, progress, lockout, recent attempts
    POST enrollment/revoke/                          withdraw consent: revoke the enrollment, delete recordings
    POST enrollment/refine/                          record more: a new round of reading (ready or applied voice)
    POST enrollment/discard/                         discard the ready voice: start over (or keep the applied one)

Every view is thin: the services in voices.services do the work; docs/voices-api.md shows the flow with examples.
"""

from django.shortcuts import get_object_or_404
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .models import Challenge, ChallengeSentence, ReadingAttempt
from .serializers import (
    AttemptOutput,
    ChallengeOutput,
    ConsentInput,
    ConsentRecordOutput,
    EnrollmentOutput,
    ReadingInput,
    ShownSentenceOutput,
)
from .services.challenges import ChallengeClosed, NotEnoughText, challenge_create, sentence_show
from .services.consent import consent_accept, consent_terms
from .services.enrollment import ACTIVE_STATES, reading_goal
from .services.readings import reading_submit
from .services.reasons import failed
from .services.refine import ActionRefused, enrollment_refine, voice_actions, voice_discard
from .services.voice import voice_revoke


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def problem(code: str, http_status: int, **values) -> Response:
    """An error answer in the same words as the page: {"code", "en", "zh"}."""
    return Response(failed(code, **values).as_dict(), status=http_status)


def refusal(exc: ActionRefused) -> Response:
    """A refused refine / discard: 404 without an enrollment, 422 when too few unread sentences, else 409."""
    http_status = {"no_enrollment": status.HTTP_404_NOT_FOUND, "not_enough_text": 422}.get(exc.code,
                                                                                          status.HTTP_409_CONFLICT)
    return Response(exc.as_dict(), status=http_status)


def status_payload(user) -> dict:
    data = selectors.enrollment_status(user)
    return {
        "consent": ConsentRecordOutput(data["consent"]).data if data["consent"] else None,
        "enrollment": EnrollmentOutput(data["enrollment"]).data if data["enrollment"] else None,
        "progress": reading_goal(data["enrollment"]).as_dict(),
        "challenge": ChallengeOutput(data["challenge"]).data if data["challenge"] else None,
        "blocked": data["blocked"],
        "attempts": AttemptOutput(selectors.attempts_recent(user, 10), many=True).data,
        "actions": voice_actions(user, data["enrollment"]),
    }


class ConsentAPI(APIView):
    """GET: the consent terms to show (?language=zh|en) and the user's current consent. POST: accept them."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        terms = consent_terms(request.query_params.get("language"))
        consent = selectors.consent_current(request.user)
        return Response({"version": terms.version, "language": terms.language, "text": terms.text,
                         "sha256": terms.sha256, "consent": ConsentRecordOutput(consent).data if consent else None})

    def post(self, request):
        data = ConsentInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = consent_accept(user=request.user, language=data.validated_data["language"],
                                ip_address=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
        return Response({"consent": ConsentRecordOutput(record).data,
                         "enrollment": EnrollmentOutput(selectors.enrollment_current(request.user)).data},
                        status=status.HTTP_201_CREATED)


class ChallengeCreateAPI(APIView):
    """POST: draw a new challenge from the author's own published articles (earlier open ones are closed).

    409 without an enrollment open for reading (consent first); 422 with {"code": "not_enough_text", "en", "zh"}
    when the author's published articles have too few readable sentences."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        enrollment = selectors.enrollment_current(request.user)
        if enrollment is None or enrollment.state not in ACTIVE_STATES:
            return problem("consent_required", status.HTTP_409_CONFLICT)
        try:
            challenge = challenge_create(enrollment=enrollment)
        except NotEnoughText as exc:
            return Response({"code": "not_enough_text", "en": exc.en, "zh": exc.zh, "found": exc.found,
                             "needed": exc.needed}, status=422)
        except ChallengeClosed as exc:
            return problem(exc.code, status.HTTP_409_CONFLICT, state=enrollment.get_state_display())
        challenge = Challenge.objects.prefetch_related("sentences__attempts").get(pk=challenge.pk)
        return Response(ChallengeOutput(challenge).data, status=status.HTTP_201_CREATED)


class ChallengeCurrentAPI(APIView):
    """GET: the user's open challenge, or 404."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        challenge = selectors.challenge_open(selectors.enrollment_current(request.user))
        if challenge is None:
            return problem("challenge_missing", status.HTTP_404_NOT_FOUND)
        return Response(ChallengeOutput(challenge).data)


class ChallengeDetailAPI(APIView):
    """GET: one of the user's challenges, with each sentence's state (texts only of sentences shown)."""

    permission_classes = [IsAuthenticated]

    def get(self, request, challenge_id):
        challenge = get_object_or_404(Challenge.objects.prefetch_related("sentences__attempts"),
                                      pk=challenge_id, user=request.user)
        return Response(ChallengeOutput(challenge).data)


class SentenceShowAPI(APIView):
    """POST: reveal sentence `index` of a challenge; the server records when. Answers its text and `shown_token`.

    409 with a reason code when the challenge expired or was closed, or the sentence was already accepted."""

    permission_classes = [IsAuthenticated]

    def post(self, request, challenge_id, index):
        sentence = get_object_or_404(ChallengeSentence.objects.select_related("challenge"),
                                     challenge_id=challenge_id, challenge__user=request.user, index=index)
        try:
            sentence, token = sentence_show(sentence=sentence)
        except ChallengeClosed as exc:
            return problem(exc.code, status.HTTP_409_CONFLICT)
        return Response(ShownSentenceOutput({"sentence": sentence, "token": token}).data)


class ReadingUploadAPI(APIView):
    """POST (multipart/form-data): `audio` (a WAV file), `challenge` (id), `index`, `shown_token`.

    201 with the attempt (decision, transcript, reasons in English and Chinese, scores), the enrollment and the
    progress, for an examined reading, accepted or rejected. 429 when rate-limited or locked out, 404 for an
    unknown challenge sentence (both are recorded as refused attempts)."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        data = ReadingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        sentence = ChallengeSentence.objects.filter(challenge_id=values["challenge"], index=values["index"],
                                                    challenge__user=request.user).only("pk").first()
        attempt = reading_submit(user=request.user, sentence_id=sentence.pk if sentence else 0,
                                 audio=values["audio"].read(), shown_token=values["shown_token"],
                                 ip_address=client_ip(request))
        http_status = status.HTTP_201_CREATED
        if attempt.decision == ReadingAttempt.Decision.REFUSED:
            code = attempt.reasons[0]["code"] if attempt.reasons else ""
            http_status = status.HTTP_404_NOT_FOUND if code == "challenge_missing" else 429
        enrollment = selectors.enrollment_current(request.user)
        return Response({"attempt": AttemptOutput(attempt).data,
                         "enrollment": EnrollmentOutput(enrollment).data if enrollment else None,
                         "progress": reading_goal(enrollment).as_dict()}, status=http_status)


class StatusAPI(APIView):
    """GET: consent, enrollment state, progress towards verification, lockout, open challenge, recent attempts."""

    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response(status_payload(request.user))


class RevokeAPI(APIView):
    """POST: withdraw consent; the enrollment is revoked, its recordings and any voice made from them deleted."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        enrollment = selectors.enrollment_current(request.user)
        if enrollment is None:
            return problem("no_enrollment", status.HTTP_404_NOT_FOUND)
        if enrollment.state not in ACTIVE_STATES:
            return problem("enrollment_closed", status.HTTP_409_CONFLICT, state=enrollment.get_state_display())
        voice_revoke(user=request.user)  # the voice made from it goes too
        return Response(status_payload(request.user))


class RefineAPI(APIView):
    """POST: record more. The ready or applied enrollment goes back to `reading` with a new challenge of sentences
    never read before; the applied voice keeps reading until the new version is applied. 201 with the status (the
    new challenge in it). 404 `no_enrollment`; 409 `refine_unavailable` (not ready yet), `voice_suspended`,
    `consent_required`; 422 `not_enough_text` (too few unread sentences)."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        try:
            enrollment_refine(user=request.user)
        except ActionRefused as exc:
            return refusal(exc)
        return Response(status_payload(request.user), status=status.HTTP_201_CREATED)


class DiscardAPI(APIView):
    """POST: discard the ready voice (never applied). Without an applied voice the author starts over: the voice's
    artifact and the recordings' audio are deleted and a new enrollment starts reading (`started_over`: true). When
    the discarded voice was a new version and another one is applied, that one stays (`started_over`: false).
    200 with the status, `discarded_voice_ids` and `started_over`. 404 `no_enrollment`; 409 `discard_applied`
    (an applied voice is not discarded: refine or revoke), `discard_unavailable`, `voice_suspended`."""

    permission_classes = [IsAuthenticated]

    def post(self, request):
        try:
            result = voice_discard(user=request.user)
        except ActionRefused as exc:
            return refusal(exc)
        return Response({**status_payload(request.user), "discarded_voice_ids": result.voice_ids,
                         "started_over": result.started_over})

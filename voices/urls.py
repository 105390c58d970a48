from django.urls import path

from . import api, views, voice_views

app_name = "voices"
urlpatterns = [
    path("", views.status_view, name="status"),
    path("consent/", views.consent_view, name="consent"),
    path("read/", views.read_view, name="read"),
    path("revoke/", views.revoke_view, name="revoke"),
    path("refine/", views.refine_view, name="refine"),
    path("discard/", views.discard_view, name="discard"),
    path("voice/<int:voice_id>/apply/", voice_views.voice_apply_view, name="voice-apply"),
    path("voice/<int:voice_id>/sample/<str:kind>.wav", voice_views.voice_sample, name="voice-sample"),
    # API (docs/voices-api.md)
    path("api/consent/", api.ConsentAPI.as_view(), name="api-consent"),
    path("api/challenges/", api.ChallengeCreateAPI.as_view(), name="api-challenges"),
    path("api/challenges/current/", api.ChallengeCurrentAPI.as_view(), name="api-challenge-current"),
    path("api/challenges/<uuid:challenge_id>/", api.ChallengeDetailAPI.as_view(), name="api-challenge"),
    path("api/challenges/<uuid:challenge_id>/sentences/<int:index>/show/", api.SentenceShowAPI.as_view(),
         name="api-sentence-show"),
    path("api/readings/", api.ReadingUploadAPI.as_view(), name="api-readings"),
    path("api/status/", api.StatusAPI.as_view(), name="api-status"),
    path("api/enrollment/revoke/", api.RevokeAPI.as_view(), name="api-revoke"),
    path("api/enrollment/refine/", api.RefineAPI.as_view(), name="api-refine"),
    path("api/enrollment/discard/", api.DiscardAPI.as_view(), name="api-discard"),
]

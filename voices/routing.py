from django.urls import path

from .consumers import VoiceProgressConsumer

websocket_urlpatterns = [
    path("ws/voices/progress/", VoiceProgressConsumer.as_asgi()),
]

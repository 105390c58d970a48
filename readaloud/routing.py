from django.urls import path

from .consumers import ArticleAudioConsumer

websocket_urlpatterns = [
    path("ws/readaloud/articles/<str:article_id>/", ArticleAudioConsumer.as_asgi()),
]

from django.urls import path

from . import api, feeds, views

app_name = "readaloud"
urlpatterns = [
    path("articles/<str:article_id>/audio.mp3", views.article_audio, name="audio"),
    path("api/articles/<str:article_id>/rendition/", api.RenditionStatusView.as_view(), name="api-rendition"),
    path("api/authors/me/rerender/", api.AuthorRerenderView.as_view(), name="api-author-rerender"),
    path("authors/<int:author_id>/podcast.xml", feeds.AuthorPodcastFeed(), name="podcast"),
]

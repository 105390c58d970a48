from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="list"),
    path("articles/<int:pk>/", views.article_detail, name="detail"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/new/", views.article_create, name="create"),
    path("dashboard/<int:pk>/edit/", views.article_edit, name="edit"),
    path("dashboard/<int:pk>/publish/", views.article_publish, name="publish"),
    path("dashboard/<int:pk>/unpublish/", views.article_unpublish_view, name="unpublish"),
]

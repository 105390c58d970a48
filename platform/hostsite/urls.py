from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ops.views import healthz

admin.site.site_header = "书声 Shusheng 管理 Admin"
admin.site.site_title = "书声 Shusheng"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        # The demo credentials hint shows only on a development server (DEBUG), never in production.
        auth_views.LoginView.as_view(extra_context={"demo_hint": settings.DEBUG}),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("voices/", include("voices.urls")),
    path("readaloud/", include("readaloud.urls")),
    path("", include("articles.urls")),
]

from django.contrib import admin, messages

from .models import Article
from .services import article_save, article_unpublish


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "author", "language", "status", "published_at", "updated_at"]
    list_filter = ["status", "language", "published_at", "author"]
    search_fields = ["title", "body", "author__username", "author__first_name", "author__last_name"]
    date_hierarchy = "published_at"
    list_select_related = ["author"]
    raw_id_fields = ["author"]
    # Status changes go through the services (actions below), so the publish event always fires.
    readonly_fields = ["status", "published_at", "created_at", "updated_at"]
    fields = ["title", "slug", "author", "language", "body", "status", "published_at", "created_at", "updated_at"]
    actions = ["publish_selected", "unpublish_selected"]

    def save_model(self, request, obj, form, change):
        article_save(article=obj)  # an edit of a published article re-announces it

    @admin.action(description="发布所选文章 Publish selected articles")
    def publish_selected(self, request, queryset):
        drafts = [a for a in queryset if not a.is_published]
        for article in drafts:
            article_save(article=article, publish=True)
        self.message_user(request, f"已发布 Published: {len(drafts)}", messages.SUCCESS)

    @admin.action(description="撤回为草稿 Unpublish selected articles")
    def unpublish_selected(self, request, queryset):
        published = [a for a in queryset if a.is_published]
        for article in published:
            article_unpublish(article=article)
        self.message_user(request, f"已撤回 Unpublished: {len(published)}", messages.SUCCESS)

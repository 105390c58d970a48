import math
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED)

    def visible_to(self, user):
        """Published articles for everyone; drafts only for their author."""
        if user is not None and user.is_authenticated:
            return self.filter(Q(status=Article.Status.PUBLISHED) | Q(author_id=user.pk))
        return self.published()


class Article(models.Model):
    class Language(models.TextChoices):
        ZH = "zh", "中文 Chinese"
        EN = "en", "English"
        MIXED = "mixed", "中英混合 Mixed"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿 Draft"
        PUBLISHED = "published", "已发布 Published"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="articles")
    title = models.CharField("标题 Title", max_length=200)
    slug = models.SlugField(max_length=80, blank=True)
    body = models.TextField("正文 Body", help_text="Markdown")
    language = models.CharField("语言 Language", max_length=8, choices=Language.choices, default=Language.ZH)
    status = models.CharField("状态 Status", max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间 Published", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [models.Index(fields=["author", "status", "-published_at"])]
        constraints = [
            # An optional stable key per author (seed_demo uses it to stay idempotent); empty slugs are free.
            models.UniqueConstraint(
                fields=["author", "slug"], condition=~Q(slug=""), name="articles_unique_author_slug"
            ),
        ]
        verbose_name = "文章 Article"
        verbose_name_plural = "文章 Articles"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:detail", args=[self.pk])

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    @property
    def author_name(self):
        return self.author.get_full_name() or self.author.get_username()

    @property
    def html_lang(self):
        """The BCP 47 tag for the article's `lang` attribute (fonts, hyphenation, screen readers)."""
        return "en" if self.language == self.Language.EN else "zh-Hans"

    def reading_minutes(self):
        """A rough reading time: ~300 Chinese characters or ~200 English words a minute."""
        cjk = len(_CJK.findall(self.body))
        words = len(_LATIN_WORD.findall(_CJK.sub(" ", self.body)))
        return max(1, math.ceil(cjk / 300 + words / 200))

"""Demo users and articles, so that a fresh install shows a working site at once. Safe to run again."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles import demo_content
from articles.models import Article
from articles.services import article_save


class Command(BaseCommand):
    help = "Create the demo author (demo / demo-pass-123), an admin (admin / admin-pass-123) and demo articles."

    def handle(self, *args, **options):
        author = self._user(**demo_content.DEMO_AUTHOR)
        self._user(**demo_content.DEMO_ADMIN, is_staff=True, is_superuser=True)

        now = timezone.now()
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for slug, title, language, body, days_ago in demo_content.ARTICLES:
            publish = days_ago is not None
            published_at = now - datetime.timedelta(days=days_ago) if publish else None
            outcome = self._article(author, slug, title, language, body, publish, published_at)
            counts[outcome] += 1
            state = "published" if publish else "draft"
            self.stdout.write(f"  {outcome:<9} {state:<9} {title}")

        self.stdout.write(self.style.SUCCESS(
            f"Demo content ready: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged. Log in as demo / {demo_content.DEMO_AUTHOR['password']} "
            f"(author 林晓 Lin Xiao) or admin / {demo_content.DEMO_ADMIN['password']}."
        ))

    def _user(self, *, username, password, is_staff=False, is_superuser=False, **fields):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults=fields)
        changed = created
        for name, value in {**fields, "is_staff": is_staff, "is_superuser": is_superuser}.items():
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        if not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        role = "admin" if is_superuser else "author"
        self.stdout.write(f"{'created' if created else 'updated' if changed else 'exists':<9} {role:<7} {username}")
        return user

    @transaction.atomic
    def _article(self, author, slug, title, language, body, publish, published_at):
        article = Article.objects.filter(author=author, slug=slug).first()
        if article is None:
            article = Article(author=author, slug=slug, title=title, language=language, body=body,
                              published_at=published_at)
            article_save(article=article, publish=publish)  # publishing sends `article_published`
            return "created"
        needs_publish = publish and not article.is_published  # a demo draft someone published stays published
        if (article.title, article.language, article.body) == (title, language, body) and not needs_publish:
            return "unchanged"
        article.title, article.language, article.body = title, language, body
        article_save(article=article, publish=publish)
        return "updated"

"""The host's pages. Thin: reads go through the model's queryset, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from .forms import ArticleForm
from .models import Article
from .rendering import excerpt, markdown_to_html
from .services import article_save, article_unpublish

PUBLISH = "publish"


class ArticleListView(ListView):
    """Public home page: published articles, newest first."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 10

    def get_queryset(self):
        return Article.objects.published().select_related("author").order_by("-published_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        articles = list(context["articles"])
        for article in articles:
            article.excerpt = excerpt(article.body)
        context["articles"] = context["object_list"] = articles
        return context


def article_detail(request, pk):
    """A published article for everyone; a draft only for its author (404 for anyone else)."""
    article = get_object_or_404(Article.objects.visible_to(request.user).select_related("author"), pk=pk)
    return render(request, "articles/article_detail.html", {
        "article": article,
        "body_html": markdown_to_html(article.body),
        "is_author": article.author_id == request.user.pk,
    })


class DashboardView(LoginRequiredMixin, ListView):
    """The signed-in author's own articles, drafts included."""

    template_name = "articles/dashboard.html"
    context_object_name = "articles"
    paginate_by = 25

    def get_queryset(self):
        return Article.objects.filter(author=self.request.user).order_by("-updated_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = Article.objects.filter(author=self.request.user).aggregate(
            total=Count("pk"),
            published=Count("pk", filter=Q(status=Article.Status.PUBLISHED)),
            drafts=Count("pk", filter=Q(status=Article.Status.DRAFT)),
        )
        return context


def _saved(request, article, publish):
    if publish:
        messages.success(request, f"已发布《{article.title}》 Published.")
        return redirect(article)
    if article.is_published:
        messages.success(request, f"已更新《{article.title}》 Updated.")
        return redirect(article)
    messages.success(request, f"草稿已保存 Draft saved: {article.title}")
    return redirect("articles:edit", pk=article.pk)


@login_required
def article_create(request):
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        article = form.save(commit=False)
        article.author = request.user
        publish = request.POST.get("action") == PUBLISH
        article_save(article=article, publish=publish)
        return _saved(request, article, publish)
    return render(request, "articles/article_form.html", {"form": form, "article": None})


@login_required
def article_edit(request, pk):
    article = get_object_or_404(Article, pk=pk, author=request.user)
    form = ArticleForm(request.POST or None, instance=article)
    if request.method == "POST" and form.is_valid():
        publish = request.POST.get("action") == PUBLISH
        article_save(article=form.save(commit=False), publish=publish)
        return _saved(request, article, publish)
    return render(request, "articles/article_form.html", {"form": form, "article": article})


@require_POST
@login_required
def article_publish(request, pk):
    article = get_object_or_404(Article, pk=pk, author=request.user)
    if article.is_published:
        messages.info(request, "这篇文章已经发布 Already published.")
    else:
        article_save(article=article, publish=True)
        messages.success(request, f"已发布《{article.title}》 Published.")
    return redirect(article)


@require_POST
@login_required
def article_unpublish_view(request, pk):
    article = get_object_or_404(Article, pk=pk, author=request.user)
    article_unpublish(article=article)
    messages.success(request, f"已撤回为草稿《{article.title}》 Moved back to drafts.")
    return redirect("articles:dashboard")

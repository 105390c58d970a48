"""Render throughput: a ~3000-character Chinese article with English mixed in, and an English one, on this machine.

Measures the same service the worker runs (plan + build: text pipeline, synthesis, watermark, loudness, MP3), then
the re-render after editing one paragraph (the clip cache at work). RTF = render time / audio duration.
Baseline, in the same run: the first article rendered again from an empty clip cache, one sentence at a time
(READALOUD["RENDER_THREADS"] = 1), as renders were before sentences were synthesized in parallel.

    python bench/render.py [--json] [--chars 3000] [--no-baseline]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "platform")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings_test")


def setup_django():
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def article_text(parts: list[str], chars: int) -> str:
    """Distinct paragraphs until about `chars` characters (never repeated: a repeat would hit the clip cache)."""
    text = ""
    for paragraph in (p for part in parts for p in part.split("\n\n") if p.strip()):
        if len(text) >= chars:
            break
        text += paragraph + "\n\n"
    return text


def render_once(article_id):
    from readaloud.services.planning import rendition_plan
    from readaloud.services.rendering import rendition_build

    started = time.perf_counter()
    rendition = rendition_plan(article_id)
    rendition = rendition_build(rendition.pk)
    return rendition, time.perf_counter() - started


def bench_baseline(first_row, article_title):
    """The first article again, clip cache emptied, one sentence at a time."""
    from django.test import override_settings

    from articles.models import Article
    from readaloud.models import Rendition, SentenceClip
    from readaloud.storage import audio_storage

    storage = audio_storage()
    for name in SentenceClip.objects.values_list("audio_name", flat=True):
        storage.delete(name)
    SentenceClip.objects.all().delete()
    article = Article.objects.get(title=article_title)
    Rendition.objects.filter(article_id=str(article.pk)).delete()
    with override_settings(READALOUD={**settings_readaloud(), "RENDER_THREADS": 1}):
        rendition, seconds = render_once(article.pk)
    rtf = seconds / rendition.duration_seconds
    return {**first_row, "article": first_row["article"] + " (baseline: 1 thread)", "render_s": round(seconds, 2),
            "rtf": round(rtf, 3), "chars_per_s": round(first_row["chars"] / seconds, 1),
            "speedup": round(rtf / first_row["rtf"], 2)}


def settings_readaloud():
    from django.conf import settings

    return dict(getattr(settings, "READALOUD", {}))


def bench_article(author, title, body, language):
    from articles.models import Article
    from articles.services import article_save
    from readaloud.models import SentenceClip

    article = article_save(article=Article(author=author, title=title, body=body, language=language), publish=True)
    chars = len(body)
    clips_before = SentenceClip.objects.count()
    rendition, seconds = render_once(article.pk)
    first = {"article": title, "language": language, "chars": chars, "sentences": len(rendition.sentences),
             "audio_s": rendition.duration_seconds, "render_s": round(seconds, 2),
             "rtf": round(seconds / rendition.duration_seconds, 3), "chars_per_s": round(chars / seconds, 1),
             "new_clips": SentenceClip.objects.count() - clips_before}
    paragraphs = body.split("\n\n")
    paragraphs[1] = paragraphs[1] + (" One more sentence was added." if language == "en" else "这里新加了一句话。")
    article.body = "\n\n".join(paragraphs)
    article_save(article=article)
    clips_before = SentenceClip.objects.count()
    rendition, seconds = render_once(article.pk)
    edit = {**first, "article": title + " (one paragraph edited)", "render_s": round(seconds, 2),
            "rtf": round(seconds / rendition.duration_seconds, 3), "chars_per_s": round(chars / seconds, 1),
            "audio_s": rendition.duration_seconds, "sentences": len(rendition.sentences),
            "new_clips": SentenceClip.objects.count() - clips_before}
    return [first, edit]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--chars", type=int, default=3000)
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-thread baseline render")
    args = parser.parse_args()
    setup_django()
    from django.contrib.auth import get_user_model

    from articles import demo_content

    # A worker loads its models once and keeps them: load them before the clock starts (and not in the first row).
    from voices.synthesis import synthesize_text

    synthesize_text("模型预热。", language="zh")
    synthesize_text("Warming up.", language="en")
    author = get_user_model().objects.create_user("bench-author", password="bench-pass-123")
    rows = []
    rows += bench_article(author, f"中文混合英文 ~{args.chars} 字",
                          article_text([demo_content.BUILDING_READALOUD_MIXED, demo_content.TEA_ZH,
                                        demo_content.READING_ALOUD_ZH, demo_content.CITY_MORNING_ZH], args.chars),
                          "mixed")
    rows += bench_article(author, f"English ~{args.chars} chars",
                          article_text([demo_content.OPEN_SOURCE_EN, demo_content.READING_TO_STRANGERS_EN],
                                       args.chars), "en")
    if not args.no_baseline:
        rows.append(bench_baseline(rows[0], f"中文混合英文 ~{args.chars} 字"))
    if args.json:
        print(json.dumps({"cores": os.cpu_count(), "rows": rows, "target_rtf": 0.25}, ensure_ascii=False))
        return
    columns = ["article", "chars", "sentences", "audio_s", "render_s", "rtf", "chars_per_s", "new_clips", "speedup"]
    print(f"render throughput on {os.cpu_count()} cores (target RTF <= 0.25)")
    print(" | ".join(f"{c:>12}" for c in columns))
    for row in rows:
        print(" | ".join(f"{str(row.get(c, ''))[:28]:>12}" for c in columns))


if __name__ == "__main__":
    main()

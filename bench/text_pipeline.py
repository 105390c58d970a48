"""Text pipeline throughput: prepare_article on generated articles (no Django, no models).

    .venv/bin/python bench/text_pipeline.py            # table
    .venv/bin/python bench/text_pipeline.py --json     # one JSON object
    .venv/bin/python bench/text_pipeline.py --repeat 5 --sizes 3000 100000

Articles are generated (deterministic, seeded): Chinese paragraphs with English words, numbers, dates,
percentages, money, times, phone numbers, inline pinyin annotations, the odd traditional character and URL, every
third paragraph in English, plus headings, a list, a quote and a code block. The first call in a process pays
one-off costs (imports of cn2an/OpenCC, building the symbol table); it is timed apart as "cold". "chars" counts
the characters of the extracted article text (what is read), not of the HTML.
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from readaloud.text import prepare_article  # noqa: E402

ZH_SENTENCES = [
    "{year}年{month}月{day}日，我们发布了readaloud {major}.{minor}.{patch}版本。",
    "新版本的合成速度提升了{pct}%，内存占用降低到{mb}MB。",
    "用户可以拨打400-{a}-{b}咨询，营业时间{h}:30-22:00。",
    "本次更新共修复了{n:,}个问题，其中{small}个来自社区贡献者。",
    "在重庆[chóng qìng]的测试中，温度高达{t}℃，设备依然稳定运行。",
    "我们用Python和Django重写了后端，接口延迟从{ms}ms降到了{ms2}ms。",
    "詳細說明請見 https://example.com/docs/{n} 的文檔。",
    "门票价格为¥{price}，学生半价；团体票另有{disc}折优惠。",
    "银行[háng]的工作人员说，这个功能很好用，大家都很喜欢。",
    "第{ch}章介绍了系统架构，第{ch2}章讨论了性能优化与未来的计划。",
]
EN_SENTENCES = [
    "In {year}, the U.S. team grew by {pct}% and shipped {n:,} features.",
    "Mr. Smith paid ${price}.99 for the license on March {day}th.",
    "The meeting starts at {h}:30 am, e.g. right after the stand-up.",
    "Our latency dropped from {ms}ms to {ms2}ms after the rewrite!",
    "Is it worth it? We think so, and the numbers agree.",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        year=rng.randint(1990, 2030), month=rng.randint(1, 12), day=rng.randint(1, 28), major=rng.randint(1, 9),
        minor=rng.randint(0, 20), patch=rng.randint(0, 9), pct=round(rng.uniform(0.5, 99), 1),
        mb=rng.randint(50, 900), a=rng.randint(100, 999), b=rng.randint(1000, 9999), h=rng.randint(8, 11),
        n=rng.randint(1000, 9_999_999), small=rng.randint(2, 99), t=rng.randint(20, 45), ms=rng.randint(100, 900),
        ms2=rng.randint(10, 99), price=rng.randint(10, 999), disc=rng.randint(5, 9), ch=rng.randint(1, 9),
        ch2=rng.randint(10, 20),
    )


def make_article(target_chars: int, seed: int = 7) -> str:
    """HTML of a mixed Chinese/English article whose paragraphs hold about `target_chars` characters."""
    rng = random.Random(seed)
    parts = ["<h1>readaloud 发布说明</h1>"]
    total = 0
    paragraph = 0
    while total < target_chars:
        paragraph += 1
        if paragraph % 7 == 0:
            parts.append(f"<h2>第{paragraph // 7}部分</h2>")
        pool = EN_SENTENCES if paragraph % 3 == 0 else ZH_SENTENCES
        text = "".join(_fill(rng.choice(pool), rng) + ("" if pool is ZH_SENTENCES else " ")
                       for _ in range(rng.randint(3, 6))).strip()
        if paragraph % 11 == 0:
            parts.append(f"<blockquote><p>{text}</p></blockquote>")
        elif paragraph % 13 == 0:
            parts.append("<ul>" + "".join(f"<li>{s}</li>" for s in text.split("。") if s) + "</ul>")
        else:
            parts.append(f"<p>{text}</p>")
        if paragraph % 17 == 0:
            parts.append("<pre><code>def main():\n    return prepare_article(html, 'zh')</code></pre>")
        total += len(text)
    return "\n".join(parts)


def measure(html: str, repeat: int) -> dict:
    times = []
    article = None
    for _ in range(repeat):
        started = time.perf_counter()
        article = prepare_article(html, "zh")
        times.append(time.perf_counter() - started)
    chars = sum(len(b.text) for b in article.blocks)
    best, median = min(times), statistics.median(times)
    return {
        "html_chars": len(html),
        "chars": chars,
        "blocks": len(article.blocks),
        "sentences": len(article.sentences),
        "zh_sentences": sum(s.language == "zh" for s in article.sentences),
        "en_sentences": sum(s.language == "en" for s in article.sentences),
        "warnings": len(article.warnings),
        "best_s": round(best, 4),
        "median_s": round(median, 4),
        "chars_per_s": round(chars / median) if median else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 100_000], help="target characters")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)

    cold_html = make_article(3000, seed=1)
    started = time.perf_counter()
    prepare_article(cold_html, "zh")
    cold = time.perf_counter() - started

    rows = []
    for size in args.sizes:
        row = measure(make_article(size), max(1, args.repeat))
        rows.append({"target_chars": size, **row})

    if args.json:
        print(json.dumps({"python": sys.version.split()[0], "cold_first_call_s": round(cold, 4), "runs": rows},
                         ensure_ascii=False))
        return 0
    print(f"cold first call (imports, tables): {cold:.3f} s   python {sys.version.split()[0]}")
    header = ("target", "chars", "blocks", "sentences", "zh/en", "warn", "best s", "median s", "chars/s")
    print("  ".join(f"{h:>10}" for h in header))
    for r in rows:
        cells = (r["target_chars"], r["chars"], r["blocks"], r["sentences"], f"{r['zh_sentences']}/{r['en_sentences']}",
                 r["warnings"], f"{r['best_s']:.4f}", f"{r['median_s']:.4f}", f"{r['chars_per_s']:,}")
        print("  ".join(f"{c:>10}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())

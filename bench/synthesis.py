"""Synthesis speed: real-time factor and characters per second, Chinese and English, stock voices, with and without
the watermark.

    .venv/bin/python bench/synthesis.py                       # zf_xiaoxiao (zh) and af_heart (en)
    .venv/bin/python bench/synthesis.py --voices zm_yunxi bf_emma --threads 2 --repeat 2
    .venv/bin/python bench/synthesis.py --all-voices --json

Per text: load (first call, model + G2P), first_s (time to the first sentence: what a listener waits for when
streaming), synth_s / RTF / chars_s (the engine alone, best of --repeat), wm_s (PerTh embedding of the whole
clip) and rtf_wm / chars_s_wm (what voices.synthesis.synthesize_text costs). RTF = wall time / audio time;
cpu_rtf = CPU seconds of this process (all threads) / audio time, which reads the same on a busy machine.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")

TEXTS = {
    "zh": (
        "春天来了，城市边上的小公园又热闹起来。早上七点，几位老人已经在湖边打太极拳，动作缓慢而平稳。"
        "不远处，年轻的父母推着婴儿车散步，孩子们追着风筝跑来跑去。公园管理处今年新种了两百多棵樱花树，"
        "花开的时候，整条小路都变成了粉色。很多人专门从城市另一头赶过来拍照，周末的人流比平时多了一倍。"
        "为了保护草坪，管理处在入口处放了提示牌，请游客沿着步道行走，不要随意踩踏。附近的咖啡店也推出了"
        "樱花口味的饮品，生意格外好。店主说，他希望这样的好天气能多持续几个星期，让更多的人走出家门，"
        "感受春天的气息。傍晚时分，夕阳照在湖面上，微风吹过，花瓣一片一片落下来，景色非常美丽。"
    ),
    "en": (
        "Spring has arrived, and the small park at the edge of the city is busy again. By seven in the morning, "
        "a few older residents are already practising tai chi by the lake, moving slowly and steadily. Nearby, "
        "young parents push strollers along the paths while children chase kites across the grass. This year "
        "the park planted over two hundred cherry trees."
    ),
}
DEFAULT_VOICES = {"zh": ["zf_xiaoxiao"], "en": ["af_heart"]}


def bench(engine, watermark, language, voice, repeat):
    from voices.g2p import split_sentences

    text = TEXTS[language]
    sentences = split_sentences(text)
    started = time.perf_counter()
    first = next(iter(engine.synthesize_sentences(sentences, voice, language)))
    first_s = time.perf_counter() - started
    synth_s, cpu_s, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = engine.synthesize(text, voice, language)
        synth_s = min(synth_s, time.perf_counter() - started)
        cpu_s = min(cpu_s, time.process_time() - cpu)
    started = time.perf_counter()
    watermark.embed(result.audio, result.sample_rate)
    wm_s = time.perf_counter() - started
    audio_s = result.duration
    chars = sum(1 for c in text if not c.isspace())
    return {
        "language": language, "voice": voice, "chars": chars, "sentences": len(sentences),
        "audio_s": round(audio_s, 2), "first_s": round(first_s, 2), "first_audio_s": round(first.duration, 2),
        "synth_s": round(synth_s, 2), "rtf": round(synth_s / audio_s, 3), "cpu_rtf": round(cpu_s / audio_s, 3),
        "chars_s": round(chars / synth_s, 1),
        "wm_s": round(wm_s, 2), "rtf_wm": round((synth_s + wm_s) / audio_s, 3),
        "chars_s_wm": round(chars / (synth_s + wm_s), 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", nargs="*", help="stock voices (zf_/zm_ read the Chinese text, a*/b* the English)")
    parser.add_argument("--all-voices", action="store_true", help="every Mandarin and English stock voice")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="synthesize each text N times, keep the best")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    import django

    django.setup()
    import torch

    from voices.backends.watermark.perth_watermark import PerthWatermark
    from voices.engines.kokoro import KokoroEngine

    torch.set_num_threads(args.threads)
    engine = KokoroEngine(intra_op_num_threads=args.threads)
    watermark = PerthWatermark()
    started = time.perf_counter()
    engine.load()
    engine.synthesize("你好。", "zf_xiaoxiao", "zh")  # model, jieba and misaki
    engine.synthesize("Hello.", "af_heart", "en")  # espeak-ng
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    watermark.load()
    wm_load_s = time.perf_counter() - started

    if args.all_voices:
        voices = [v.name for v in engine.stock_voices()]
    else:
        voices = args.voices or DEFAULT_VOICES["zh"] + DEFAULT_VOICES["en"]
    rows = []
    for voice in voices:
        language = "zh" if voice.startswith("z") else "en"
        rows.append(bench(engine, watermark, language, voice, args.repeat))

    summary = {"engine": engine.engine_version, "threads": args.threads, "load_s": round(load_s, 2),
               "watermark_load_s": round(wm_load_s, 2), "cpus": os.cpu_count(), "rows": rows}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    print(f"{summary['engine']}  threads={args.threads}  cpus={os.cpu_count()}  "
          f"engine load {load_s:.2f} s  watermark load {wm_load_s:.2f} s")
    columns = ["language", "voice", "chars", "audio_s", "first_s", "synth_s", "rtf", "cpu_rtf", "chars_s", "wm_s",
               "rtf_wm", "chars_s_wm"]
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row[c]).rjust(w) for c, w in zip(columns, widths, strict=True)))


if __name__ == "__main__":
    main()

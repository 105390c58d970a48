"""The words a reader sees about each check of a reading, in Chinese and English.

A `Check` is one finding of the verification: passed (ok=True), failed (ok=False: the reading is rejected) or
skipped (ok=None, with the reason it could not run). Its messages are built here from a code and the measured values,
so that the page, the API and the command line all say the same thing.
"""

from dataclasses import dataclass, field

MESSAGES = {
    # format
    "format": ("We could not use this recording: {error}.", "无法使用这段录音：{error}。"),
    "sample_rate": ("The recording's sample rate ({rate} Hz) is outside {low}-{high} Hz.",
                    "录音的采样率（{rate} Hz）不在 {low}-{high} Hz 范围内。"),
    "channels": ("The recording has {channels} channels; at most {limit} are accepted.",
                 "录音有 {channels} 个声道，最多接受 {limit} 个。"),
    "too_short": ("The recording is too short ({seconds:.1f} s). Read the whole sentence.",
                  "录音太短（{seconds:.1f} 秒）。请把整句读完。"),
    # sound
    "no_speech": ("We heard no speech. Check that the right microphone is selected and speak closer to it.",
                  "没有听到说话声。请确认选对了麦克风，并靠近一些说话。"),
    "too_little_speech": ("There is too little speech ({speech:.1f} s). Read the whole sentence aloud.",
                          "说话声太少（{speech:.1f} 秒）。请把整句话读出来。"),
    "mostly_silence": ("Most of the recording is silence ({ratio:.0%} speech). Start reading soon after you press "
                       "record.", "录音大部分是静音（只有 {ratio:.0%} 是说话声）。按下录音后请尽快开始朗读。"),
    "too_quiet": ("Your voice is very quiet ({level:.0f} dBFS). Move closer to the microphone or raise its volume.",
                  "声音太小（{level:.0f} dBFS）。请靠近麦克风，或调高麦克风音量。"),
    "clipped": ("The recording is distorted ({ratio:.2%} of samples at full scale). Move back a little or lower the "
                "microphone volume.", "录音失真（{ratio:.2%} 的采样达到满幅）。请离麦克风远一点，或调低音量。"),
    "noisy": ("There is a lot of background noise (speech only {snr:.0f} dB above it). Find a quieter place.",
              "背景噪音太大（说话声只比噪音高 {snr:.0f} dB）。请换一个安静的地方。"),
    "too_fast": ("That was too quick for this sentence ({rate:.1f} {unit}/s). Read it at a natural pace.",
                 "这句读得太快了（每秒 {rate:.1f} 个{unit_zh}）。请用自然的语速朗读。"),
    "too_slow": ("That was very slow for this sentence ({rate:.1f} {unit}/s). Read it at a natural pace, in one go.",
                 "这句读得太慢了（每秒 {rate:.1f} 个{unit_zh}）。请用自然的语速一口气读完。"),
    # words
    "text_mismatch": ("We heard “{heard}”, which differs from the sentence in {errors} of {units} {unit}. Read the "
                      "sentence exactly as shown.",
                      "我们听到的是“{heard}”，与句子有 {errors}/{units} 处不同。请照着屏幕上的句子读。"),
    "text_match": ("We heard “{heard}”.", "我们听到的是“{heard}”。"),
    "forced_low": ("The recording does not sound like this sentence (score {score:.2f}).",
                   "录音听起来不像这句话（得分 {score:.2f}）。"),
    "forced_distractor": ("The recording sounds more like another sentence than the one shown.",
                          "录音听起来更像另一句话，而不是屏幕上的这一句。"),
    "forced_words_differ": ("Some words you read differ from the sentence shown. Read it word for word.",
                            "有些字词和屏幕上的句子不一样。请逐字照读。"),
    "no_distractors": ("No other sentences to compare with: the distractor check was skipped.",
                       "没有可对比的其他句子：已跳过干扰句检查。"),
    # liveness
    "no_challenge": ("Liveness checks skipped: the sentence was not shown by the site (no challenge, no timing).",
                     "未做现场朗读检查：句子不是由网站出示的（没有挑战和时间记录）。"),
    "challenge_missing": ("This sentence is not part of an open reading challenge. Start a new reading session.",
                          "这句话不属于进行中的朗读任务。请重新开始朗读。"),
    "challenge_expired": ("This reading session expired. Start a new one to get fresh sentences.",
                          "这次朗读已过期。请重新开始，获取新的句子。"),
    "challenge_used": ("This sentence was already read and accepted. Go on to the next one.",
                       "这句话已经读过并通过了。请继续下一句。"),
    "challenge_not_shown": ("The sentence was not shown before this recording. Show it, then read it.",
                            "录音前句子还没有出示。请先显示句子，再朗读。"),
    "challenge_stale": ("The sentence was shown again after this recording started. Record it once more.",
                        "录音开始后句子被重新出示了。请再录一次。"),
    "timing_too_fast": ("The recording ({audio:.1f} s) is longer than the time since the sentence appeared "
                        "({elapsed:.1f} s), so it was not read live.",
                        "录音（{audio:.1f} 秒）比句子出现后经过的时间（{elapsed:.1f} 秒）还长，不是现场朗读。"),
    "timing_too_late": ("Too much time passed since the sentence appeared ({elapsed:.0f} s). Show it again and read "
                        "it right away.", "句子出现后过了太久（{elapsed:.0f} 秒）。请重新显示句子并立即朗读。"),
    "replay_exact": ("This exact recording was submitted before. Please read the sentence again.",
                     "这段录音以前已经提交过。请重新朗读这句话。"),
    "replay_near": ("This recording is almost identical to an earlier one. Please record a new reading.",
                    "这段录音和以前的一段几乎一样。请重新录一遍。"),
    # speaker
    "speaker_mismatch": ("This voice does not match your other readings (similarity {similarity:.2f}). Only you "
                         "can read your sentences.", "这段声音和你的其他朗读不一致（相似度 {similarity:.2f}）。"
                         "只能由你本人朗读。"),
    # attempts
    "rate_limited": ("Too many attempts ({count} in the last {window_en}). Please try again after {until}.",
                     "尝试次数太多（{window_zh}内 {count} 次）。请在 {until} 之后再试。"),
    "locked_out": ("Too many rejected readings in a row. Recording is paused until {until}.",
                   "连续多次未通过，朗读已暂停，{until} 后可以继续。"),
    "consent_required": ("Read and accept the voice enrollment terms first.", "请先阅读并同意声音登记条款。"),
    "no_enrollment": ("You have no voice enrollment.", "你还没有登记声音。"),
    "enrollment_closed": ("This enrollment is {state}: it takes no more readings.",
                          "这次声音登记的状态是“{state}”，不再接收朗读。"),
}

UNITS = {"zh": ("characters", "字"), "en": ("words", "词"), "mixed": ("characters", "字")}


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool | None  # True passed, False failed, None skipped
    values: dict = field(default_factory=dict)

    @property
    def en(self) -> str:
        return MESSAGES[self.code][0].format(**self.values)

    @property
    def zh(self) -> str:
        return MESSAGES[self.code][1].format(**self.values)

    def as_dict(self) -> dict:
        return {"code": self.code, "ok": self.ok, "en": self.en, "zh": self.zh}


def passed(code: str, **values) -> Check:
    return Check(code, True, values)


def failed(code: str, **values) -> Check:
    return Check(code, False, values)


def skipped(code: str, **values) -> Check:
    return Check(code, None, values)

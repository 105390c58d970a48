/* readaloud player: "listen to this article" in the author's AI voice.
 *
 * Plain modern JavaScript, no build step, no libraries. Mounted on every [data-readaloud-player] element that the
 * `{% readaloud_player %}` template tag renders.
 *
 * Transport: a WebSocket (readaloud/consumers.py documents the protocol). The server sends a JSON header (codec,
 * sentences with start/end times, voice label, status), then for each sentence a JSON {"type": "chunk", ...} followed
 * by one binary frame of MP3. The frames are appended to a MediaSource SourceBuffer in "sequence" mode, each at the
 * chunk's start time (timestampOffset), so a restart after a seek lands at the right place on the timeline. The
 * player asks for more with {"type": "next"} to keep ~20-30 s buffered ahead.
 *
 * Browsers whose MediaSource does not take MP3 as such (Firefox takes MP3 only inside MP4) get each chunk's MP3
 * frames wrapped in a fragment of MP4 (moof + mdat) here, after one initialization segment: same bytes, no decoding.
 *
 * Fallback: without MediaSource (or neither form of MP3 in it), or when the socket fails, a plain <audio src> on the
 * HTTP file (Range requests), when the status API says a finished file exists.
 */
(() => {
  "use strict";

  if (window.ReadaloudPlayer) {
    window.ReadaloudPlayer.mountAll();
    return;
  }

  const MIME = "audio/mpeg";
  const MP4_MIMES = ['audio/mp4; codecs="mp3"', 'audio/mp4; codecs="mp4a.6B"', 'audio/mp4; codecs="mp4a.69"'];
  const RECHECK_MS = 4000; // while the audio is being generated and only the file can play: ask again this often
  const SPEEDS = [0.75, 1, 1.25, 1.5, 2];
  const AHEAD_LOW = 20; // ask for more audio when less than this many seconds are buffered or on their way
  const AHEAD_TARGET = 30; // ... up to this many
  const BEHIND_KEEP = 60; // seconds kept behind the playhead; older audio is evicted from the SourceBuffer
  const SERVER_WINDOW = 4; // READALOUD["STREAM_WINDOW"]: chunks the server sends after play/seek unasked
  const HEADER_TIMEOUT_MS = 8000;
  const STALL_MS = 2500; // no chunk for this long while one is owed: ask again
  const HIGHLIGHT_NAME = "readaloud-sentence";
  const BLOCK_SELECTOR = "p,h1,h2,h3,h4,h5,h6,li,blockquote,dt,dd,th,td,caption,figcaption";
  const SKIP_TEXT_IN = "rt,rp,script,style,noscript,pre,template";
  const LETTER = /[\p{L}\p{N}]/u;

  const TEXT = {
    play: "播放 Play",
    pause: "暂停 Pause",
    connecting: "正在连接… Connecting…",
    buffering: "正在缓冲… Buffering…",
    generating: (n, total) => `正在生成音频 ${n}/${total} · Generating audio ${n}/${total}`,
    generatingWait: (n, total) =>
      `正在生成音频 ${n}/${total}，完成后即可收听 · ` +
      `Generating audio ${n}/${total}; it can be played when ready`,
    resume: (t) => `从 ${t} 继续 · Continue from ${t}`,
    notFound: "找不到这篇文章的音频。 No audio was found for this article.",
    forbidden: "你没有权限收听这篇文章。 You are not allowed to listen to this article.",
    renderFailed: (m) => `音频生成失败。 Audio generation failed.${m ? " (" + m + ")" : ""}`,
    unavailable: "音频暂不可用，请稍后再试。 The audio is not available yet; please try again later.",
    noText: "这篇文章没有可朗读的文字。 This article has no text to read aloud.",
    mediaError: "浏览器无法播放这段音频。 Your browser could not play this audio.",
    blocked: "浏览器阻止了播放，请再按一次播放。 The browser blocked playback; press play again.",
    plain: "已改用普通播放。 Using plain playback.",
    serverError: (m) => `播放出错：${m} · Playback error: ${m}`,
  };

  // ---------------------------------------------------------------------------------------------------------------
  // small helpers

  function formatTime(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
    const s = Math.floor(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
  }

  const store = {
    get(key) {
      try {
        const raw = window.localStorage.getItem(key);
        return raw === null ? null : JSON.parse(raw);
      } catch (_) {
        return null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
      } catch (_) {
        /* private mode or full: remembering is best effort */
      }
    },
    remove(key) {
      try {
        window.localStorage.removeItem(key);
      } catch (_) {
        /* ignore */
      }
    },
  };

  // How this browser's MediaSource takes MP3: {mime, wrap: false} as it is, {mime, wrap: true} inside MP4, or null.
  function mseFormat() {
    const MS = window.MediaSource;
    if (typeof MS !== "function") return null;
    const force = document.documentElement.dataset.readaloudForceMp4 === "true"; // tests: the MP4 path in Chromium
    if (!force && MS.isTypeSupported(MIME)) return { mime: MIME, wrap: false };
    for (const mime of MP4_MIMES) if (MS.isTypeSupported(mime)) return { mime, wrap: true };
    return null;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // MP3 frames -> fragmented MP4 (ISO BMFF): an initialization segment once, then one fragment per chunk.

  const MP3_BITRATES = {
    3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], // MPEG-1 Layer III
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160], // MPEG-2 and 2.5 Layer III
  };
  const MP3_RATES = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

  function mp3Frames(data) {
    const frames = [];
    let info = null;
    let i = 0;
    if (data.length > 10 && data[0] === 0x49 && data[1] === 0x44 && data[2] === 0x33) {
      i = 10 + (((data[6] & 0x7f) << 21) | ((data[7] & 0x7f) << 14) | ((data[8] & 0x7f) << 7) | (data[9] & 0x7f));
    }
    while (i + 4 <= data.length) {
      if (data[i] !== 0xff || (data[i + 1] & 0xe0) !== 0xe0) {
        i += 1;
        continue;
      }
      const version = (data[i + 1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
      const layer = (data[i + 1] >> 1) & 3; // 1: Layer III
      const bitrateIndex = data[i + 2] >> 4;
      const rateIndex = (data[i + 2] >> 2) & 3;
      if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) {
        i += 1;
        continue;
      }
      const rate = MP3_RATES[version][rateIndex];
      const samples = version === 3 ? 1152 : 576;
      const kbps = MP3_BITRATES[version === 3 ? 3 : 2][bitrateIndex];
      const length = Math.floor(((samples / 8) * kbps * 1000) / rate) + ((data[i + 2] >> 1) & 1);
      if (i + length > data.length) break;
      frames.push({ offset: i, length, samples });
      if (!info) info = { rate, channels: data[i + 3] >> 6 === 3 ? 1 : 2, mpeg1: version === 3 };
      i += length;
    }
    return { frames, info };
  }

  const u32 = (n) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const ascii = (text) => Array.from(text, (c) => c.charCodeAt(0));

  function box(type, ...parts) {
    const body = parts.map((part) => (part instanceof Uint8Array ? part : Uint8Array.from(part.flat())));
    const size = 8 + body.reduce((sum, part) => sum + part.length, 0);
    const out = new Uint8Array(size);
    out.set(u32(size), 0);
    out.set(ascii(type), 4);
    let at = 8;
    for (const part of body) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  const fullBox = (type, version, flags, ...parts) =>
    box(type, [version, (flags >> 16) & 255, (flags >> 8) & 255, flags & 255], ...parts);
  const MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].flatMap(u32); // identity
  const SYNC_SAMPLE = 0x02000000; // depends on no other sample

  function mp4Init({ rate, channels, mpeg1 }) {
    const esds = fullBox("esds", 0, 0, [
      [0x03, 21, 0x00, 0x01, 0x00], // ES_Descriptor, ES_ID 1
      [0x04, 13, mpeg1 ? 0x6b : 0x69, 0x15, 0, 0, 0, ...u32(0), ...u32(0)], // MPEG-1 / MPEG-2 audio (MP3)
      [0x06, 1, 0x02], // SLConfigDescriptor
    ]);
    const mp4a = box("mp4a", [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, channels, 0, 16, 0, 0, 0, 0],
      [(rate >> 8) & 255, rate & 255, 0, 0], esds);
    const stbl = box("stbl", fullBox("stsd", 0, 0, u32(1), mp4a), fullBox("stts", 0, 0, u32(0)),
      fullBox("stsc", 0, 0, u32(0)), fullBox("stsz", 0, 0, u32(0), u32(0)), fullBox("stco", 0, 0, u32(0)));
    const minf = box("minf", fullBox("smhd", 0, 0, [0, 0, 0, 0]),
      box("dinf", fullBox("dref", 0, 0, u32(1), fullBox("url ", 0, 1))), stbl);
    const mdia = box("mdia",
      fullBox("mdhd", 0, 0, u32(0), u32(0), u32(rate), u32(0), [0x55, 0xc4, 0, 0]),
      fullBox("hdlr", 0, 0, u32(0), ascii("soun"), new Array(12).fill(0), ascii("SoundHandler"), [0]),
      minf);
    const trak = box("trak",
      fullBox("tkhd", 0, 7, u32(0), u32(0), u32(1), u32(0), u32(0), new Array(8).fill(0), [0, 0, 0, 0, 1, 0, 0, 0],
        MATRIX, u32(0), u32(0)),
      mdia);
    const mvhd = fullBox("mvhd", 0, 0, u32(0), u32(0), u32(rate), u32(0), u32(0x00010000), [1, 0, 0, 0],
      new Array(8).fill(0), MATRIX, new Array(24).fill(0), u32(2));
    const mvex = box("mvex", fullBox("trex", 0, 0, u32(1), u32(1), u32(0), u32(0), u32(SYNC_SAMPLE)));
    const ftyp = box("ftyp", ascii("isom"), u32(1), ascii("isom"), ascii("iso6"), ascii("mp41"));
    const moov = box("moov", mvhd, trak, mvex);
    const out = new Uint8Array(ftyp.length + moov.length);
    out.set(ftyp, 0);
    out.set(moov, ftyp.length);
    return out;
  }

  function mp4Fragment(data, frames, sequence, baseTime) {
    const n = frames.length;
    const trunSize = 20 + 8 * n;
    const moofSize = 8 + 16 + (8 + 20 + 20 + trunSize);
    const samples = [];
    for (const f of frames) samples.push(...u32(f.samples), ...u32(f.length));
    const high = Math.floor(baseTime / 2 ** 32);
    const moof = box("moof",
      fullBox("mfhd", 0, 0, u32(sequence)),
      box("traf",
        fullBox("tfhd", 0, 0x020020, u32(1), u32(SYNC_SAMPLE)), // default-base-is-moof, default sample flags
        fullBox("tfdt", 1, 0, u32(high), u32(baseTime - high * 2 ** 32)),
        fullBox("trun", 0, 0x000301, u32(n), u32(moofSize + 8), samples))); // data offset, durations, sizes
    const payload = frames.reduce((sum, f) => sum + f.length, 0);
    const out = new Uint8Array(moof.length + 8 + payload);
    out.set(moof, 0);
    out.set(u32(8 + payload), moof.length);
    out.set(ascii("mdat"), moof.length + 4);
    let at = moof.length + 8;
    for (const f of frames) {
      out.set(data.subarray(f.offset, f.offset + f.length), at);
      at += f.length;
    }
    return out;
  }

  function highlightSupported() {
    return typeof window.Highlight === "function" && !!(window.CSS && window.CSS.highlights);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Mapping sentences onto the article body.
  //
  // The header gives, for every sentence, the index of its block (paragraph, heading, list item...) in the article
  // and the character offsets of the sentence within that block's text. The page's body is split into the same kind
  // of blocks (the innermost block elements, in document order, code blocks left out) and each block's text is read
  // from its text nodes (ruby annotations <rt>/<rp> left out, as the text pipeline drops them). A sentence is mapped
  //   1. at its offsets, when the text found there is the sentence's text (compared on letters and digits only), else
  //   2. by searching for its text in its block, then in the blocks around it, then onwards from the last sentence
  //      found (the server's idea of a block may differ from the page's: wrapper elements, skipped blocks);
  // and left without highlight when neither finds it.

  function letters(text) {
    let out = "";
    for (const ch of text) if (LETTER.test(ch)) out += ch;
    return out;
  }

  function collectBlocks(body) {
    const candidates = Array.from(body.querySelectorAll(BLOCK_SELECTOR)).filter(
      (el) => !el.closest(SKIP_TEXT_IN),
    );
    const leaves = candidates.filter((el) => !el.querySelector(BLOCK_SELECTOR));
    return leaves.map(blockText);
  }

  // One block's text with, for every UTF-16 unit, the text node and offset it comes from; and its letters-only form
  // with the index of each letter in the text.
  function blockText(el) {
    const nodes = [];
    const offsets = [];
    let text = "";
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement && node.parentElement.closest(SKIP_TEXT_IN)
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const value = node.nodeValue;
      for (let i = 0; i < value.length; i += 1) {
        nodes.push(node);
        offsets.push(i);
      }
      text += value;
    }
    // whitespace-collapsed form (what an HTML-to-text step usually yields), with its map back to `text`
    let collapsed = "";
    const collapsedMap = [];
    let space = true;
    for (let i = 0; i < text.length; i += 1) {
      const isSpace = /\s/.test(text[i]);
      if (isSpace && space) continue;
      collapsed += isSpace ? " " : text[i];
      collapsedMap.push(i);
      space = isSpace;
    }
    let compact = "";
    const compactMap = [];
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i);
      const ch = String.fromCodePoint(cp);
      if (LETTER.test(ch)) {
        compact += ch;
        for (let k = 0; k < ch.length; k += 1) compactMap.push(i + k);
      }
      i += ch.length;
    }
    return { el, text, nodes, offsets, collapsed, collapsedMap, compact, compactMap };
  }

  function rangeOf(block, start, end) {
    // [start, end) in block.text; trimmed of whitespace
    while (start < end && /\s/.test(block.text[start])) start += 1;
    while (end > start && /\s/.test(block.text[end - 1])) end -= 1;
    if (end <= start) return null;
    const range = document.createRange();
    range.setStart(block.nodes[start], block.offsets[start]);
    range.setEnd(block.nodes[end - 1], block.offsets[end - 1] + 1);
    return range;
  }

  function mapByOffsets(block, sentence, want) {
    const cs = sentence.char_start;
    const ce = sentence.char_end;
    if (!Number.isInteger(cs) || !Number.isInteger(ce) || ce <= cs) return null;
    if (ce <= block.text.length && letters(block.text.slice(cs, ce)) === want) return rangeOf(block, cs, ce);
    if (ce <= block.collapsed.length && letters(block.collapsed.slice(cs, ce)) === want) {
      return rangeOf(block, block.collapsedMap[cs], block.collapsedMap[ce - 1] + 1);
    }
    const trimmed = block.collapsed.trimStart();
    const shift = block.collapsed.length - trimmed.length;
    if (shift && ce + shift <= block.collapsed.length && letters(trimmed.slice(cs, ce)) === want) {
      return rangeOf(block, block.collapsedMap[cs + shift], block.collapsedMap[ce + shift - 1] + 1);
    }
    return null;
  }

  function mapBySearch(block, want, from) {
    let at = block.compact.indexOf(want, from);
    if (at < 0 && from > 0) at = block.compact.indexOf(want);
    if (at < 0) return null;
    const start = block.compactMap[at];
    let end = block.compactMap[at + want.length - 1] + 1;
    // take the sentence's closing punctuation along (up to the next space or letter)
    while (end < block.text.length && end - start < 10000) {
      const ch = block.text[end];
      if (/\s/.test(ch) || LETTER.test(ch)) break;
      end += 1;
    }
    return { range: rangeOf(block, start, end), next: at + want.length };
  }

  function mapSentences(body, sentences) {
    const blocks = collectBlocks(body);
    const ranges = new Array(sentences.length).fill(null);
    const how = { offsets: 0, search: 0, missed: 0 };
    let cursor = { block: 0, pos: 0 };
    for (const sentence of sentences) {
      if (!(sentence.block >= 0)) continue;
      const want = letters(sentence.text || "");
      if (!want) continue;
      const hinted = blocks[sentence.block];
      if (hinted) {
        const range = mapByOffsets(hinted, sentence, want);
        if (range) {
          ranges[sentence.index] = range;
          how.offsets += 1;
          cursor = { block: sentence.block, pos: 0 };
          continue;
        }
      }
      const order = [];
      const seen = new Set();
      const add = (i) => {
        if (i >= 0 && i < blocks.length && !seen.has(i)) {
          seen.add(i);
          order.push(i);
        }
      };
      add(cursor.block);
      add(sentence.block);
      for (let d = 1; d <= 3; d += 1) {
        add(sentence.block + d);
        add(sentence.block - d);
      }
      for (let i = cursor.block + 1; i < blocks.length; i += 1) add(i);
      for (const i of order) {
        const found = mapBySearch(blocks[i], want, i === cursor.block ? cursor.pos : 0);
        if (found && found.range) {
          ranges[sentence.index] = found.range;
          how.search += 1;
          cursor = { block: i, pos: found.next };
          break;
        }
      }
      if (!ranges[sentence.index]) how.missed += 1;
    }
    ranges.how = how;
    return ranges;
  }

  // ---------------------------------------------------------------------------------------------------------------

  class Player {
    constructor(root) {
      this.root = root;
      this.articleId = root.dataset.articleId;
      this.wsPath = root.dataset.wsPath;
      this.audioUrl = root.dataset.audioUrl;
      this.statusUrl = root.dataset.statusUrl;
      this.bodySelector = root.dataset.bodySelector;
      this.el = {};
      for (const node of root.querySelectorAll("[data-role]")) this.el[node.dataset.role] = node;
      this.audio = this.el.audio;
      this.positionKey = `readaloud:position:${this.articleId}`;

      this.mode = null; // "mse" | "file"
      this.header = null;
      this.sentences = []; // {index, text, block, char_start, char_end, start, end}
      this.ws = null;
      this.ms = null;
      this.sb = null;
      this.ops = []; // SourceBuffer operations, run one at a time
      this.gen = 0;
      this.active = false; // the current (re)start's first chunk has arrived
      this.expect = null; // {index}: the first chunk the current (re)start should bring
      this.staleNext = new Set(); // indices the streams we left would send next
      this.lastIndex = -1;
      this.lastEnd = 0; // timeline end of the last chunk received since the (re)start
      this.outstanding = 0; // chunks the server owes us
      this.lastChunkAt = 0;
      this.lastProgressAt = 0;
      this.streamEnded = false;
      this.pendingMeta = null;
      this.pendingTime = null; // where to put the playhead once audio around it arrives
      this.startAt = null; // {time, index} to start from once connected
      this.wantPlay = false;
      this.current = -1; // index of the highlighted sentence
      this.ranges = null;
      this.highlight = null;
      this.reconnects = 0;
      this.closing = false;
      this.lastSaved = 0;
      this.seeking = false;

      this.bind();
      this.restoreSpeed();
      this.offerResume();
      this.renderDuration();
      this.root.dataset.mounted = "true";
    }

    // ---- UI wiring --------------------------------------------------------------------------------------------

    bind() {
      const { play, seek, speed, resume, transcript, sentences } = this.el;
      play.addEventListener("click", () => this.toggle());
      seek.addEventListener("input", () => {
        this.seeking = true;
        this.renderTime(Number(seek.value));
      });
      seek.addEventListener("change", () => {
        this.seeking = false;
        this.seekTo(Number(seek.value));
      });
      speed.addEventListener("change", () => this.setSpeed(Number(speed.value)));
      resume.addEventListener("click", () => {
        const saved = this.saved;
        this.el["resume-row"].hidden = true;
        if (saved) this.startFrom(saved.time, saved.index, saved.rendition);
      });
      transcript.addEventListener("toggle", () => {
        if (transcript.open && !this.header && !this.mode) this.connect();
        if (transcript.open) this.scrollTranscript();
      });
      sentences.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-index]");
        if (button) this.jumpToSentence(Number(button.dataset.index));
      });
      this.root.addEventListener("keydown", (event) => {
        if (event.key !== " " && event.key !== "Spacebar") return;
        const target = event.target;
        // buttons, selects and summaries handle space themselves; the slider and the player itself toggle
        if (target === this.root || target === seek) {
          event.preventDefault();
          this.toggle();
        }
      });

      const a = this.audio;
      a.addEventListener("play", () => this.renderPlaying());
      a.addEventListener("pause", () => {
        this.renderPlaying();
        this.savePosition(true);
      });
      a.addEventListener("playing", () => {
        this.clearStatusIf("buffering", "blocked", "connecting", "error");
        if (this.root.dataset.state === "error") this.root.dataset.state = "playing";
        this.renderPlaying();
        this.tick();
      });
      a.addEventListener("waiting", () => {
        if (!this.progressShown()) this.setStatus(TEXT.buffering, "buffering");
      });
      a.addEventListener("timeupdate", () => this.onTime());
      a.addEventListener("seeked", () => this.onTime());
      a.addEventListener("ratechange", () => {
        this.el.speed.value = String(a.playbackRate);
      });
      a.addEventListener("ended", () => {
        store.remove(this.positionKey);
        this.renderPlaying();
      });
      a.addEventListener("error", () => this.onMediaError());
      a.addEventListener("durationchange", () => this.renderDuration());
      window.addEventListener("pagehide", () => this.savePosition(true));
    }

    toggle() {
      const a = this.audio;
      if (!this.mode) {
        this.startFrom(0, 0);
        return;
      }
      if (a.paused || a.ended) {
        if (a.ended) this.seekTo(0);
        this.play();
      } else {
        this.wantPlay = false;
        a.pause();
      }
    }

    play() {
      this.wantPlay = true;
      this.el["resume-row"].hidden = true;
      const promise = this.audio.play();
      if (promise && promise.catch) {
        promise.catch((error) => {
          if (error && error.name === "NotAllowedError") this.setStatus(TEXT.blocked, "blocked");
          this.renderPlaying();
        });
      }
      this.renderPlaying();
    }

    setSpeed(rate) {
      if (!SPEEDS.includes(rate)) rate = 1;
      this.audio.defaultPlaybackRate = rate;
      this.audio.playbackRate = rate;
      this.el.speed.value = String(rate);
      store.set("readaloud:rate", rate);
    }

    restoreSpeed() {
      const rate = Number(store.get("readaloud:rate"));
      this.setSpeed(SPEEDS.includes(rate) ? rate : 1);
    }

    offerResume() {
      const saved = store.get(this.positionKey);
      if (!saved || !(saved.time > 5)) return;
      this.saved = saved;
      this.el.resume.textContent = TEXT.resume(formatTime(saved.time));
      this.el["resume-row"].hidden = false;
    }

    savePosition(force) {
      if (!this.mode) return;
      const now = Date.now();
      if (!force && now - this.lastSaved < 2000) return;
      const t = this.audio.currentTime;
      if (!(t > 0)) return;
      this.lastSaved = now;
      const duration = this.totalDuration();
      if (duration && t > duration - 3) {
        store.remove(this.positionKey);
        return;
      }
      store.set(this.positionKey, {
        time: Math.round(t * 10) / 10,
        index: Math.max(this.current, 0),
        rendition: this.header ? this.header.rendition : null,
        at: now,
      });
    }

    setStatus(text, kind) {
      this.el.status.textContent = text || "";
      this.statusKind = text ? kind || "info" : null;
      this.root.dataset.statusKind = this.statusKind || "";
    }

    clearStatusIf(...kinds) {
      if (kinds.includes(this.statusKind)) this.setStatus("");
    }

    progressShown() {
      return this.statusKind === "progress";
    }

    error(text) {
      this.setStatus(text, "error");
      this.root.dataset.state = "error";
      this.renderPlaying();
    }

    renderPlaying() {
      const playing = !!this.mode && !this.audio.paused && !this.audio.ended;
      this.root.classList.toggle("is-playing", playing);
      const label = playing ? TEXT.pause : TEXT.play;
      this.el.play.setAttribute("aria-label", label);
      this.el.play.title = label;
      if (this.root.dataset.state !== "error") {
        this.root.dataset.state = this.mode ? (playing ? "playing" : "paused") : "idle";
      }
    }

    totalDuration() {
      if (this.header && Number.isFinite(this.header.duration) && this.header.duration > 0) return this.header.duration;
      if (this.mode === "file" && Number.isFinite(this.audio.duration)) return this.audio.duration;
      const fromTag = Number(this.root.dataset.duration);
      if (!this.header && fromTag > 0) return fromTag;
      return 0;
    }

    knownEnd() {
      let end = 0;
      for (const s of this.sentences) if (Number.isFinite(s.end) && s.end > end) end = s.end;
      return Math.max(end, this.totalDuration());
    }

    allTimed() {
      return this.sentences.length > 0 && this.sentences.every((s) => Number.isFinite(s.end));
    }

    renderDuration() {
      const total = this.totalDuration();
      const known = this.knownEnd();
      let label = "--:--";
      if (total) label = formatTime(total);
      else if (known) label = this.allTimed() ? formatTime(known) : `${formatTime(known)}+`;
      this.el.duration.textContent = label;
      const max = total || known || 0;
      this.el.seek.max = String(max);
      this.el.seek.disabled = !(max > 0);
    }

    renderTime(t) {
      this.el.time.textContent = formatTime(t);
      const max = Number(this.el.seek.max) || 0;
      this.el.seek.setAttribute("aria-valuetext", `${formatTime(t)} / ${max ? formatTime(max) : "--:--"}`);
      this.el.seek.style.setProperty("--readaloud-progress", max ? `${Math.min(100, (t / max) * 100)}%` : "0%");
    }

    onTime() {
      const t = this.audio.currentTime;
      if (!this.seeking) {
        this.el.seek.value = String(t);
        this.renderTime(t);
      }
      this.updateSentence(t);
      this.savePosition(false);
      if (this.mode === "mse") {
        this.askForMore();
        this.evict();
      }
    }

    tick() {
      // smoother highlight than timeupdate (~4 Hz) while playing
      if (this.ticking) return;
      this.ticking = true;
      let last = 0;
      const step = (now) => {
        if (this.audio.paused || this.audio.ended) {
          this.ticking = false;
          return;
        }
        if (now - last > 100) {
          last = now;
          this.updateSentence(this.audio.currentTime);
        }
        window.requestAnimationFrame(step);
      };
      window.requestAnimationFrame(step);
    }

    // ---- sentences: transcript and highlight ---------------------------------------------------------------

    setHeader(header) {
      const previous = this.header;
      const same = !!previous && previous.rendition === header.rendition;
      this.header = header;
      const timings = new Map(same ? this.sentences.map((s) => [s.index, s]) : []);
      this.sentences = (header.sentences || []).map((s) => {
        const known = timings.get(s.index);
        return {
          ...s,
          start: Number.isFinite(s.start) ? s.start : known ? known.start : null,
          end: Number.isFinite(s.end) ? s.end : known ? known.end : null,
        };
      });
      if (this.mode === "file" && !this.fileIsCurrent) this.forgetTimings();
      if (header.voice_label) {
        this.el.voice.textContent = header.voice_label;
        this.el.voice.hidden = false;
      }
      this.root.dataset.status = header.status || "";
      if (!same) {
        this.renderSentences();
        this.mapBody();
        this.current = -1;
      }
      this.renderDuration();
      if (header.status === "queued" || header.status === "rendering") {
        this.setStatus(TEXT.generating(header.ready || 0, header.total || this.sentences.length), "progress");
      }
    }

    forgetTimings() {
      for (const s of this.sentences) {
        s.start = null;
        s.end = null;
      }
    }

    renderSentences() {
      const list = this.el.sentences;
      list.textContent = "";
      for (const s of this.sentences) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "readaloud__sentence" + (s.block < 0 ? " readaloud__sentence--notice" : "");
        button.dataset.index = String(s.index);
        button.textContent = s.text;
        li.appendChild(button);
        list.appendChild(li);
      }
      this.sentenceButtons = Array.from(list.querySelectorAll("button[data-index]"));
    }

    mapBody() {
      this.root.dataset.bodyHighlight = "off";
      this.highlight = null;
      this.ranges = null;
      if (!highlightSupported() || !this.bodySelector) return;
      let body = null;
      try {
        body = document.querySelector(this.bodySelector);
      } catch (_) {
        body = null;
      }
      if (!body) return;
      try {
        this.ranges = mapSentences(body, this.sentences);
      } catch (_) {
        this.ranges = null; // the page is not what we expected: no highlight in the body, silently
        return;
      }
      const readable = this.sentences.filter((s) => s.block >= 0).length;
      const mapped = this.ranges.filter(Boolean).length;
      this.root.dataset.bodyHighlight = mapped ? "on" : "off";
      this.root.dataset.bodyMapped = `${mapped}/${readable}`;
      const how = this.ranges.how || {};
      this.root.dataset.bodyMappedBy = `offsets:${how.offsets} search:${how.search} missed:${how.missed}`;
      if (mapped) {
        this.highlight = new window.Highlight();
        window.CSS.highlights.set(HIGHLIGHT_NAME, this.highlight);
      }
    }

    sentenceAt(t) {
      // the last sentence starting at or before t
      let found = -1;
      for (const s of this.sentences) {
        if (!Number.isFinite(s.start)) continue;
        if (s.start <= t + 0.01) found = s.index;
        else break;
      }
      return found;
    }

    updateSentence(t) {
      const index = this.sentenceAt(t);
      if (index === this.current || index < 0) return;
      this.current = index;
      this.root.dataset.currentSentence = String(index);
      if (this.sentenceButtons) {
        for (const b of this.sentenceButtons) {
          const on = Number(b.dataset.index) === index;
          b.classList.toggle("is-current", on);
          if (on) b.setAttribute("aria-current", "true");
          else b.removeAttribute("aria-current");
        }
      }
      if (this.highlight) {
        this.highlight.clear();
        const range = this.ranges && this.ranges[index];
        if (range) this.highlight.add(range);
      }
      this.scrollTranscript();
    }

    scrollTranscript() {
      const list = this.el.sentences;
      if (!this.el.transcript.open || !this.sentenceButtons) return;
      const b = this.sentenceButtons[this.current];
      if (!b) return;
      const item = b.parentElement;
      const top = item.offsetTop - list.offsetTop;
      if (top < list.scrollTop || top + item.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = Math.max(0, top - list.clientHeight / 3);
      }
    }

    jumpToSentence(index) {
      const s = this.sentences[index];
      if (!s) return;
      if (Number.isFinite(s.start)) this.seekTo(s.start + 0.001, index);
      else if (this.mode === "mse") this.restart({ index, time: null });
      else this.startFrom(null, index);
      if (this.mode) this.play();
    }

    // ---- starting -------------------------------------------------------------------------------------------

    startFrom(time, index, rendition) {
      this.wantPlay = true;
      this.el["resume-row"].hidden = true;
      this.startAt = { time, index: index || 0, rendition: rendition || null };
      if (this.mode) {
        this.seekTo(time || 0, index);
        this.play();
        return;
      }
      this.format = mseFormat();
      if (!this.format) {
        this.fallbackToFile("no-mse");
        return;
      }
      this.mode = "mse";
      this.root.dataset.mode = "mse";
      this.root.dataset.container = this.format.wrap ? "mp4" : "mp3";
      this.mp4 = null; // {rate, channels, mpeg1} of the initialization segment appended
      this.fragments = 0;
      this.ms = new window.MediaSource();
      this.ms.addEventListener("sourceopen", () => this.onSourceOpen());
      this.objectUrl = URL.createObjectURL(this.ms);
      this.audio.src = this.objectUrl;
      this.audio.playbackRate = this.audio.defaultPlaybackRate;
      if (Number.isFinite(time) && time > 0) this.audio.currentTime = time; // the default start position
      this.play(); // inside the click: the browser's autoplay policy sees the user's gesture
      if (this.header && this.ws && this.ws.readyState === WebSocket.OPEN) this.beginStream();
      else this.connect();
    }

    onSourceOpen() {
      if (this.sb || !this.ms) {
        this.pump();
        return;
      }
      try {
        this.sb = this.ms.addSourceBuffer(this.format.mime);
        this.sb.mode = "sequence";
      } catch (_) {
        this.fallbackToFile("mse");
        return;
      }
      this.sb.addEventListener("updateend", () => this.pump());
      this.sb.addEventListener("error", () => this.fallbackToFile("mse"));
      this.setMediaDuration();
      this.pump();
    }

    connect() {
      if (this.ws) return;
      this.closing = false;
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      let ws;
      try {
        ws = new WebSocket(`${scheme}//${window.location.host}${this.wsPath}`);
      } catch (_) {
        this.onSocketFailure(null);
        return;
      }
      ws.binaryType = "arraybuffer";
      this.ws = ws;
      this.gotHeader = false;
      if (this.mode === "mse" && !this.active) this.setStatus(TEXT.connecting, "connecting");
      this.headerTimer = window.setTimeout(() => {
        if (!this.gotHeader && this.ws === ws) {
          this.closeSocket();
          this.onSocketFailure(null);
        }
      }, HEADER_TIMEOUT_MS);
      ws.addEventListener("message", (event) => {
        if (this.ws !== ws) return;
        if (typeof event.data === "string") this.onText(event.data);
        else this.onBinary(event.data);
      });
      ws.addEventListener("close", (event) => {
        if (this.ws !== ws) return;
        window.clearTimeout(this.headerTimer);
        this.ws = null;
        if (this.closing) return;
        this.onSocketFailure(event.code);
      });
      if (!this.watchdog) this.watchdog = window.setInterval(() => this.onWatchdog(), 1000);
    }

    closeSocket() {
      if (!this.ws) return;
      this.closing = true;
      const ws = this.ws;
      this.ws = null;
      try {
        ws.close(1000);
      } catch (_) {
        /* already closing */
      }
    }

    send(message) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
    }

    onSocketFailure(code) {
      if (code === 4404) {
        this.error(TEXT.notFound);
        return;
      }
      if (code === 4403) {
        this.error(TEXT.forbidden);
        return;
      }
      if (this.mode !== "mse") {
        // only the header was wanted (transcript); nothing is playing
        return;
      }
      if (this.gotHeader && this.reconnects < 2 && !this.streamEnded) {
        // the socket dropped mid-stream: reconnect and go on from where the buffered audio ends
        this.reconnects += 1;
        this.resumeAfterReconnect = true;
        window.setTimeout(() => this.connect(), 500 * this.reconnects);
        return;
      }
      if (this.streamEnded) return;
      this.fallbackToFile("socket");
    }

    beginStream() {
      this.setMediaDuration();
      const start = this.startAt || { time: 0, index: 0 };
      this.startAt = null;
      const total = this.sentences.length;
      if (!total) {
        this.error(TEXT.noText);
        return;
      }
      let index = Math.min(Math.max(start.index || 0, 0), total - 1);
      let time = Number.isFinite(start.time) ? start.time : null;
      if (start.rendition && this.header.rendition && start.rendition !== this.header.rendition) {
        time = null; // the article changed since: go back to the start of the remembered sentence
      }
      if (time !== null && time > 0) {
        const at = this.sentenceAt(time);
        if (at >= 0) index = at;
        else time = null;
      }
      if (time === null) {
        const s = this.sentences[index];
        time = s && Number.isFinite(s.start) ? s.start : null;
      }
      this.restart({ index, time, kind: "play" });
    }

    // ---- the stream ---------------------------------------------------------------------------------------

    // Start (or start again) streaming at a sentence. Chunks already on their way from the previous stream are
    // recognised (their indices continue that stream) and dropped.
    restart({ index, time, kind }) {
      this.gen += 1;
      if (this.active) this.staleNext = new Set([this.lastIndex + 1]);
      else if (this.expect) this.staleNext.add(this.expect.index);
      this.expect = { index };
      this.active = false;
      this.streamEnded = false;
      this.outstanding = SERVER_WINDOW;
      this.lastChunkAt = performance.now();
      this.lastEnd = Number.isFinite(time) ? time : 0;
      this.pendingTime = Number.isFinite(time) ? time : null;
      this.placeAtFirstChunk = !Number.isFinite(time); // start unknown: go where the first chunk lands
      this.stalledSince = 0;
      this.resetBuffer();
      if (kind === "seek" && Number.isFinite(time)) this.send({ type: "seek", time: Math.max(0, time) });
      else this.send({ type: "play", from: index });
      if (Number.isFinite(time)) {
        try {
          this.audio.currentTime = time;
        } catch (_) {
          /* set once the audio is there */
        }
      }
    }

    resetBuffer() {
      // drop what is queued, abort an append in progress, then remove everything buffered
      if (this.ops.some((op) => op.kind === "init")) this.mp4 = null; // not appended yet: send it again
      this.ops = [];
      if (!this.sb) return;
      if (this.sb.updating && this.ms.readyState === "open") {
        this.mp4 = null; // the append cut short may have been the initialization segment
        try {
          this.sb.abort();
        } catch (_) {
          /* finished meanwhile */
        }
      }
      this.ops.push({ kind: "clear" });
      this.pump();
    }

    onText(data) {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch (_) {
        return;
      }
      if (this.pendingMeta) this.pendingMeta = null; // its binary frame never came (the stream was cancelled)
      switch (msg.type) {
        case "header":
          this.onHeader(msg);
          break;
        case "chunk":
          this.pendingMeta = { msg, fresh: this.isFresh(msg.index), gen: this.gen };
          break;
        case "progress":
          this.lastProgressAt = performance.now();
          if (!this.active || this.audio.readyState < 3) {
            this.setStatus(TEXT.generating(msg.ready, msg.total), "progress");
          }
          break;
        case "end":
          if (this.active) {
            this.streamEnded = true;
            this.ops.push({ kind: "eos" });
            this.pump();
          }
          break;
        case "error":
          this.onServerError(msg);
          break;
        default:
          break;
      }
    }

    onHeader(msg) {
      window.clearTimeout(this.headerTimer);
      this.gotHeader = true;
      this.setHeader(msg);
      if (this.mode !== "mse") {
        this.closeSocket(); // only the header was wanted (transcript, timings for the plain file)
        return;
      }
      if (this.resumeAfterReconnect) {
        this.resumeAfterReconnect = false;
        const next = this.active ? this.lastIndex + 1 : this.expect ? this.expect.index : 0;
        if (next >= this.sentences.length) return;
        const s = this.sentences[next];
        // keep what is buffered; stream on from the next sentence
        this.gen += 1;
        this.staleNext = new Set();
        this.expect = { index: next };
        this.active = false;
        this.outstanding = SERVER_WINDOW;
        this.lastChunkAt = performance.now();
        if (s && Number.isFinite(s.start)) this.lastEnd = s.start;
        this.send({ type: "play", from: next });
        return;
      }
      this.beginStream();
    }

    isFresh(index) {
      if (this.active) return true;
      if (this.expect && index === this.expect.index) {
        this.active = true;
        return true;
      }
      if (this.staleNext.has(index)) {
        this.staleNext.delete(index);
        this.staleNext.add(index + 1);
        return false;
      }
      this.active = true; // the server picked another sentence than we guessed: take it
      return true;
    }

    onBinary(buffer) {
      const meta = this.pendingMeta;
      this.pendingMeta = null;
      if (!meta || !meta.fresh || meta.gen !== this.gen || !this.sb) return;
      const chunk = meta.msg;
      if (buffer.byteLength !== chunk.bytes) return;
      this.lastChunkAt = performance.now();
      this.outstanding = Math.max(0, this.outstanding - 1);
      this.lastIndex = chunk.index;
      this.lastEnd = chunk.end;
      this.reconnects = 0;
      const s = this.sentences[chunk.index];
      if (s) {
        s.start = chunk.start;
        s.end = chunk.end;
      }
      if (this.placeAtFirstChunk) {
        this.placeAtFirstChunk = false;
        this.pendingTime = chunk.start;
      }
      this.clearStatusIf("progress", "connecting");
      this.renderDuration();
      let data = buffer;
      if (this.format.wrap) {
        const bytes = new Uint8Array(buffer);
        const { frames, info } = mp3Frames(bytes);
        if (!frames.length) return;
        const init = this.mp4;
        if (!init || init.rate !== info.rate || init.channels !== info.channels || init.mpeg1 !== info.mpeg1) {
          this.mp4 = info;
          this.ops.push({ kind: "init", data: mp4Init(info) });
        }
        this.fragments += 1;
        data = mp4Fragment(bytes, frames, this.fragments, Math.round(chunk.start * info.rate));
      }
      this.ops.push({ kind: "append", data, start: chunk.start, gen: this.gen });
      this.pump();
      this.askForMore();
    }

    onServerError(msg) {
      if (msg.code === "render_failed") {
        this.error(TEXT.renderFailed(msg.message));
        this.fallbackToFile("render_failed", true);
      } else if (msg.code === "render_superseded") {
        // the article was edited while we listened: start again on the new rendition
        this.closeSocket();
        this.startAt = { time: this.audio.currentTime, index: Math.max(this.current, 0) };
        this.header = null;
        this.sentences = [];
        this.connect();
      } else {
        this.setStatus(TEXT.serverError(msg.message || msg.code), "error");
      }
    }

    askForMore() {
      if (this.mode !== "mse" || !this.active || this.streamEnded || !this.ws) return;
      const t = this.audio.currentTime;
      const avg = this.averageSentence();
      const ahead = this.lastEnd - t + this.outstanding * avg;
      if (ahead >= AHEAD_LOW) return;
      const count = Math.min(16, Math.max(1, Math.ceil((AHEAD_TARGET - ahead) / avg)));
      this.outstanding += count;
      this.send({ type: "next", count });
    }

    averageSentence() {
      let sum = 0;
      let n = 0;
      for (const s of this.sentences) {
        if (Number.isFinite(s.start) && Number.isFinite(s.end) && s.end > s.start) {
          sum += s.end - s.start;
          n += 1;
        }
      }
      return n ? Math.max(0.5, sum / n) : 4;
    }

    onWatchdog() {
      if (this.mode !== "mse") return;
      const now = performance.now();
      this.checkStall(now);
      if (
        this.active &&
        !this.streamEnded &&
        this.ws &&
        this.outstanding > 0 &&
        now - this.lastChunkAt > STALL_MS &&
        now - this.lastProgressAt > STALL_MS
      ) {
        // owed chunks did not come (the server's window may be smaller than we think): ask afresh
        this.outstanding = 0;
        this.lastChunkAt = now;
        this.askForMore();
      }
    }

    checkStall(now) {
      // Playing, yet stuck with no audio at the playhead while nothing is being rendered or fetched for it (a chunk
      // was lost): stream again from here.
      const a = this.audio;
      const stuck =
        this.wantPlay && !a.paused && !a.ended && a.readyState < 3 && this.active && this.header &&
        this.pendingTime === null && !this.isBuffered(a.currentTime) && now - this.lastProgressAt > STALL_MS &&
        now - this.lastChunkAt > STALL_MS && (!this.streamEnded || a.currentTime < this.lastEnd - 0.5);
      if (!stuck) {
        this.stalledSince = 0;
        return;
      }
      if (!this.stalledSince) {
        this.stalledSince = now;
        return;
      }
      if (now - this.stalledSince > 2000) {
        this.stalledSince = 0;
        const t = a.currentTime;
        this.restart({ index: Math.max(this.sentenceAt(t), 0), time: t, kind: "seek" });
      }
    }

    setMediaDuration() {
      const total = this.header && this.header.duration;
      if (!this.ms || this.ms.readyState !== "open" || !(total > 0)) return;
      this.ops.push({ kind: "duration", value: total });
      this.pump();
    }

    evict() {
      if (!this.sb || this.sb.updating || this.ops.length) return;
      const b = this.sb.buffered;
      if (!b.length) return;
      const t = this.audio.currentTime;
      if (t - b.start(0) > BEHIND_KEEP + 30) this.ops.push({ kind: "remove", start: b.start(0), end: t - BEHIND_KEEP });
      this.pump();
    }

    pump() {
      const sb = this.sb;
      while (sb && this.ms && this.ms.readyState !== "closed" && !sb.updating && this.ops.length) {
        const op = this.ops[0];
        try {
          if (op.kind === "append") {
            if (op.gen !== this.gen) {
              this.ops.shift();
              continue;
            }
            try {
              sb.timestampOffset = op.start;
            } catch (_) {
              /* mid-segment: the sequence mode places the chunk right after the previous one */
            }
            sb.appendBuffer(op.data);
          } else if (op.kind === "init") {
            sb.appendBuffer(op.data);
          } else if (op.kind === "clear" || op.kind === "remove") {
            const b = sb.buffered;
            if (!b.length) {
              this.ops.shift();
              continue;
            }
            const start = op.kind === "clear" ? b.start(0) : op.start;
            const end = op.kind === "clear" ? b.end(b.length - 1) : op.end;
            if (!(end > start)) {
              this.ops.shift();
              continue;
            }
            sb.remove(start, end);
          } else if (op.kind === "duration") {
            this.ops.shift();
            const b = sb.buffered;
            const highest = b.length ? b.end(b.length - 1) : 0;
            if (this.ms.readyState === "open" && op.value > highest && op.value !== this.ms.duration) {
              this.ms.duration = op.value;
            }
            continue;
          } else if (op.kind === "eos") {
            this.ops.shift();
            if (this.ms.readyState === "open") this.ms.endOfStream();
            continue;
          }
          this.ops.shift();
        } catch (error) {
          if (error && error.name === "QuotaExceededError" && op.kind === "append") {
            const t = this.audio.currentTime;
            const b = sb.buffered;
            if (b.length && t - b.start(0) > 5) {
              this.ops.unshift({ kind: "remove", start: b.start(0), end: t - 2 });
              continue;
            }
            // nothing to free yet: retry once playback moves on
            window.setTimeout(() => this.pump(), 1000);
            return;
          }
          this.ops.shift();
          if (op.kind === "append") {
            this.fallbackToFile("mse");
            return;
          }
        }
        return; // an operation is running; updateend calls pump again
      }
      if (sb && !sb.updating && this.pendingTime !== null) this.placePlayhead();
    }

    placePlayhead() {
      // after a restart, move the playhead to the asked time once the audio there is buffered
      const t = this.pendingTime;
      const b = this.sb.buffered;
      for (let i = 0; i < b.length; i += 1) {
        if (b.start(i) <= t + 0.05 && b.end(i) > t) {
          this.pendingTime = null;
          if (Math.abs(this.audio.currentTime - t) > 0.25) this.audio.currentTime = Math.max(t, b.start(i));
          if (this.wantPlay && this.audio.paused) this.play();
          return;
        }
      }
    }

    isBuffered(t) {
      if (!this.sb) return false;
      const b = this.sb.buffered;
      for (let i = 0; i < b.length; i += 1) {
        if (b.start(i) <= t && t < b.end(i) - 0.3) return true;
      }
      return false;
    }

    seekTo(t, index) {
      const max = Number(this.el.seek.max) || 0;
      if (max > 0) t = Math.min(Math.max(0, t), Math.max(0, max - 0.05));
      if (!this.mode) {
        this.startFrom(t, index ?? Math.max(this.sentenceAt(t), 0));
        return;
      }
      if (this.mode === "file") {
        this.audio.currentTime = t;
        return;
      }
      if (this.isBuffered(t)) {
        this.pendingTime = null;
        this.audio.currentTime = t;
        return;
      }
      if (!this.header) {
        this.startAt = { time: t, index: index ?? 0 };
        return;
      }
      const at = index ?? this.sentenceAt(t);
      if (!this.ws) {
        this.startAt = { time: t, index: Math.max(at, 0) };
        this.connect();
        return;
      }
      this.restart({ index: Math.max(at, 0), time: t, kind: at >= 0 ? "seek" : "play" });
    }

    // ---- plain <audio src> fallback --------------------------------------------------------------------------

    async fallbackToFile(reason, keepMessage) {
      if (this.mode === "file") return;
      const time = this.audio.currentTime || (this.startAt && this.startAt.time) || 0;
      this.closeSocket();
      this.teardownMse();
      this.mode = "file";
      this.root.dataset.mode = "file";
      this.root.dataset.fallback = reason;
      let status = null;
      try {
        const response = await fetch(this.statusUrl, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (response.ok) status = await response.json();
        else if (response.status === 404) {
          this.error(TEXT.notFound);
          return;
        }
      } catch (_) {
        status = null;
      }
      if (status && status.playable) {
        // highlight only when the file is the rendition whose timings we have
        this.fileIsCurrent = status.status === "ready";
        if (this.header && !this.fileIsCurrent) this.forgetTimings();
        this.audio.src = status.audio_url || this.audioUrl;
        this.audio.playbackRate = this.audio.defaultPlaybackRate;
        if (time > 0) this.audio.currentTime = time;
        if (!keepMessage) this.setStatus(reason === "no-mse" ? "" : TEXT.plain, "info");
        if (!this.header && reason === "no-mse") this.connect(); // the timings, for the transcript and highlight
        if (this.wantPlay) this.play();
        this.renderDuration();
        return;
      }
      this.mode = null;
      this.root.dataset.mode = "";
      if (keepMessage) {
        this.wantPlay = false;
        return;
      }
      const starting = status && status.status === "none" && reason === "no-mse";
      if (starting && !this.header) this.connect(); // a listener's connection starts the rendering
      if (status && (starting || status.status === "queued" || status.status === "rendering")) {
        // only the finished file can play here: look again in a moment, and play it once it exists
        this.setStatus(TEXT.generatingWait(status.sentences_done || 0, status.sentences_total || 0), "progress");
        window.clearTimeout(this.recheck);
        this.recheck = window.setTimeout(() => {
          if (!this.mode && this.wantPlay) this.fallbackToFile(reason);
        }, RECHECK_MS);
        return;
      }
      this.wantPlay = false;
      if (status && status.status === "failed") {
        this.error(TEXT.renderFailed(status.error));
      } else {
        this.error(TEXT.unavailable);
      }
    }

    teardownMse() {
      this.ops = [];
      this.sb = null;
      if (this.ms) {
        const ms = this.ms;
        this.ms = null;
        if (ms.readyState === "open") {
          try {
            ms.endOfStream();
          } catch (_) {
            /* ignore */
          }
        }
      }
      if (this.objectUrl) {
        this.audio.removeAttribute("src");
        URL.revokeObjectURL(this.objectUrl);
        this.objectUrl = null;
        this.audio.load();
      }
    }

    onMediaError() {
      if (!this.audio.getAttribute("src")) return; // the source was taken away on purpose
      const error = this.audio.error;
      if (error && /sink/i.test(error.message || "")) {
        this.error(TEXT.mediaError); // no audio output: the plain file would fail the same way
        return;
      }
      if (this.mode === "mse") this.fallbackToFile("media-error");
      else if (this.mode === "file") this.error(TEXT.mediaError);
    }
  }

  function mountAll() {
    for (const root of document.querySelectorAll("[data-readaloud-player]")) {
      if (!root.readaloudPlayer) root.readaloudPlayer = new Player(root);
    }
  }

  window.ReadaloudPlayer = { mountAll, mapSentences, formatTime };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();

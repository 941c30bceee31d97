// The result in the browser's own <video>, a transport, and the mix's waveform (read from the mix
// WAV as it streams in: min/max per 2 ms, never the whole file in memory) following playback.

import { mediaURL, request } from "./api.js";
import { GUTTER_PX, css, drawPlayhead, formatTime, sharpCanvas } from "./view.js";

const BUCKET_S = 0.002; // one min/max pair per 2 ms: detail to ~250 px a second, 600 k values for ten minutes

export class Player {
  constructor({ video, playButton, prevButton, nextButton, timeLabel, pictureSelect, canvas, view, onTime }) {
    Object.assign(this, { video, playButton, timeLabel, pictureSelect, canvas, view, onTime });
    this.fps = 30;
    this.duration = 0;
    this.peaks = null; // { min: Float32Array, max: Float32Array, filled: buckets read so far }
    this.sources = { video: null, preview: null };
    this.objectURL = null;
    this.loading = null;
    playButton.addEventListener("click", () => this.toggle());
    prevButton.addEventListener("click", () => this.step(-1));
    nextButton.addEventListener("click", () => this.step(1));
    pictureSelect.addEventListener("change", () => this.showPicture());
    for (const name of ["play", "pause", "ended"]) video.addEventListener(name, () => this.transport());
    video.addEventListener("timeupdate", () => this.tick());
    video.addEventListener("seeked", () => this.tick());
    video.addEventListener("loadedmetadata", () => this.tick());
    this.paint = sharpCanvas(canvas, (ctx, w, h) => this.draw(ctx, w, h));
    view.onChange(() => this.paint());
    this.seekWithPointer(canvas);
    const loop = () => {
      if (!video.paused) {
        this.view.follow(video.currentTime);
        this.tick();
      }
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  }

  get time() {
    return this.video.currentTime || 0;
  }

  get playing() {
    return !this.video.paused && !this.video.ended;
  }

  /** Show a job's results: `sources` {video, preview, mix} URLs (null when missing). */
  async load(job, sources, { keepTime = false } = {}) {
    this.fps = job.video.fps;
    this.duration = job.video.duration_s;
    this.sources = sources;
    this.pictureSelect.querySelector('option[value="preview"]').disabled = !sources.preview;
    if (!sources.preview) this.pictureSelect.value = "video";
    await this.showPicture(keepTime);
    this.loadPeaks(sources.mix);
  }

  clear() {
    this.video.removeAttribute("src");
    this.video.load();
    this.peaks = null;
    this.sources = { video: null, preview: null };
    this.paint();
    this.transport();
  }

  async showPicture(keepTime = true) {
    const url = this.sources[this.pictureSelect.value] || this.sources.video;
    if (!url) return;
    this.target = keepTime ? this.time : 0; // where to be once it loads (a seek meanwhile moves it)
    const wasPlaying = keepTime && this.playing;
    const src = await mediaURL(url);
    if (this.objectURL) URL.revokeObjectURL(this.objectURL);
    this.objectURL = src.startsWith("blob:") ? src : null;
    this.video.src = src;
    this.video.addEventListener("loadedmetadata", () => {
      this.video.currentTime = this.target;
      if (wasPlaying) this.video.play();
    }, { once: true });
    this.transport();
  }

  toggle() {
    if (!this.video.src) return;
    if (this.playing) this.video.pause();
    else this.video.play();
  }

  seek(t) {
    this.target = Math.min(Math.max(t, 0), this.duration);
    if (!this.video.src) return;
    this.video.currentTime = this.target;
    this.tick();
  }

  /** One frame back or forward (lands inside the frame, not on its edge, so the right picture shows). */
  step(frames) {
    this.video.pause();
    const frame = Math.floor(this.time * this.fps + 1e-6) + frames;
    this.seek(Math.max(0, frame) / this.fps + 1e-4);
  }

  transport() {
    const playing = this.playing;
    this.playButton.setAttribute("aria-label", playing ? "Pause" : "Play");
    this.playButton.title = playing ? "Pause (Space)" : "Play (Space)";
    this.playButton.classList.toggle("playing", playing);
    this.tick();
  }

  tick() {
    const t = this.time;
    const frame = Math.floor(t * this.fps + 1e-6);
    const frames = Math.round(this.duration * this.fps);
    this.timeLabel.textContent = `${formatTime(t)} / ${formatTime(this.duration)}`;
    this.timeLabel.dataset.frame = `frame ${Math.min(frame, frames)} of ${frames}`;
    this.canvas.dataset.playhead = t.toFixed(3);
    this.paint();
    this.onTime(t);
  }

  seekWithPointer(canvas) {
    canvas.addEventListener("pointerdown", (event) => {
      if (event.offsetX < GUTTER_PX) return;
      const width = canvas.getBoundingClientRect().width;
      const seekTo = (e) => this.seek(this.view.t(e.offsetX, width));
      seekTo(event);
      canvas.setPointerCapture(event.pointerId);
      canvas.onpointermove = seekTo;
      canvas.onpointerup = () => (canvas.onpointermove = null);
    });
  }

  /** Read the mix WAV as it streams: 16/24/32-bit PCM or 32-bit float, any channel count. */
  async loadPeaks(url) {
    this.loading?.abort();
    this.peaks = null;
    this.paint();
    if (!url) return;
    const controller = new AbortController();
    this.loading = controller;
    try {
      const response = await request(url, { signal: controller.signal });
      if (!response.ok) return;
      const reader = response.body.getReader();
      const parser = new WavPeaks((peaks) => {
        this.peaks = peaks;
      });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        this.paint();
      }
    } catch (error) {
      if (error.name !== "AbortError") console.warn("waveform:", error.message);
    }
  }

  draw(ctx, width, height) {
    const view = this.view;
    ctx.clearRect(0, 0, width, height);
    ctx.fillStyle = css("--lane");
    ctx.fillRect(GUTTER_PX, 0, width - GUTTER_PX, height);
    ctx.fillStyle = css("--muted");
    ctx.font = `600 11px ${css("--font")}`;
    ctx.textBaseline = "middle";
    ctx.fillText("MIX", 12, height / 2);
    const mid = height / 2;
    ctx.strokeStyle = css("--grid");
    ctx.beginPath();
    ctx.moveTo(GUTTER_PX, mid + 0.5);
    ctx.lineTo(width, mid + 0.5);
    ctx.stroke();
    const peaks = this.peaks;
    if (peaks && peaks.filled) {
      const playX = view.x(this.time, width);
      const scale = (height / 2 - 3) / Math.max(peaks.loudest, 1e-4); // the loudest moment fills the lane
      for (let x = GUTTER_PX; x < width; x += 1) {
        const a = Math.floor(view.t(x, width) / BUCKET_S);
        const b = Math.max(a + 1, Math.floor(view.t(x + 1, width) / BUCKET_S));
        let lo = 0;
        let hi = 0;
        for (let k = Math.max(a, 0); k < Math.min(b, peaks.filled); k += 1) {
          if (peaks.min[k] < lo) lo = peaks.min[k];
          if (peaks.max[k] > hi) hi = peaks.max[k];
        }
        if (hi - lo < 1e-6) continue;
        ctx.fillStyle = x < playX ? css("--wave-played") : css("--wave");
        ctx.fillRect(x, mid - hi * scale, 1, Math.max(1, (hi - lo) * scale));
      }
    } else if (this.sources.video) {
      ctx.fillStyle = css("--muted");
      ctx.fillText("reading the mix…", GUTTER_PX + 12, mid);
    }
    if (this.video.src) {
      const x = Math.round(view.x(this.time, width)) + 0.5;
      drawPlayhead(ctx, x, height);
    }
  }
}

/** A streaming WAV reader that keeps only min/max of the channels' mean per BUCKET_S. */
class WavPeaks {
  constructor(onReady) {
    this.onReady = onReady;
    this.head = new Uint8Array(0); // bytes before the data chunk
    this.format = null;
    this.carry = new Uint8Array(0); // a partial frame between chunks
    this.frame = 0;
    this.peaks = null;
  }

  push(bytes) {
    if (!this.peaks) {
      this.head = concat(this.head, bytes);
      if (!this.parseHeader()) return;
      bytes = this.head.subarray(this.dataAt);
      this.head = null;
    }
    this.samples(concat(this.carry, bytes));
  }

  parseHeader() {
    const b = this.head;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (b.length < 12) return false;
    let at = 12;
    while (at + 8 <= b.length) {
      const id = String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
      const size = dv.getUint32(at + 4, true);
      if (id === "fmt ") {
        if (at + 8 + 16 > b.length) return false;
        let tag = dv.getUint16(at + 8, true);
        const channels = dv.getUint16(at + 10, true);
        const sr = dv.getUint32(at + 12, true);
        const bits = dv.getUint16(at + 22, true);
        if (tag === 0xfffe && at + 8 + 26 <= b.length) tag = dv.getUint16(at + 8 + 24, true);
        this.format = { tag, channels, sr, bits, bytes: bits / 8 };
      } else if (id === "data") {
        if (!this.format) return false;
        const f = this.format;
        const n = Math.ceil((size / (f.bytes * f.channels) / f.sr) / BUCKET_S) + 1;
        this.perBucket = Math.max(1, Math.round(f.sr * BUCKET_S));
        this.peaks = { min: new Float32Array(n), max: new Float32Array(n), filled: 0, loudest: 0 };
        this.dataAt = at + 8;
        this.onReady(this.peaks);
        return true;
      }
      at += 8 + size + (size % 2);
    }
    return false;
  }

  samples(bytes) {
    const f = this.format;
    const frameBytes = f.bytes * f.channels;
    const whole = bytes.length - (bytes.length % frameBytes);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, whole);
    const p = this.peaks;
    for (let at = 0; at < whole; at += frameBytes) {
      let sum = 0;
      for (let c = 0; c < f.channels; c += 1) sum += sample(dv, at + c * f.bytes, f);
      const v = sum / f.channels;
      const k = Math.floor(this.frame / this.perBucket);
      if (k < p.min.length) {
        if (v < p.min[k]) p.min[k] = v;
        if (v > p.max[k]) p.max[k] = v;
        if (Math.abs(v) > p.loudest) p.loudest = Math.abs(v);
        p.filled = k + 1;
      }
      this.frame += 1;
    }
    this.carry = bytes.slice(whole);
  }
}

function sample(dv, at, f) {
  if (f.tag === 3) return f.bits === 64 ? dv.getFloat64(at, true) : dv.getFloat32(at, true);
  if (f.bits === 16) return dv.getInt16(at, true) / 32768;
  if (f.bits === 24) {
    const v = dv.getUint8(at) | (dv.getUint8(at + 1) << 8) | (dv.getInt8(at + 2) << 16);
    return v / 8388608;
  }
  if (f.bits === 32) return dv.getInt32(at, true) / 2147483648;
  return (dv.getUint8(at) - 128) / 128;
}

function concat(a, b) {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

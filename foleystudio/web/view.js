// The time window the waveform and the timeline share (so a sound sits under its event), and the
// canvas plumbing both use: sharp on any screen, redrawn when resized.

export const GUTTER_PX = 92; // the lane labels' column, left of time zero in both canvases

export class TimeView {
  constructor() {
    this.duration = 1;
    this.t0 = 0;
    this.t1 = 1;
    this.listeners = new Set();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    for (const listener of this.listeners) listener();
  }

  reset(duration) {
    this.duration = Math.max(duration, 0.01);
    this.t0 = 0;
    this.t1 = this.duration;
    this.changed();
  }

  get span() {
    return this.t1 - this.t0;
  }

  /** Show [t0, t0 + span], kept inside the video and never narrower than 50 ms. */
  set(t0, span) {
    span = Math.min(Math.max(span, 0.05), this.duration);
    this.t0 = Math.min(Math.max(t0, 0), this.duration - span);
    this.t1 = this.t0 + span;
    this.changed();
  }

  zoom(factor, aroundT = (this.t0 + this.t1) / 2) {
    const span = Math.min(Math.max(this.span / factor, 0.05), this.duration);
    const k = (aroundT - this.t0) / this.span;
    this.set(aroundT - k * span, span);
  }

  fit() {
    this.set(0, this.duration);
  }

  /** While playing: turn the page when the playhead leaves the window. */
  follow(t) {
    if (this.span >= this.duration) return;
    if (t < this.t0 || t > this.t1) this.set(t - this.span * 0.1, this.span);
  }

  x(t, width) {
    return GUTTER_PX + ((t - this.t0) / this.span) * (width - GUTTER_PX);
  }

  t(x, width) {
    return this.t0 + ((x - GUTTER_PX) / (width - GUTTER_PX)) * this.span;
  }

  pxPerS(width) {
    return (width - GUTTER_PX) / this.span;
  }
}

/** A canvas drawn at the screen's pixel density; `draw(ctx, width, height)` in CSS pixels. */
export function sharpCanvas(canvas, draw) {
  const paint = () => {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    if (!width || !height) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    draw(ctx, width, height);
  };
  new ResizeObserver(paint).observe(canvas);
  return paint;
}

/** 83.25 -> "1:23.250" */
export function formatTime(t) {
  const sign = t < 0 ? "-" : "";
  t = Math.abs(t);
  const m = Math.floor(t / 60);
  return `${sign}${m}:${(t - m * 60).toFixed(3).padStart(6, "0")}`;
}

export const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// the playhead: a vertical line at x (already on the half pixel) across the canvas
export function drawPlayhead(ctx, x, height) {
  ctx.strokeStyle = css("--playhead");
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x, 0);
  ctx.lineTo(x, height);
  ctx.stroke();
  ctx.lineWidth = 1;
}

// The timeline: a ruler, the shots (surface and what the place sounds like), and a lane per
// person and layer with every event. Click to seek (an event: select it and seek to it), drag an
// event to nudge it (on the sample), double-click an event to turn it off or on, double-click an
// empty spot to add a step there, Shift-drag to mark a time range, Ctrl/⌘-wheel to zoom.

import { GUTTER_PX, css, drawPlayhead, formatTime, sharpCanvas } from "./view.js";
import { SR, onSample, sampleOf } from "./edits.js";

const RULER_PX = 22;
const SHOTS_PX = 26;
const LANE_PX = 40;
const HIT_PX = 8;
const DRAG_START_PX = 3;

export class Timeline {
  constructor({ canvas, view, colorOf, onSeek, onSelect, onPlace, onToggle, onAdd, onRange }) {
    Object.assign(this, { canvas, view, colorOf, onSeek, onSelect, onPlace, onToggle, onAdd, onRange });
    this.items = [];
    this.lanes = []; // { person, layer, top }
    this.shots = [];
    this.ranges = [];
    this.duration = 0;
    this.fps = 30;
    this.playhead = 0;
    this.selected = null; // an item's key
    this.drag = null; // { item, startX, t, moved }
    this.range = null; // [t0, t1] marked with Shift-drag
    this.paint = sharpCanvas(canvas, (ctx, w, h) => this.draw(ctx, w, h));
    view.onChange(() => this.paint());
    this.listen();
  }

  /** `lanes`: [{person, layer}] in order (person -1: sounds of no one, e.g. an object's impact). */
  setData({ items, shots, ranges, duration, fps, lanes }) {
    Object.assign(this, { items, shots, ranges, duration, fps });
    this.lanes = [];
    let top = RULER_PX + SHOTS_PX;
    for (const { person, layer } of lanes) {
      this.lanes.push({ person, layer, top });
      top += LANE_PX;
    }
    const height = Math.max(top, RULER_PX + SHOTS_PX + LANE_PX) + 4;
    if (this.canvas.style.height !== `${height}px`) this.canvas.style.height = `${height}px`;
    if (this.selected && !items.some((i) => i.key === this.selected)) this.selected = null;
    this.canvas.dataset.events = String(items.length);
    this.paint();
  }

  setPlayhead(t) {
    this.playhead = t;
    this.paint();
  }

  select(key) {
    this.selected = key;
    this.paint();
  }

  get width() {
    return this.canvas.getBoundingClientRect().width;
  }

  laneOf(item) {
    return this.lanes.find((l) => l.person === item.person && l.layer === item.layer);
  }

  /** Where an event's handle is, in CSS pixels from the canvas's top left (for tests and tooltips). */
  hitbox(key) {
    const item = this.items.find((i) => i.key === key);
    const lane = item && this.laneOf(item);
    if (!lane) return null;
    return { x: this.view.x(item.t, this.width), y: lane.top + this.headY(item) };
  }

  headY(item) {
    return LANE_PX * (item.foot === "left" ? 0.36 : item.foot === "right" ? 0.64 : 0.5);
  }

  hit(x, y) {
    const lane = this.lanes.find((l) => y >= l.top && y < l.top + LANE_PX);
    if (!lane) return { lane: null, item: null };
    let best = null;
    let bestD = HIT_PX;
    for (const item of this.items) {
      if (item.person !== lane.person || item.layer !== lane.layer) continue;
      const d = Math.abs(this.view.x(item.t, this.width) - x);
      if (d <= bestD) {
        best = item;
        bestD = d;
      }
    }
    return { lane, item: best };
  }

  listen() {
    const c = this.canvas;
    c.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      const { offsetX: x, offsetY: y } = event;
      c.setPointerCapture(event.pointerId);
      c.focus({ preventScroll: true });
      if (x < GUTTER_PX) return;
      const { lane, item } = this.hit(x, y);
      if (item) {
        this.drag = { item, startX: x, t: item.t, moved: false };
        return;
      }
      const t = this.clamp(this.view.t(x, this.width));
      if (lane && event.shiftKey) {
        this.range = [t, t];
        this.drag = { range: true, from: t };
        return;
      }
      this.drag = { seek: true };
      this.onSeek(t);
    });
    c.addEventListener("pointermove", (event) => {
      const { offsetX: x, offsetY: y } = event;
      const d = this.drag;
      if (!d) {
        const { item } = this.hit(x, y);
        c.style.cursor = item ? "grab" : x > GUTTER_PX ? "text" : "default";
        c.title = item ? describe(item) : "";
        return;
      }
      if (d.seek) {
        this.onSeek(this.clamp(this.view.t(x, this.width)));
      } else if (d.range) {
        const t = this.clamp(this.view.t(x, this.width));
        this.range = [Math.min(d.from, t), Math.max(d.from, t)];
        this.paint();
      } else if (d.item && (d.moved || Math.abs(x - d.startX) >= DRAG_START_PX)) {
        d.moved = true;
        c.style.cursor = "grabbing";
        const samples = sampleOf(d.item.t) + Math.round(((x - d.startX) / this.view.pxPerS(this.width)) * SR);
        d.t = this.clamp(onSample(samples));
        this.paint();
      }
    });
    const end = () => {
      const d = this.drag;
      this.drag = null;
      if (!d) return;
      if (d.range) {
        if (this.range && this.range[1] - this.range[0] > 0.01) this.onRange([...this.range]);
        else this.range = null;
        this.paint();
      } else if (d.item && d.moved) {
        this.onPlace(d.item, d.t);
      } else if (d.item) {
        this.onSelect(d.item);
        this.onSeek(d.item.t);
      }
    };
    c.addEventListener("pointerup", end);
    c.addEventListener("pointercancel", () => {
      this.drag = null;
      this.paint();
    });
    c.addEventListener("dblclick", (event) => {
      const { lane, item } = this.hit(event.offsetX, event.offsetY);
      if (item) this.onToggle(item);
      else if (lane && lane.layer === "footsteps" && event.offsetX > GUTTER_PX) {
        this.onAdd(lane.person, this.clamp(this.view.t(event.offsetX, this.width)));
      }
    });
    c.addEventListener("wheel", (event) => {
      const t = this.view.t(event.offsetX, this.width);
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        this.view.zoom(Math.exp(-event.deltaY * 0.002), t);
      } else if (Math.abs(event.deltaX) > Math.abs(event.deltaY)) {
        event.preventDefault();
        this.view.set(this.view.t0 + (event.deltaX / this.view.pxPerS(this.width)), this.view.span);
      }
    }, { passive: false });
  }

  clamp(t) {
    return Math.min(Math.max(t, 0), Math.max(0, this.duration - 1 / SR));
  }

  clearRange() {
    this.range = null;
    this.paint();
  }

  draw(ctx, width, height) {
    const view = this.view;
    ctx.clearRect(0, 0, width, height);
    ctx.font = `12px ${css("--font")}`;
    ctx.textBaseline = "middle";
    if (!this.duration) return;
    this.drawRuler(ctx, width);
    this.drawShots(ctx, width);
    for (const lane of this.lanes) this.drawLane(ctx, width, lane);
    this.drawRanges(ctx, width, height);
    const byKey = new Map(this.items.map((i) => [i.key, i]));
    for (const item of this.items) {
      if (this.drag?.item?.key === item.key && this.drag.moved) continue;
      this.drawEvent(ctx, width, item, item.t);
    }
    if (this.drag?.item && this.drag.moved) {
      const item = byKey.get(this.drag.item.key) || this.drag.item;
      this.drawEvent(ctx, width, item, this.drag.t, true);
      const lane = this.laneOf(item);
      const dt = (sampleOf(this.drag.t) - sampleOf(item.t)) / SR;
      const x = view.x(this.drag.t, width);
      const label = `${dt >= 0 ? "+" : ""}${(dt * 1000).toFixed(1)} ms`;
      ctx.font = `600 11px ${css("--font")}`;
      const w = ctx.measureText(label).width + 10;
      ctx.fillStyle = css("--tooltip");
      ctx.fillRect(Math.min(x + 8, width - w), lane.top + 2, w, 16);
      ctx.fillStyle = css("--text");
      ctx.fillText(label, Math.min(x + 13, width - w + 5), lane.top + 10);
    }
    const x = Math.round(view.x(this.playhead, width)) + 0.5;
    if (x >= GUTTER_PX) {
      drawPlayhead(ctx, x, height);
      ctx.fillStyle = css("--playhead");
      ctx.beginPath();
      ctx.moveTo(x - 5, 0);
      ctx.lineTo(x + 5, 0);
      ctx.lineTo(x, 7);
      ctx.fill();
    }
  }

  drawRuler(ctx, width) {
    const view = this.view;
    const pxPerS = view.pxPerS(width);
    const steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
    const step = steps.find((s) => s * pxPerS >= 64) || 600;
    ctx.fillStyle = css("--panel-2");
    ctx.fillRect(GUTTER_PX, 0, width - GUTTER_PX, RULER_PX);
    ctx.strokeStyle = css("--grid");
    ctx.fillStyle = css("--muted");
    ctx.font = `11px ${css("--mono")}`;
    const frameTicks = pxPerS / this.fps >= 6;
    const minor = frameTicks ? 1 / this.fps : step / 5;
    ctx.beginPath();
    for (let k = Math.ceil(view.t0 / minor); k * minor <= view.t1; k += 1) {
      const x = Math.round(view.x(k * minor, width)) + 0.5;
      ctx.moveTo(x, RULER_PX - 4);
      ctx.lineTo(x, RULER_PX);
    }
    ctx.stroke();
    ctx.beginPath();
    for (let k = Math.ceil(view.t0 / step); k * step <= view.t1 + 1e-9; k += 1) {
      const t = k * step;
      const x = Math.round(view.x(t, width)) + 0.5;
      ctx.moveTo(x, 6);
      ctx.lineTo(x, RULER_PX);
      const digits = step < 0.01 ? 3 : step < 0.1 ? 2 : step < 1 ? 1 : 0;
      ctx.fillText(step >= 60 ? formatTime(t).replace(/\.\d+$/, "") : `${t.toFixed(digits)} s`, x + 4, 10);
    }
    ctx.stroke();
    ctx.font = `12px ${css("--font")}`;
  }

  drawShots(ctx, width) {
    const view = this.view;
    const top = RULER_PX;
    ctx.fillStyle = css("--muted");
    ctx.font = `600 11px ${css("--font")}`;
    ctx.fillText("SHOTS", 12, top + SHOTS_PX / 2);
    ctx.font = `12px ${css("--font")}`;
    this.shots.forEach((shot, k) => {
      const x0 = Math.max(view.x(shot.start_s, width), GUTTER_PX);
      const x1 = Math.min(view.x(shot.end_s, width), width);
      if (x1 <= x0) return;
      ctx.fillStyle = k % 2 ? css("--shot-b") : css("--shot-a");
      ctx.fillRect(x0, top + 2, x1 - x0 - 1, SHOTS_PX - 4);
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, top, x1 - x0 - 6, SHOTS_PX);
      ctx.clip();
      ctx.fillStyle = css("--text");
      ctx.fillText(shotLabel(shot), x0 + 8, top + SHOTS_PX / 2);
      ctx.restore();
    });
  }

  drawLane(ctx, width, lane) {
    const { person, layer, top } = lane;
    ctx.fillStyle = css("--lane");
    ctx.fillRect(GUTTER_PX, top + 1, width - GUTTER_PX, LANE_PX - 2);
    ctx.fillStyle = this.colorOf(person);
    ctx.fillRect(0, top + 1, 4, LANE_PX - 2);
    ctx.font = `600 12px ${css("--font")}`;
    ctx.fillText(person >= 0 ? `P${person}` : "scene", 12, top + LANE_PX * 0.36);
    ctx.fillStyle = css("--muted");
    ctx.font = `11px ${css("--font")}`;
    ctx.fillText(layer, 12, top + LANE_PX * 0.7);
    ctx.strokeStyle = css("--grid");
    ctx.setLineDash([2, 4]);
    for (const f of [0.36, 0.64]) {
      ctx.beginPath();
      ctx.moveTo(GUTTER_PX, top + LANE_PX * f + 0.5);
      ctx.lineTo(width, top + LANE_PX * f + 0.5);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    if (layer === "footsteps" && !this.items.some((i) => i.person === person && i.layer === layer)) {
      ctx.fillStyle = css("--muted");
      ctx.fillText("no events: double-click to add a step", GUTTER_PX + 12, top + LANE_PX / 2);
    }
  }

  drawRanges(ctx, width) {
    const view = this.view;
    const bands = this.ranges.map((r) => ({ ...r, marked: false }));
    if (this.range) {
      bands.push({ start: this.range[0], end: this.range[1], person: null, label: "marked", marked: true });
    }
    for (const band of bands) {
      const x0 = Math.max(view.x(band.start, width), GUTTER_PX);
      const x1 = Math.min(view.x(band.end ?? this.duration, width), width);
      if (x1 <= x0) continue;
      const everyone = band.person === null || band.person === undefined;
      const lanes = this.lanes.filter((l) => everyone || l.person === band.person);
      for (const lane of lanes) {
        ctx.fillStyle = band.marked ? css("--range-marked") : css("--range");
        ctx.fillRect(x0, lane.top + 1, x1 - x0, LANE_PX - 2);
      }
      if (lanes.length) {
        ctx.fillStyle = css("--muted");
        ctx.font = `10px ${css("--font")}`;
        ctx.fillText(band.label, x0 + 4, lanes[0].top + 8);
      }
    }
  }

  drawEvent(ctx, width, item, t, dragging = false) {
    const lane = this.laneOf(item);
    if (!lane) return;
    const x = Math.round(this.view.x(t, width)) + 0.5;
    if (x < GUTTER_PX - 6 || x > width + 6) return;
    const color = this.colorOf(item.person);
    const y = lane.top + this.headY(item);
    ctx.globalAlpha = item.off ? 0.45 : 1;
    if (item.moved && item.t0 !== null && item.t0 !== undefined && !dragging) {
      const x0 = Math.round(this.view.x(item.t0, width)) + 0.5;
      ctx.strokeStyle = color;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.arc(x0, y, 4.5, 0, Math.PI * 2);
      ctx.moveTo(x0 + 5, y);
      ctx.lineTo(x - 6, y);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.strokeStyle = color;
    ctx.globalAlpha *= 0.55;
    ctx.beginPath();
    ctx.moveTo(x, lane.top + 3);
    ctx.lineTo(x, lane.top + LANE_PX - 3);
    ctx.stroke();
    ctx.globalAlpha = item.off ? 0.45 : 1;
    ctx.beginPath();
    if (item.added !== null) {
      ctx.moveTo(x, y - 7);
      ctx.lineTo(x + 7, y);
      ctx.lineTo(x, y + 7);
      ctx.lineTo(x - 7, y);
      ctx.closePath();
    } else if (item.kind === "scuff") {
      ctx.rect(x - 8, y - 3, 16, 6);
    } else if (item.layer === "specifics") {
      ctx.rect(x - 5, y - 5, 10, 10);
    } else {
      ctx.arc(x, y, item.kind === "landing" ? 7 : 5.5, 0, Math.PI * 2);
    }
    if (item.off) {
      ctx.lineWidth = 1.5;
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x - 6, y + 6);
      ctx.lineTo(x + 6, y - 6);
      ctx.stroke();
      ctx.lineWidth = 1;
    } else {
      ctx.fillStyle = color;
      ctx.fill();
    }
    if (this.selected === item.key || dragging) {
      ctx.strokeStyle = css("--text");
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 10, 0, Math.PI * 2);
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    ctx.globalAlpha = 1;
  }
}

export function shotLabel(shot) {
  const where = shot.indoor === true ? "indoor" : shot.indoor === false ? "outdoor" : "";
  const surface = shot.surface ? `${shot.surface}${shot.surface_confident ? "" : "?"}` : "";
  const light = shot.lighting !== "normal" ? shot.lighting : "";
  const beds = shot.beds?.length ? `bed: ${shot.beds.join(" / ")}` : "";
  return [surface, where, shot.environment, light, beds].filter(Boolean).join(" · ");
}

export function describe(item) {
  const what = item.kind === "step" ? `${item.foot} step` : item.kind;
  const state = item.off ? " (off)" : item.added !== null ? " (added)" : item.moved ? " (moved)" : "";
  const sound = item.layer === "specifics" ? (item.material ? ` · ${item.material}` : "")
    : item.surface ? ` · ${item.surface}${item.footwear ? ", " + item.footwear : ""}` : "";
  const who = item.person >= 0 ? `P${item.person}` : "Scene";
  return `${who} ${what} at ${item.t.toFixed(3)} s${state}${sound}`;
}

// The page: wires the modules together. The server holds the state (jobs, their results, the
// stored edits document); the page re-reads it after every change and keeps only the draft the
// user is working on.

import { ApiError, getJSON } from "./api.js";
import { Controls } from "./controls.js";
import * as edits from "./edits.js";
import { JobList, isActive, stageLabel } from "./jobs.js";
import { Player } from "./player.js";
import { Timeline, describe } from "./timeline.js";
import { setupUpload, uploadStatus } from "./upload.js";
import { TimeView, formatTime } from "./view.js";

const $ = (id) => document.getElementById(id);

const state = {
  job: null,
  loadedKey: null, // which results are shown: job id, edits version, finish time
  stored: edits.emptyDocument(), // the server's edits document
  storedVersion: 0,
  draft: edits.emptyDocument(), // what the user is changing
  drafts: new Map(), // job id -> a draft with unsaved changes, kept while other jobs are open
  rendered: null, // the current events file
  detected: { events: new Map() },
  items: [],
  selected: null,
  rendering: null, // { version, startedAt, sent } while a re-render the page asked for runs
  status: "",
};

const vocabulary = await (await fetch("vocabulary.json")).json();
const colorOf = (person) => {
  const n = vocabulary.person_colors.length;
  const [, [r, g, b]] = vocabulary.person_colors[((person % n) + n) % n]; // -1, the scene: the last colour
  return `rgb(${r}, ${g}, ${b})`;
};

const view = new TimeView();
const player = new Player({
  video: $("video"), playButton: $("play"), prevButton: $("prev-frame"), nextButton: $("next-frame"),
  timeLabel: $("time"), pictureSelect: $("picture"), canvas: $("waveform"), view,
  onTime: (t) => timeline.setPlayhead(t),
});
const timeline = new Timeline({
  canvas: $("timeline"), view, colorOf,
  onSeek: (t) => player.seek(t),
  onSelect: (item) => select(item.key),
  onPlace: (item, t) => change((d) => edits.place(d, item, t, duration()), item.key),
  onToggle: (item) => toggle(item),
  onAdd: (person, t) => addStep(person, t),
  onRange: () => refresh(),
});
const controls = new Controls({
  root: $("controls"), vocabulary, colorOf,
  onChange: (mutate) => change(mutate),
  onRender: () => rerender(),
  onDiscard: () => {
    state.draft = edits.clone(state.stored);
    state.drafts.delete(state.job.id);
    refresh();
  },
  markedRange: () => timeline.range,
  playhead: () => player.time,
});
const jobs = new JobList({
  list: $("job-list"), empty: $("jobs-empty"),
  onOpen: (job) => open(job),
  onUpdate: (job) => update(job),
  onHealth: (ok) => ($("server-status").textContent = ok ? "" : "The server does not answer; trying again…"),
});

setupUpload({
  zone: $("drop-zone"), chooseButton: $("choose"), input: $("file"),
  options: () => ({
    stems_per_person: String($("stems-per-person").checked),
    scuffs: String($("scuffs").checked),
    export: $("with-preview").checked ? "all" : "csv,otio,edl,fcpxml,rpp,markers", // the preview is the slow part
  }),
  status: uploadStatus($("upload-progress")),
  onCreated: (job) => {
    jobs.upsert(job);
    jobs.open(job.id);
    jobs.poke();
  },
});

const duration = () => state.job?.video.duration_s || 0;

function open(job) {
  state.job = job;
  state.loadedKey = null;
  state.selected = null;
  state.rendering = null;
  state.status = "";
  $("welcome").hidden = !!job;
  $("stage").hidden = !job;
  $("tracks").hidden = !job;
  if (!job) {
    history.replaceState(null, "", location.pathname);
    player.clear();
    return;
  }
  history.replaceState(null, "", `#job=${job.id}`);
  view.reset(job.video.duration_s);
  player.clear();
  state.rendered = null;
  state.detected = { events: new Map() };
  state.stored = edits.emptyDocument();
  state.draft = state.drafts.get(job.id) || edits.emptyDocument();
  update(job);
}

/** The open job changed on the server (progress, finished, re-rendered). */
function update(job) {
  if (!state.job || job.id !== state.job.id) return;
  state.job = job;
  overlay(job);
  const key = `${job.id}:${job.edits_version}:${job.finished}`;
  if (job.state === "done" && job.results.length && key !== state.loadedKey) {
    state.loadedKey = key;
    loadResults(job);
  } else if (job.state === "failed" && state.rendering && job.edits_version >= state.rendering.version) {
    state.rendering = null;
    state.status = `The render failed: ${job.error}`;
  }
  refresh();
}

function overlay(job) {
  const box = $("job-overlay");
  const active = isActive(job);
  const show = active || job.state !== "done" || !job.results.length;
  box.hidden = !show || (state.rendering && job.results.length > 0); // a re-render keeps the picture
  box.dataset.state = job.state;
  box.querySelector(".overlay-title").textContent = active ? `${stageLabel(job)}…`
    : job.state === "failed" ? "This job failed" : job.state === "cancelled" ? "Cancelled" : "";
  box.querySelector(".overlay-bar span").style.width = `${job.percent}%`;
  box.querySelector(".overlay-detail").textContent = active ? `${Math.round(job.percent)}%` : job.error || "";
}

/** Each shot of the events file with the ambience beds under it (a cue can split a shot). */
function withBeds(rendered) {
  const beds = rendered?.ambience || [];
  for (const [k, shot] of (rendered?.shots || []).entries()) {
    shot.beds = beds.filter((bed) => bed.shot === k).map((bed) => bed.ambience.replace("_", " "));
  }
  return rendered;
}

async function loadResults(job) {
  const mine = state.rendering && job.edits_version >= state.rendering.version;
  try {
    const [{ version, document }, rendered, detected] = await Promise.all([
      getJSON(`/api/jobs/${job.id}/edits`),
      resultJSON(job, "events"),
      // a job made before the detected events were kept has none until its next render: its results stand in
      getJSON(`/api/jobs/${job.id}/edits/detected`).catch(() => null),
    ]);
    if (state.job?.id !== job.id) return;
    state.stored = edits.complete(document);
    state.storedVersion = version;
    const editedSince = mine && JSON.stringify(state.draft) !== state.rendering.sent;
    if (mine && !editedSince) state.drafts.delete(job.id);
    state.draft = state.drafts.has(job.id) ? state.drafts.get(job.id) : edits.clone(state.stored);
    state.rendered = withBeds(rendered);
    state.detected = edits.detectedEvents(detected ?? rendered);
    if (mine) {
      const seconds = (performance.now() - state.rendering.startedAt) / 1000;
      state.status = `Rendered in ${seconds.toFixed(1)} s`;
      state.rendering = null;
    }
    const url = (kind) => {
      const file = job.results.find((f) => f.kind === kind);
      return file ? `${file.url}?r=${job.edits_version}.${job.finished}` : null;
    };
    await player.load(job, { video: url("video"), preview: url("preview"), mix: url("mix") }, { keepTime: true });
  } catch (error) {
    state.status = `Could not read the results: ${error.message}`;
  }
  refresh();
}

async function resultJSON(job, kind) {
  const file = job.results.find((f) => f.kind === kind);
  return file ? getJSON(`${file.url}?r=${job.edits_version}.${job.finished}`) : null;
}

/** Apply `mutate` to the draft, redraw; optionally select an item afterwards. */
function change(mutate, selectKey) {
  if (!state.job) return;
  mutate(state.draft);
  if (selectKey !== undefined) state.selected = selectKey;
  keepDraft();
  refresh();
}

/** A draft with changes is kept per job (switching jobs does not lose it; leaving the page asks). */
function keepDraft() {
  if (edits.countChanges(state.stored, state.draft)) state.drafts.set(state.job.id, state.draft);
  else state.drafts.delete(state.job.id);
}

function select(key) {
  state.selected = key;
  refresh();
}

function selectedItem() {
  return state.items.find((i) => i.key === state.selected) || null;
}

function toggle(item) {
  if (!item) return;
  change((d) => edits.toggle(d, item), item.added !== null ? null : item.key);
}

function nudge(samples) {
  const item = selectedItem();
  if (!item || item.off) return;
  change((d) => edits.nudge(d, item, samples, duration()));
}

function addStep(person, t) {
  if (!state.job) return;
  const k = edits.add(state.draft, state.items, person, t, duration());
  state.selected = `add${k}`;
  keepDraft();
  refresh();
}

async function rerender() {
  const job = state.job;
  if (!job || state.rendering || isActive(job)) return;
  state.rendering = {
    version: state.storedVersion + 1, startedAt: performance.now(), sent: JSON.stringify(state.draft),
  };
  state.status = "Rendering…";
  refresh();
  try {
    const preview = $("render-preview").checked ? "?preview=true" : ""; // the slow part: only when asked
    const queued = await getJSON(`/api/jobs/${job.id}/edits${preview}`, { method: "PUT", json: state.draft });
    state.rendering.version = queued.edits_version;
    jobs.upsert(queued);
  } catch (error) {
    state.rendering = null;
    state.status = error instanceof ApiError ? error.message : `The re-render was not sent: ${error.message}`;
    refresh();
  }
}

/** A footsteps lane per person; a specifics lane for each who has some, and one for sounds of no one. */
function lanes(who) {
  const specific = new Set(state.items.filter((i) => i.layer === "specifics").map((i) => i.person));
  const out = [];
  for (const person of who) {
    if (person >= 0) out.push({ person, layer: "footsteps" });
    if (specific.has(person)) out.push({ person, layer: "specifics" });
  }
  return out;
}

function people() {
  const seen = new Set([...state.detected.events.values()].map((e) => e.person));
  for (const a of state.draft.added) seen.add(a.person);
  for (const c of state.draft.cues) if (c.person !== null) seen.add(c.person);
  if (![...seen].some((p) => p >= 0)) seen.add(0);
  return [...seen].sort((a, b) => (a < 0) - (b < 0) || a - b); // people first, then the scene (-1)
}

/** Redraw everything from the state. */
function refresh() {
  const job = state.job;
  if (!job) return;
  state.items = edits.timelineItems(state.detected, state.draft, state.rendered);
  const who = people();
  const ranges = edits.rangeCues(state.draft).map(({ cue }) => ({
    start: cue.start, end: cue.end, person: cue.person,
    label: [cue.person === null ? "" : `P${cue.person}`, cue.surface, cue.footwear].filter(Boolean).join(" "),
  }));
  timeline.setData({
    items: state.items, shots: state.rendered?.shots || [], ranges, duration: job.video.duration_s,
    fps: job.video.fps, lanes: lanes(who),
  });
  const persons = who.filter((p) => p >= 0); // the scene (-1) has no surface, footwear or steps
  timeline.select(state.selected);
  const changes = edits.countChanges(state.stored, state.draft);
  const status = state.rendering && isActive(job) ? `Rendering… ${stageLabel(job)} ${Math.round(job.percent)}%`
    : state.status || (changes ? `${changes} unsaved change${changes > 1 ? "s" : ""}`
      : job.edits_version ? `Edit ${job.edits_version} rendered` : "");
  controls.show({
    job, draft: state.draft, changes, people: persons, busy: !!state.rendering, baseSeed: job.options.seed ?? 0, status,
  });
  inspector(persons);
  jobInfo(job);
}

function inspector(who) {
  const item = selectedItem();
  const info = $("event-info");
  const toggleButton = $("event-toggle");
  for (const id of ["nudge-earlier", "nudge-later", "event-toggle"]) $(id).disabled = !item;
  $("nudge-earlier").disabled = $("nudge-later").disabled = !item || item.off;
  if (item) {
    const frame = Math.floor(item.t * job().video.fps + 1e-6);
    const what = item.kind === "step" ? `${item.foot} step` : item.kind;
    const shift = item.moved && item.t0 !== null && item.t0 !== undefined ? ` ${signedMs(item.t - item.t0)}` : "";
    const flag = item.off ? " · off" : item.added !== null ? " · added" : "";
    const sound = item.surface ? ` · ${item.surface}${item.footwear ? "/" + item.footwear : ""}` : "";
    info.textContent =
      `${item.id || "new"} P${item.person} ${what} · ${item.t.toFixed(3)} s${shift} · f${frame}${flag}${sound}`;
    info.title = describe(item);
    toggleButton.textContent = item.added !== null ? "Remove" : item.off ? "Turn on" : "Turn off";
  } else {
    info.textContent = "Click an event to select it.";
    info.title = "";
    toggleButton.textContent = "Turn off";
  }
  $("event-reset").hidden = !(item && item.moved);
  const select = $("add-person");
  const key = who.join(",");
  if (select.dataset.people !== key) {
    select.dataset.people = key;
    const previous = select.value;
    select.replaceChildren(...who.map((p) => new Option(`P${p}`, String(p))));
    if (previous !== "" && who.includes(Number(previous))) select.value = previous;
  }
  if (item) select.value = String(item.person);
}

function jobInfo(job) {
  const v = job.video;
  const rows = [
    ["File", job.filename], ["Job", job.id], ["State", job.error ? `${job.state}: ${job.error}` : job.state],
    ["Video", `${v.width}×${v.height}, ${v.fps.toFixed(3)} fps, ${v.n_frames} frames, ${formatTime(v.duration_s)}`],
    ["Events", state.rendered ? `${state.rendered.events.length} rendered` : "–"],
    ["Options", Object.entries(job.options)
      .filter(([, x]) => x !== null && x !== false && !(Array.isArray(x) && !x.length))
      .map(([k, x]) => `${k}=${Array.isArray(x) ? x.join(",") : x}`).join("  ")],
    ["Edits", `version ${job.edits_version}`],
  ];
  for (const shot of state.rendered?.shots || []) {
    rows.push([`Shot ${shot.start_s.toFixed(2)}–${shot.end_s.toFixed(2)} s`,
      `${shot.indoor ? "indoor" : "outdoor"}, ${shot.lighting} light, ground ${shot.surface} ` +
      `(${Math.round(shot.surface_probability * 100)}%${shot.surface_confident ? "" : ", unsure"})` +
      `${shot.environment ? `, ${shot.environment}` : ""}, footwear ${shot.footwear}`]);
  }
  for (const bed of state.rendered?.ambience || []) {
    rows.push([`Ambience ${bed.start_s.toFixed(2)}–${bed.end_s.toFixed(2)} s`,
      `${bed.ambience.replace("_", " ")} (${bed.source}` +
      `${bed.source === "estimate" && bed.seen.length ? ": " + bed.seen.join(", ") : ""})`]);  // what led to it
  }
  const music = state.rendered?.music;
  if (music) {
    const keys = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
    rows.push(["Music", `${music.style}, ${Math.round(music.tempo_bpm)} bpm, ${keys[music.key]} ${music.mode}` +
      `${music.accents_s.length ? `, ${music.accents_s.length} accents on cuts` : ""}`]);
  }
  if (state.rendered?.loudness_lufs != null) rows.push(["Loudness", `${state.rendered.loudness_lufs} LUFS`]);
  $("job-info").replaceChildren(...rows.flatMap(([k, x]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = x;
    return [dt, dd];
  }));
}

const job = () => state.job;
const signedMs = (dt) => `${dt >= 0 ? "+" : "−"}${Math.abs(dt * 1000).toFixed(1)} ms`;
const frameSamples = () => Math.round(edits.SR / (state.job?.video.fps || 30));

$("nudge-earlier").addEventListener("click", (e) => nudge(e.shiftKey ? -48 : -frameSamples()));
$("nudge-later").addEventListener("click", (e) => nudge(e.shiftKey ? 48 : frameSamples()));
$("event-toggle").addEventListener("click", () => toggle(selectedItem()));
$("event-reset").addEventListener("click", () => {
  const item = selectedItem();
  if (item) change((d) => { delete d.moved[item.id]; });
});
$("add-step").addEventListener("click", () => addStep(Number($("add-person").value || 0), player.time));
$("zoom-in").addEventListener("click", () => view.zoom(2, player.time));
$("zoom-out").addEventListener("click", () => view.zoom(0.5, player.time));
$("zoom-fit").addEventListener("click", () => view.fit());
$("shortcuts").addEventListener("click", () => $("shortcuts-dialog").showModal());

function step(direction) {
  const items = state.items;
  if (!items.length) return;
  const k = items.findIndex((i) => i.key === state.selected);
  const next = k < 0 ? (direction > 0 ? items.find((i) => i.t >= player.time) || items[0]
    : [...items].reverse().find((i) => i.t <= player.time) || items[items.length - 1])
    : items[Math.min(Math.max(k + direction, 0), items.length - 1)];
  select(next.key);
  player.seek(next.t);
}

window.addEventListener("keydown", (event) => {
  const target = event.target;
  if (target.closest && target.closest("input, select, textarea, dialog")) return;
  if (event.ctrlKey || event.metaKey || !state.job) return;
  const onButton = target.tagName === "BUTTON";
  const handled = {
    Space: () => !onButton && player.toggle(),
    KeyK: () => player.toggle(),
    ArrowLeft: () => (event.altKey ? nudge(-frameSamples())
      : event.shiftKey ? player.seek(player.time - 1) : player.step(-1)),
    ArrowRight: () => (event.altKey ? nudge(frameSamples())
      : event.shiftKey ? player.seek(player.time + 1) : player.step(1)),
    Comma: () => nudge(event.shiftKey ? -48 : -frameSamples()),
    Period: () => nudge(event.shiftKey ? 48 : frameSamples()),
    BracketLeft: () => step(-1),
    BracketRight: () => step(1),
    KeyX: () => toggle(selectedItem()),
    Delete: () => toggle(selectedItem()),
    Backspace: () => toggle(selectedItem()),
    KeyA: () => addStep(selectedItem()?.person ?? Number($("add-person").value || 0), player.time),
    KeyR: () => rerender(),
    Equal: () => view.zoom(2, player.time),
    NumpadAdd: () => view.zoom(2, player.time),
    Minus: () => view.zoom(0.5, player.time),
    NumpadSubtract: () => view.zoom(0.5, player.time),
    Digit0: () => view.fit(),
    Escape: () => {
      state.selected = null;
      timeline.clearRange();
      refresh();
    },
    Slash: () => event.shiftKey && $("shortcuts-dialog").showModal(),
  }[event.code];
  if (!handled) return;
  if (event.code === "Space" && onButton) return; // the button's own Space press
  event.preventDefault();
  handled();
});

window.addEventListener("beforeunload", (event) => {
  if (state.drafts.size) event.preventDefault(); // unsaved edits: the browser asks before leaving
});

// A handle for the browser tests and the screenshot script (the timeline is a canvas).
window.foleystudio = { state, timeline, player, view, jobs };
// Every handler is wired (the module awaits the vocabulary first, so the page can show before it is)
document.documentElement.dataset.ready = "true";

async function start() {
  await jobs.poll(); // the first look; it schedules the next
  const wanted = new URLSearchParams(location.hash.slice(1)).get("job");
  const first = jobs.jobs.get(wanted) || [...jobs.jobs.values()][0];
  if (first) jobs.open(first.id);
}

start();

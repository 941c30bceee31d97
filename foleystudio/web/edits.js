// The edits document (schema foleystudio.edits.1) the page works on: the stored one, the draft
// the user is changing, and what the timeline shows from them. Times are put on the sample
// (48 kHz) so a nudge by n samples moves the sound by exactly n samples. No DOM here.

export const SR = 48000;
export const SCHEMA = "foleystudio.edits.1";

export function emptyDocument() {
  return { schema: SCHEMA, off: [], moved: {}, added: [], cues: [], levels: {}, mute: [], seed: null };
}

/** The document with every key, cue and added event in the form the server stores (nulls, not absences). */
export function complete(document) {
  const d = { ...emptyDocument(), ...(document || {}), schema: SCHEMA };
  return { ...d, off: [...d.off], moved: { ...d.moved }, added: d.added.map(fullAdded), cues: d.cues.map(fullCue),
           levels: { ...d.levels }, mute: [...d.mute] };
}

export function fullCue(c) {
  return { start: c.start ?? 0, end: c.end ?? null, person: c.person ?? null, surface: c.surface || null,
           footwear: c.footwear || null, material: c.material || null, ambience: c.ambience || null };
}

export function fullAdded(a) {
  return { t: a.t, person: a.person ?? 0, foot: a.foot || "unknown", kind: a.kind || "step",
           surface: a.surface || null, footwear: a.footwear || null };
}

export const clone = (document) => JSON.parse(JSON.stringify(document));

/** A time on the sample, written as the events file writes it (to the microsecond). */
export const onSample = (samples) => Math.round(samples) / SR;
export const sampleOf = (t) => Math.round(t * SR);
export const tidy = (t) => Number(t.toFixed(6));

/** How many things differ between two documents (for "3 changes"). */
export function countChanges(a, b) {
  const apart = (x, y) => x.filter((v) => !y.includes(v)).length + y.filter((v) => !x.includes(v)).length;
  const json = (xs) => xs.map((x) => JSON.stringify(x));
  let n = apart(a.off, b.off) + apart(a.mute, b.mute) + apart(json(a.added), json(b.added))
    + apart(json(a.cues), json(b.cues));
  const ids = new Set([...Object.keys(a.moved), ...Object.keys(b.moved)]);
  for (const id of ids) if (a.moved[id] !== b.moved[id]) n += 1;
  const layers = new Set([...Object.keys(a.levels), ...Object.keys(b.levels)]);
  for (const layer of layers) if ((a.levels[layer] ?? 0) !== (b.levels[layer] ?? 0)) n += 1;
  if ((a.seed ?? null) !== (b.seed ?? null)) n += 1;
  return n;
}

/**
 * The analysis's own events (id -> its row: t, person, foot, kind, layer, surface...) from the job's detected events
 * (GET /api/jobs/{id}/edits/detected): every event the machine found, at its own time, whether the
 * edits turned it off or moved it or not.
 */
export function detectedEvents(detected) {
  const known = new Map();
  for (const e of detected?.events || []) {
    known.set(e.id, { ...e, layer: e.layer || "footsteps" });
  }
  return { events: known };
}

/** The timeline's items: the analysis's events with the draft applied, then the added ones. */
export function timelineItems(detected, draft, rendered) {
  const byId = new Map((rendered?.events || []).map((e) => [e.id, e]));
  const added = (rendered?.events || []).filter((e) => /^u\d+$/.test(e.id)); // steps the user added
  const items = [];
  for (const e of detected.events.values()) {
    const movedTo = draft.moved[e.id];
    const t = movedTo ?? e.t ?? byId.get(e.id)?.t;
    if (t === null || t === undefined) continue;
    const r = byId.get(e.id);
    items.push({
      key: e.id, id: e.id, t, t0: e.t, person: e.person, foot: e.foot, kind: e.kind, layer: e.layer,
      off: draft.off.includes(e.id), moved: movedTo !== undefined, added: null,
      surface: r?.surface ?? e.surface, footwear: r?.footwear ?? e.footwear, material: r?.material ?? e.material,
      surfaceSource: r?.surface_source ?? e.surface_source, confidence: r?.confidence ?? e.confidence,
    });
  }
  draft.added.forEach((a, k) => {
    const r = added.find((e) => e.person === (a.person ?? 0) && Math.abs(e.t - a.t) < 5e-4);
    items.push({
      key: `add${k}`, id: r?.id || null, t: a.t, t0: a.t, person: a.person ?? 0, foot: a.foot || "unknown",
      kind: a.kind || "step", layer: "footsteps", off: false, moved: false, added: k,
      surface: a.surface || r?.surface, footwear: a.footwear || r?.footwear, surfaceSource: r?.surface_source,
      confidence: 1,
    });
  });
  return items.sort((a, b) => a.t - b.t);
}

/** Turn an event off or on; an added one is removed. */
export function toggle(draft, item) {
  if (item.added !== null) {
    draft.added.splice(item.added, 1);
  } else if (draft.off.includes(item.id)) {
    draft.off = draft.off.filter((id) => id !== item.id);
  } else {
    draft.off.push(item.id);
    delete draft.moved[item.id]; // an event is either off or moved
  }
}

/** Put an event at `t` (snapped to the sample, kept inside the video); its own time clears the move. */
export function place(draft, item, t, duration) {
  const last = sampleOf(duration) - 1;
  const samples = Math.min(Math.max(sampleOf(t), 0), last);
  const at = tidy(onSample(samples));
  if (item.added !== null) {
    draft.added[item.added] = { ...draft.added[item.added], t: at };
  } else if (item.t0 !== null && item.t0 !== undefined && samples === sampleOf(item.t0)) {
    delete draft.moved[item.id];
  } else {
    draft.moved[item.id] = at;
  }
  return at;
}

/** Move an event by a whole number of samples. */
export function nudge(draft, item, samples, duration) {
  return place(draft, item, onSample(sampleOf(item.t) + samples), duration);
}

/** A step for `person` at `t`, on the foot after the one they last put down. */
export function add(draft, items, person, t, duration) {
  const before = items.filter((i) => i.person === person && i.t <= t && !i.off).pop();
  const foot = before?.foot === "left" ? "right" : before?.foot === "right" ? "left" : "unknown";
  const samples = Math.min(Math.max(sampleOf(t), 0), sampleOf(duration) - 1);
  draft.added.push(fullAdded({ t: tidy(onSample(samples)), person, foot }));
  return draft.added.length - 1;
}

const wholeVideo = (c) => !c.start && c.end === null;

/** The cue for one person (null: everyone) over the whole video, or undefined. */
export function personCue(draft, person) {
  return draft.cues.find((c) => c.person === person && wholeVideo(c));
}

/** Set (or clear, with "") a person's (null: everyone's) surface or footwear for the whole video. */
export function setPersonChoice(draft, person, field, value) {
  let cue = personCue(draft, person);
  if (!cue) {
    if (!value) return;
    cue = fullCue({ person });
    draft.cues.unshift(cue); // whole-video cues first: a time range given later wins where they overlap
  }
  cue[field] = value || null;
  if (!cue.surface && !cue.footwear) draft.cues.splice(draft.cues.indexOf(cue), 1);
}

/** The time ranges (cues that do not cover the whole video), with their index in draft.cues. */
export function rangeCues(draft) {
  return draft.cues.map((cue, index) => ({ cue, index })).filter(({ cue }) => !wholeVideo(cue));
}

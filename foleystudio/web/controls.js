// The controls beside the player: surface and footwear per person or time range, layer levels and
// on/off, the seed, the re-render, and a download for every result. Every control changes the
// draft edits document through `onChange(mutate)`; "Re-render" stores it on the server.

import { mediaURL, token } from "./api.js";
import { fullCue, personCue, rangeCues, setPersonChoice } from "./edits.js";

const KINDS = {
  video: "Video with sound", mix: "Mix", stem: "Stem", events: "Events (JSON)", events_csv: "Events (CSV)",
  otio: "OpenTimelineIO", edl: "EDL (CMX 3600)", fcpxml: "Final Cut Pro 7 XML", rpp: "REAPER project",
  markers: "Markers", preview: "Annotated preview",
};

export class Controls {
  constructor({ root, vocabulary, colorOf, onChange, onRender, onDiscard, markedRange, playhead }) {
    Object.assign(this, { root, vocabulary, colorOf, onChange, onRender, onDiscard, markedRange, playhead });
    this.peopleKey = "";
    this.rangesKey = "";
    this.resultsKey = "";
    this.draft = null;
    this.duration = 0;
    root.querySelector("#render").addEventListener("click", () => this.onRender());
    root.querySelector("#discard").addEventListener("click", () => this.onDiscard());
    root.querySelector("#add-range").addEventListener("click", () => this.addRange());
    root.querySelector("#new-seed").addEventListener("click", () => {
      const seed = Math.floor(Math.random() * 100000);
      this.onChange((d) => { d.seed = seed; });
    });
    root.querySelector("#seed").addEventListener("change", (event) => {
      const value = event.target.value.trim();
      const seed = value === "" ? null : Math.max(0, Math.round(Number(value)));
      this.onChange((d) => { d.seed = Number.isFinite(seed) ? seed : null; });
    });
    for (const tab of root.querySelectorAll('[role="tab"]')) {
      tab.addEventListener("click", () => this.showTab(tab.id));
    }
    this.buildLayers();
  }

  showTab(id) {
    for (const tab of this.root.querySelectorAll('[role="tab"]')) {
      const on = tab.id === id;
      tab.setAttribute("aria-selected", String(on));
      document.getElementById(tab.getAttribute("aria-controls")).hidden = !on;
    }
  }

  /** Show the job's state: its draft, people, results and whether a render is under way. */
  show({ job, draft, changes, people, busy, status, baseSeed }) {
    this.draft = draft;
    this.duration = job.video.duration_s;
    this.fillPeople(people, draft);
    this.fillRanges(people, draft);
    this.fillLayers(draft);
    const seed = this.root.querySelector("#seed");
    if (document.activeElement !== seed) seed.value = draft.seed ?? "";
    seed.placeholder = `${baseSeed} (the job's)`;
    const render = this.root.querySelector("#render");
    render.disabled = busy || job.state === "queued" || job.state === "running" || !changes;
    render.textContent = busy ? "Rendering…" : changes ? `Re-render (${changes})` : "Re-render";
    this.root.querySelector("#discard").disabled = busy || !changes;
    this.root.querySelector("#render-status").textContent = status;
    this.fillDownloads(job);
  }

  fillPeople(people, draft) {
    const list = this.root.querySelector("#people");
    const key = people.join(",");
    if (key !== this.peopleKey) {
      this.peopleKey = key;
      list.replaceChildren(...[null, ...people].map((person) => this.personRow(person)));
    }
    for (const row of list.children) {
      const person = row.dataset.person === "" ? null : Number(row.dataset.person);
      const cue = personCue(draft, person);
      row.querySelector(".surface").value = cue?.surface || "";
      row.querySelector(".footwear").value = cue?.footwear || "";
    }
  }

  personRow(person) {
    const row = document.createElement("div");
    row.className = "person-row";
    row.dataset.person = person === null ? "" : String(person);
    const who = person === null ? "everyone" : `P${person}`;
    const swatch = person === null ? "" : `<span class="swatch" style="background:${this.colorOf(person)}"></span>`;
    row.innerHTML = `<span class="who">${swatch}${person === null ? "Everyone" : who}</span>`;
    for (const field of ["surface", "footwear"]) {
      const select = this.select(field, person === null ? "auto" : "as everyone");
      select.className = field;
      select.setAttribute("aria-label", `${field === "surface" ? "Surface" : "Footwear"} of ${who}`);
      select.addEventListener("change", () => this.onChange((d) => setPersonChoice(d, person, field, select.value)));
      row.append(select);
    }
    return row;
  }

  select(field, emptyLabel) {
    const select = document.createElement("select");
    const names = { surface: this.vocabulary.surfaces, footwear: this.vocabulary.footwear,
      ambience: this.vocabulary.ambiences }[field];
    select.append(new Option(emptyLabel, ""));
    for (const name of names) select.append(new Option(name, name));
    return select;
  }

  fillRanges(people, draft) {
    const list = this.root.querySelector("#ranges");
    const ranges = rangeCues(draft);
    const key = `${people.join(",")}|${ranges.map((r) => r.index).join(",")}`;
    if (key !== this.rangesKey) {
      this.rangesKey = key;
      list.replaceChildren(...ranges.map(({ index }, k) => this.rangeRow(index, k, people)));
    }
    this.root.querySelector("#ranges-empty").hidden = ranges.length > 0;
    ranges.forEach(({ cue }, k) => {
      const row = list.children[k];
      for (const [name, value] of [["start", cue.start], ["end", cue.end ?? ""], ["person", cue.person ?? ""],
        ["surface", cue.surface || ""], ["footwear", cue.footwear || ""], ["ambience", cue.ambience || ""]]) {
        const input = row.querySelector(`[name="${name}"]`);
        if (document.activeElement !== input) input.value = value;
      }
    });
  }

  rangeRow(index, k, people) {
    const row = document.createElement("div");
    row.className = "range-row";
    const n = k + 1;
    row.innerHTML = `
      <input name="start" type="number" min="0" step="0.01" aria-label="Range ${n} from (s)">
      <span class="dash">–</span>
      <input name="end" type="number" min="0" step="0.01" aria-label="Range ${n} to (s)" placeholder="end">
      <select name="person" aria-label="Range ${n} person"></select>`;
    const who = row.querySelector('[name="person"]');
    who.append(new Option("everyone", ""));
    for (const p of people) who.append(new Option(`P${p}`, String(p)));
    for (const field of ["surface", "footwear", "ambience"]) {
      const select = this.select(field, `${field}: as is`);
      select.name = field;
      select.setAttribute("aria-label", `Range ${n} ${field}`);
      row.append(select);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "icon";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove range ${n}`);
    remove.addEventListener("click", () => this.onChange((d) => d.cues.splice(index, 1)));
    row.append(remove);
    row.addEventListener("change", () => {
      const value = (name) => row.querySelector(`[name="${name}"]`).value;
      const start = Math.max(0, Number(value("start")) || 0);
      const end = value("end") === "" ? null : Number(value("end"));
      this.onChange((d) => {
        d.cues[index] = fullCue({
          start, end: end !== null && end > start ? end : null,
          person: value("person") === "" ? null : Number(value("person")),
          surface: value("surface"), footwear: value("footwear"), ambience: value("ambience"),
        });
      });
    });
    return row;
  }

  addRange() {
    const marked = this.markedRange();
    const t = this.playhead();
    const [start, end] = marked || [t, Math.min(t + 1, this.duration)];
    const surface = this.vocabulary.surfaces[0];
    this.onChange((d) => d.cues.push(fullCue({ start: round(start), end: round(end), surface })));
  }

  buildLayers() {
    const list = this.root.querySelector("#layers");
    const [low, high] = this.vocabulary.level_range_db;
    for (const layer of this.vocabulary.layers) {
      const row = document.createElement("div");
      row.className = "layer-row";
      row.dataset.layer = layer;
      row.innerHTML = `
        <label class="toggle"><input type="checkbox" class="on"> <span>${layer}</span></label>
        <input type="range" class="level" min="${low}" max="${high}" step="0.5" aria-label="Level of ${layer}">
        <output class="db"></output>`;
      const on = row.querySelector(".on");
      const level = row.querySelector(".level");
      const db = row.querySelector(".db");
      on.setAttribute("aria-label", `${layer} on`);
      level.addEventListener("input", () => (db.textContent = dbText(Number(level.value))));
      level.addEventListener("change", () => {
        const value = Number(level.value);
        this.onChange((d) => {
          if (value === 0) delete d.levels[layer];
          else d.levels[layer] = value;
        });
      });
      on.addEventListener("change", () => {
        this.onChange((d) => {
          d.mute = d.mute.filter((x) => x !== layer);
          if (!on.checked) d.mute.push(layer);
        });
      });
      list.append(row);
    }
  }

  fillLayers(draft) {
    for (const row of this.root.querySelectorAll(".layer-row")) {
      const value = draft.levels[row.dataset.layer] ?? 0;
      const off = draft.mute.includes(row.dataset.layer);
      row.querySelector(".on").checked = !off;
      const level = row.querySelector(".level");
      level.disabled = off;
      if (document.activeElement !== level) level.value = String(value);
      row.querySelector(".db").textContent = off ? "off" : dbText(value);
    }
  }

  fillDownloads(job) {
    const list = this.root.querySelector("#downloads");
    const key = JSON.stringify(job.results.map((f) => [f.name, f.bytes])) + job.updated;
    if (key === this.resultsKey) return;
    this.resultsKey = key;
    this.root.querySelector("#downloads-empty").hidden = job.results.length > 0;
    const base = job.filename.replace(/\.[^.]*$/, "") || "video";
    list.replaceChildren(...job.results.map((file) => {
      const name = `${base}_foley${file.name.slice(job.id.length)}`;
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `${file.url}?r=${job.updated}`;
      link.download = name;
      link.className = "download";
      link.dataset.kind = file.kind;
      const what = file.kind === "stem" ? `Stem: ${file.name.slice(job.id.length + 1, -4)}`
        : KINDS[file.kind] || file.kind;
      link.innerHTML = `<span class="what"></span><span class="file"></span><span class="size"></span>`;
      link.querySelector(".what").textContent = what;
      link.querySelector(".file").textContent = name;
      link.querySelector(".size").textContent = size(file.bytes);
      link.setAttribute("aria-label", `Download ${name}`);
      link.addEventListener("click", async (event) => {
        if (!token()) return; // a plain link: the browser downloads it
        event.preventDefault(); // a link cannot send the token: fetch it, then hand the browser a blob
        const url = await mediaURL(file.url);
        const a = Object.assign(document.createElement("a"), { href: url, download: name });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      });
      item.append(link);
      return item;
    }));
  }
}

const round = (t) => Math.round(t * 1000) / 1000;
const dbText = (db) => `${db > 0 ? "+" : ""}${db.toFixed(1)} dB`;

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

// The job list with live status. The open job is followed by its server-sent event stream; the
// list is polled, every 2 s while some other job is queued or running (never faster than the
// server's poll_after_s), backing off to once a minute when nothing moves, and not at all while
// the page is hidden: the page must not hammer the server.

import { ApiError, followEvents, getJSON, request } from "./api.js";

const ACTIVE = new Set(["queued", "running"]);
const FAST_S = 2;
const IDLE_FIRST_S = 5;
const IDLE_MAX_S = 60;
const STAGES = {
  queued: "queued", starting: "starting", pose: "finding people", decode: "reading frames",
  analysis: "analysis (cached)", scene: "reading the ground", render: "rendering", export: "writing files",
  preview: "making the preview", done: "done", failed: "failed", cancelled: "cancelled",
};

export const isActive = (job) => ACTIVE.has(job.state);
export const stageLabel = (job) => STAGES[job.stage] || job.stage;

export class JobList {
  constructor({ list, empty, onOpen, onUpdate, onHealth }) {
    Object.assign(this, { list, empty, onOpen, onUpdate, onHealth });
    this.jobs = new Map(); // id -> job, newest first
    this.items = new Map(); // id -> <li>
    this.openId = null;
    this.idleS = IDLE_FIRST_S;
    this.timer = null;
    this.following = null; // { id, controller }
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.poke();
    });
  }

  /** Poll now and go back to the fast rate (after an upload, a re-render, the page coming back). */
  poke() {
    this.idleS = IDLE_FIRST_S;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.poll(), 0);
  }

  /** Read the list once and schedule the next look; false when the server did not answer. */
  async poll() {
    clearTimeout(this.timer);
    if (document.hidden) return true; // visibilitychange pokes it again
    let waitS = this.idleS;
    let ok = true;
    try {
      const { jobs } = await getJSON("/api/jobs?limit=100");
      const changed = this.replace(jobs);
      const others = jobs.filter((j) => isActive(j) && j.id !== this.following?.id);
      if (others.length) {
        waitS = Math.max(FAST_S, ...others.map((j) => j.poll_after_s || 0));
        this.idleS = IDLE_FIRST_S;
      } else {
        waitS = this.idleS;
        this.idleS = changed ? IDLE_FIRST_S : Math.min(IDLE_MAX_S, this.idleS * 2);
      }
    } catch (error) {
      ok = false;
      waitS = this.idleS;
      this.idleS = Math.min(IDLE_MAX_S, this.idleS * 2);
      console.warn("job list:", error.message);
    }
    this.timer = setTimeout(() => this.poll(), waitS * 1000);
    this.onHealth?.(ok);
    return ok;
  }

  /** Take the server's list; true when anything differs from what was shown. */
  replace(jobs) {
    const before = JSON.stringify([...this.jobs.values()].map(summary));
    this.jobs = new Map(jobs.map((j) => [j.id, j]));
    this.render();
    const open = this.openId && this.jobs.get(this.openId);
    if (open) this.onUpdate(open);
    return before !== JSON.stringify(jobs.map(summary));
  }

  /** One job changed (an event, an answer to an action): show it, and tell the page when it is open. */
  upsert(job) {
    const known = this.jobs.has(job.id);
    this.jobs.set(job.id, job);
    if (!known) this.jobs = new Map([...this.jobs.entries()].sort((a, b) => b[1].created - a[1].created));
    this.render();
    if (job.id === this.openId) this.onUpdate(job);
    if (isActive(job) && job.id === this.openId) this.follow(job.id);
  }

  open(id) {
    this.openId = id;
    this.render();
    const job = this.jobs.get(id);
    if (job) {
      this.onOpen(job);
      if (isActive(job)) this.follow(id);
    }
  }

  /** Follow one job's event stream until it finishes; polling takes over if the stream fails. */
  async follow(id) {
    if (this.following?.id === id) return;
    this.following?.controller.abort();
    const controller = new AbortController();
    const following = { id, controller };
    this.following = following;
    try {
      await followEvents(`/api/jobs/${id}/events`, (name, data) => {
        if (name === "job") this.upsert(data);
        else if (name === "deleted") this.remove(data.id);
      }, controller.signal);
    } catch (error) {
      if (error.name !== "AbortError") await this.pollOne(id, controller.signal);
    } finally {
      if (this.following === following) this.following = null;
    }
    this.poke();
  }

  /** The fallback for one job: GET it as often as the server says (poll_after_s), until it finishes. */
  async pollOne(id, signal) {
    while (!signal.aborted && !document.hidden) {
      let job;
      try {
        job = await getJSON(`/api/jobs/${id}`, { signal });
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) this.remove(id);
        return;
      }
      this.upsert(job);
      if (!isActive(job)) return;
      await new Promise((r) => setTimeout(r, Math.max(1, job.poll_after_s || 1) * 1000));
    }
  }

  remove(id) {
    this.jobs.delete(id);
    this.render();
    if (id === this.openId) {
      this.openId = null;
      this.onOpen(null);
    }
  }

  async cancel(job) {
    const answer = await request(`/api/jobs/${job.id}/cancel`, { method: "POST" });
    if (answer.ok) this.upsert(await answer.json());
  }

  async delete(job) {
    if (!confirm(`Delete ${job.filename} and all its results?`)) return;
    const answer = await request(`/api/jobs/${job.id}`, { method: "DELETE" });
    if (answer.ok || answer.status === 404) this.remove(job.id);
  }

  render() {
    this.empty.hidden = this.jobs.size > 0;
    const seen = new Set();
    let before = null;
    for (const job of [...this.jobs.values()].reverse()) { // built bottom-up so insertBefore keeps the order
      seen.add(job.id);
      let item = this.items.get(job.id);
      if (!item) {
        item = this.makeItem(job);
        this.items.set(job.id, item);
      }
      this.fill(item, job);
      if (item.nextSibling !== before || item.parentNode !== this.list) this.list.insertBefore(item, before);
      before = item;
    }
    for (const [id, item] of this.items) {
      if (!seen.has(id)) {
        item.remove();
        this.items.delete(id);
      }
    }
  }

  makeItem(job) {
    const item = document.createElement("li");
    item.className = "job";
    item.innerHTML = `
      <button type="button" class="job-open">
        <span class="job-name"></span>
        <span class="job-meta"></span>
        <span class="job-state"></span>
        <span class="job-bar" aria-hidden="true"><span></span></span>
      </button>
      <button type="button" class="job-action icon"></button>`;
    item.querySelector(".job-open").addEventListener("click", () => this.open(item.dataset.id));
    item.querySelector(".job-action").addEventListener("click", () => {
      const current = this.jobs.get(item.dataset.id);
      if (current) (isActive(current) ? this.cancel(current) : this.delete(current));
    });
    return item;
  }

  fill(item, job) {
    item.dataset.id = job.id;
    item.dataset.state = job.state;
    item.classList.toggle("open", job.id === this.openId);
    const open = item.querySelector(".job-open");
    if (job.id === this.openId) open.setAttribute("aria-current", "true");
    else open.removeAttribute("aria-current");
    item.querySelector(".job-name").textContent = job.filename;
    const v = job.video;
    item.querySelector(".job-meta").textContent =
      `${v.duration_s.toFixed(1)} s · ${v.width}×${v.height} · ${v.fps.toFixed(2)} fps`;
    const state = item.querySelector(".job-state");
    state.textContent = isActive(job) ? `${stageLabel(job)} ${Math.round(job.percent)}%`
      : job.state === "done" ? (job.edits_version ? `done · edit ${job.edits_version}` : "done")
      : job.state;
    state.title = job.error || "";
    item.querySelector(".job-bar span").style.width = `${job.state === "done" ? 100 : job.percent}%`;
    const action = item.querySelector(".job-action");
    action.textContent = isActive(job) ? "■" : "×";
    action.setAttribute("aria-label", `${isActive(job) ? "Cancel" : "Delete"} ${job.filename}`);
    action.title = isActive(job) ? "Cancel" : "Delete";
  }
}

function summary(job) {
  return [job.id, job.state, job.stage, job.percent, job.edits_version];
}

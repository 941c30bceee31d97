// The service's API: fetch with the token. When the server answers 401, the page asks for the
// token once (one form, however many requests were refused), keeps it in sessionStorage and
// sends `Authorization: Bearer <token>` on every request from then on.

const TOKEN_KEY = "foleystudio.token";
let asking = null; // the open token form's promise, shared by every refused request

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function authHeaders() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

/** fetch() with the token; a 401 asks for it and tries again. `json` is sent as a JSON body. */
export async function request(path, { method = "GET", json, body, headers = {}, signal } = {}) {
  for (;;) {
    const sent = { ...headers, ...authHeaders() };
    let payload = body;
    if (json !== undefined) {
      sent["Content-Type"] = "application/json";
      payload = JSON.stringify(json);
    }
    const response = await fetch(path, { method, headers: sent, body: payload, signal, cache: "no-store" });
    if (response.status !== 401) return response;
    await askForToken(await detailOf(response));
  }
}

/** The JSON body of a successful answer; ApiError with the server's one-line reason otherwise. */
export async function getJSON(path, options) {
  const response = await request(path, options);
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  return response.status === 204 ? null : response.json();
}

export async function detailOf(response) {
  try {
    const body = await response.clone().json();
    if (typeof body.detail === "string") return body.detail;
  } catch (_) {
    /* not JSON: the status line says it */
  }
  return `${response.status} ${response.statusText}`.trim();
}

/** Show the token form (once, however many requests wait on it); resolves when a token was given. */
export function askForToken(reason) {
  if (asking) return asking;
  const dialog = document.getElementById("token-dialog");
  const form = dialog.querySelector("form");
  const input = form.elements.token;
  dialog.querySelector(".reason").textContent = token()
    ? reason || "The token was not accepted."
    : "This server needs an API token (FOLEY_API_TOKEN).";
  input.value = "";
  asking = new Promise((resolve) => {
    form.onsubmit = (event) => {
      event.preventDefault();
      const given = input.value.trim();
      if (!given) return;
      sessionStorage.setItem(TOKEN_KEY, given);
      dialog.close();
      asking = null;
      resolve(given);
    };
  });
  dialog.addEventListener("cancel", (event) => event.preventDefault()); // the page cannot work without it
  if (!dialog.open) dialog.showModal();
  input.focus();
  return asking;
}

/** A URL a <video> or <a> can use: the URL itself, or with a token (which they cannot send) a blob's. */
export async function mediaURL(url) {
  if (!token()) return url;
  const response = await request(url);
  if (!response.ok) throw new ApiError(response.status, await detailOf(response));
  return URL.createObjectURL(await response.blob());
}

/**
 * Follow a server-sent event stream with fetch (EventSource cannot send the token).
 * Calls onEvent(name, data) per event; resolves when the stream ends, rejects when it fails.
 */
export async function followEvents(path, onEvent, signal) {
  const response = await request(path, { headers: { Accept: "text/event-stream" }, signal });
  if (!response.ok || !response.body) throw new ApiError(response.status, await detailOf(response));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

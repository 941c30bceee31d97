// Drag-and-drop (or choose) a video; XMLHttpRequest sends it so the page can show upload progress.

import { askForToken, authHeaders } from "./api.js";

const FILE_FIELD = "video"; // the service's multipart field (service/uploads.py)

/** Wire the drop zone; `options()` gives the job's form fields, `onCreated(job)` gets each job created. */
export function setupUpload({ zone, chooseButton, input, options, status, onCreated }) {
  const queue = [];
  let busy = false;

  const take = (files) => {
    for (const file of files) queue.push(file);
    if (!busy) next();
  };

  async function next() {
    const file = queue.shift();
    if (!file) {
      busy = false;
      return;
    }
    busy = true;
    try {
      const job = await send(file, options(), status);
      status.done(`${file.name}: uploaded`);
      onCreated(job);
    } catch (error) {
      status.fail(`${file.name}: ${error.message}`);
    }
    next();
  }

  chooseButton.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    take([...input.files]);
    input.value = "";
  });
  // the whole window takes a drop; the zone lights up while something is dragged over the page
  let depth = 0;
  window.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    depth += 1;
    zone.classList.add("dragging");
  });
  window.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove("dragging");
  });
  window.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  window.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove("dragging");
    take([...event.dataTransfer.files]);
  });
}

function hasFiles(event) {
  return event.dataTransfer && [...event.dataTransfer.types].includes("Files");
}

/** POST the file with its options; resolves with the created job, rejects with the server's reason. */
function send(file, fields, status) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append(FILE_FIELD, file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/jobs");
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.responseType = "json";
    status.start(file);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) status.progress(file, event.loaded, event.total);
    };
    xhr.upload.onload = () => status.checking(file);
    xhr.onerror = () => reject(new Error("the upload failed (network error)"));
    xhr.onload = async () => {
      if (xhr.status === 401) {
        await askForToken(xhr.response && xhr.response.detail);
        send(file, fields, status).then(resolve, reject);
      } else if (xhr.status === 201) {
        resolve(xhr.response);
      } else {
        const detail = xhr.response && typeof xhr.response.detail === "string" ? xhr.response.detail : xhr.statusText;
        reject(new Error(detail || `refused (${xhr.status})`));
      }
    };
    xhr.send(form);
  });
}

/** The upload's progress line in the zone. */
export function uploadStatus(root) {
  const name = root.querySelector(".upload-name");
  const bar = root.querySelector("progress");
  const text = root.querySelector(".upload-text");
  const error = root.closest(".upload").querySelector(".upload-error");
  const mb = (n) => (n / 1048576).toFixed(1);
  return {
    start(file) {
      clearTimeout(this.fade);
      root.hidden = false;
      error.textContent = "";
      name.textContent = file.name;
      bar.value = 0;
      text.textContent = `0% of ${mb(file.size)} MB`;
    },
    progress(file, loaded, total) {
      bar.value = Math.round((100 * loaded) / total);
      text.textContent = `${bar.value}% of ${mb(total)} MB`;
    },
    checking() {
      bar.value = 100;
      text.textContent = "100%: the server is checking the video";
    },
    done(message) {
      text.textContent = message;
      clearTimeout(this.fade);
      this.fade = setTimeout(() => (root.hidden = true), 6000); // the job list says the rest
    },
    fail(message) {
      root.hidden = true;
      error.textContent = message;
    },
  };
}

// Small helpers the pages share: the CSRF token from the page's form, JSON posts, downloads,
// and the server clock (the page's data-server-now; the visitor's clock is never trusted).

export function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export async function postJSON(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    data = { error: response.statusText };
  }
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

export function download(bytes, filename, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const serverAtLoad = Date.parse(document.body.dataset.serverNow);
const clientAtLoad = Date.now();

/** The server's time now, as estimated from the page's load. */
export function serverNow() {
  return Number.isNaN(serverAtLoad) ? Date.now() : serverAtLoad + (Date.now() - clientAtLoad);
}

export function say(el, text, isError = false) {
  if (!el) return;
  el.textContent = text;
  el.classList.toggle("errors", isError);
}

// The bid page: generate the bidder's key for this tender, seal the opening form and the
// bid files in this browser, upload them resumably, and show the receipt.
import { generateBidderKey, loadKeyFile, makeKeyFile, isAgeFile } from "../keys.js";
import { bidRecipients, sealFile, sealForm } from "../seal.js";
import { estimateFinish, presealedItems, uploadFile, xhrFetch } from "../upload.js";
import { Rate, figures } from "../progress.js";
import { csrfToken, download, postJSON, say, serverNow } from "./common.js";
import { gettext, interpolate } from "../i18n.js";
import { beijingTime } from "../formats.js";
import { sealedAmount, watchAmountFields } from "./amount-field.js";
import { submittedText } from "./receipt-text.js";

const app = document.getElementById("bid-app");
if (app) main(app);

function main(app) {
  const params = JSON.parse(app.dataset.params);
  const keyStatus = document.getElementById("key-status");
  let registered = app.dataset.registeredRecipient || "";

  document.getElementById("generate-key")?.addEventListener("click", async () => {
    const passphrase = document.getElementById("key-passphrase").value || undefined;
    say(keyStatus, gettext("Generating the key…"));
    try {
      const { identity, recipient } = await generateBidderKey();
      const file = await makeKeyFile({ identity, tender: params.project, lot: params.lot, bidder: app.dataset.bidder, passphrase });
      download(file.bytes, file.filename);
      await postJSON(app.dataset.keyUrl, { recipient });
      registered = recipient;
      say(keyStatus, interpolate(gettext("Your key is made and downloaded (%(file)s) and its public key registered: %(recipient)s. Keep the key file safe."), { file: file.filename, recipient }));
    } catch (err) {
      say(keyStatus, interpolate(gettext("Failed: %(reason)s"), { reason: err.message }), true);
    }
  });

  watchAmountFields(document.getElementById("bid-form") ?? document);
  document.getElementById("bid-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    await sealAndUpload(params, registered);
  });
  document.getElementById("upload-presealed")?.addEventListener("click", () => uploadPresealed(params));
}

function openingForm(params) {
  const form = {};
  for (const item of params.declared_items) {
    const el = document.querySelector(`[name="${item.key}"]`);
    const raw = (el?.value ?? "").trim();
    if (raw === "") continue;
    // money stays a string, exact to the fen, whatever the bidder typed ("17,680,000.00")
    form[item.key] = item.type === "integer" ? Number(raw) : item.type === "money" ? sealedAmount(el, item.label ?? item.key) : raw;
  }
  return form;
}

async function checkKeyFile(registered) {
  const input = document.getElementById("key-file-check");
  if (!input?.files?.length) return;
  const passphrase = document.getElementById("key-passphrase").value || undefined;
  const { recipient } = await loadKeyFile(input.files[0], { passphrase });
  if (recipient !== registered) {
    throw new Error(gettext("This key file does not match the registered key."));
  }
}

// The progress card: sealing (in this browser) and uploading as two steps, each with its bytes
// done of the total, its speed and the time left; a dropped connection said while the upload
// waits to resume; at the end the receipt, which stays in view (the page does not reload).
const STEP_STATES = { waiting: gettext("waiting"), active: gettext("in progress"), done: gettext("done") };

function stepView(el) {
  const rate = new Rate();
  let total = 0;
  let done = 0;
  let stalled = false; // waiting for the network: no speed, no time left, until bytes move again
  const state = (name) => {
    el.dataset.state = name;
    el.querySelector(".step-state").textContent = STEP_STATES[name];
  };
  const show = () => {
    el.querySelector("progress").value = total ? done / total : 0;
    const running = el.dataset.state === "active" && !stalled;
    el.querySelector(".step-figures").textContent = figures({ done, total, perSecond: running ? rate.perSecond() : null });
  };
  state("waiting");
  el.querySelector("progress").value = 0;
  el.querySelector(".step-figures").textContent = "";
  return {
    begin(bytes) {
      total = bytes;
      done = 0;
      rate.add(performance.now(), 0);
      state("active");
      show();
    },
    progress(bytes) {
      if (bytes <= done) return;
      stalled = false;
      done = Math.min(total, bytes);
      rate.add(performance.now(), done);
      if (done >= total) state("done");
      show();
    },
    stall() {
      stalled = true;
      show();
    },
    finish(note) {
      done = total;
      state("done");
      show();
      if (note) el.querySelector(".step-figures").textContent = note;
    },
  };
}

function progressView() {
  const card = document.getElementById("progress");
  const title = document.getElementById("progress-title");
  const network = document.getElementById("progress-network");
  const status = document.getElementById("progress-text");
  card.hidden = false;
  card.dataset.state = "running";
  title.textContent = title.dataset.running;
  network.hidden = true;
  document.getElementById("progress-receipt").hidden = true;
  document.getElementById("progress-file").textContent = "";
  say(document.getElementById("eta"), "");
  say(status, "");
  return {
    seal: stepView(document.getElementById("step-seal")),
    upload: stepView(document.getElementById("step-upload")),
    file(name, index, count) {
      document.getElementById("progress-file").textContent = interpolate(gettext("File %(index)s of %(count)s: %(name)s"), { index, count, name });
    },
    waiting({ attempt, reason }) {
      this.upload.stall();
      say(document.getElementById("eta"), "");
      network.hidden = false;
      network.textContent = interpolate(reason === "network"
        ? gettext("The connection dropped. Keep this page open: the upload goes on by itself from the last byte the platform confirmed as soon as the network is back (attempt %(attempt)s).")
        : gettext("The platform did not answer. Keep this page open: the upload tries again by itself (attempt %(attempt)s)."), { attempt });
    },
    going() {
      network.hidden = true;
    },
    failed(message) {
      card.dataset.state = "failed";
      title.textContent = title.dataset.failed;
      say(status, interpolate(gettext("The upload stopped: %(reason)s"), { reason: message }), true);
    },
    done(document_) {
      const receipt = document_.receipt;
      card.dataset.state = "done";
      title.textContent = title.dataset.done;
      network.hidden = true;
      document.getElementById("progress-file").textContent = "";
      document.getElementById("receipt-version").textContent = receipt.version;
      document.getElementById("receipt-time").textContent = beijingTime(receipt.server_time, { precision: "ms", zone: true });
      document.getElementById("receipt-id").textContent = receipt.receipt_id;
      document.getElementById("receipt-link").href = card.dataset.receiptUrl.replace("00000000-0000-0000-0000-000000000000", receipt.receipt_id);
      document.getElementById("versions-link").href = window.location.pathname;
      document.getElementById("progress-receipt").hidden = false;
      document.getElementById("progress-help").open = false;
      say(status, `${submittedText(receipt)} ${gettext("The signed receipt has been downloaded. Keep it: it proves what the platform received, and when.")}`);
    },
  };
}

/** The stream, counting its bytes as they are read (the sealed bytes made so far). */
function counted(stream, onBytes) {
  return stream.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      onBytes(chunk.length);
      controller.enqueue(chunk);
    },
  }));
}

async function sealAndUpload(params, registered) {
  const view = progressView();
  try {
    if (!params.opening_recipient) throw new Error(gettext("The tender's key ceremony is not done yet: bids cannot be sealed."));
    if (params.bidders_decrypt && !registered) throw new Error(gettext("Generate and save your key for this tender first."));
    await checkKeyFile(registered);
    const recipients = bidRecipients({
      openingRecipient: params.opening_recipient, bidderRecipient: registered, bidderDecrypts: params.bidders_decrypt,
    });
    const files = [...document.getElementById("bid-files").files];
    if (!files.length) throw new Error(gettext("Choose your bid files."));
    const form = await sealForm(openingForm(params), recipients);
    const sealed = [];
    for (const file of files) sealed.push({ name: `${file.name}.age`, sealed: await sealFile(file, recipients) });
    // Every size is known before a byte is sealed: age adds a fixed overhead.
    view.seal.begin(form.size + sealed.reduce((sum, s) => sum + s.sealed.size, 0));
    let sealedBytes = form.size;
    view.seal.progress(sealedBytes);
    const more = (n) => view.seal.progress((sealedBytes += n));
    const items = [
      // The form's digest is known before the upload, a streamed file's once it is sealed.
      { kind: "form", name: "opening-form.json.age", size: form.size, sha256: form.sha256, stream: () => new Blob([form.ageFile]).stream() },
      ...sealed.map((s) => ({ kind: "file", name: s.name, size: s.sealed.size, lastChunkSha256: s.sealed.sha256, stream: () => counted(s.sealed.stream, more) })),
    ];
    await upload(params, items, view);
  } catch (err) {
    view.failed(err.message);
  }
}

async function uploadPresealed(params) {
  const view = progressView();
  try {
    const picked = [...document.getElementById("presealed-files").files];
    // manage.py seal's manifest.json names each sealed file's size and SHA-256: they are declared.
    const manifestFile = picked.find((f) => f.name === "manifest.json");
    const files = picked.filter((f) => f !== manifestFile);
    for (const f of files) {
      if (!isAgeFile(new Uint8Array(await f.slice(0, 64).arrayBuffer()))) {
        throw new Error(interpolate(gettext("%(name)s is not a file sealed with age."), { name: f.name }));
      }
    }
    let items;
    if (manifestFile) {
      items = presealedItems(JSON.parse(await manifestFile.text()), files);
    } else {
      const form = files.filter((f) => f.name.startsWith("opening-form"));
      if (form.length !== 1) throw new Error(gettext("Add exactly one opening-form.json.age."));
      items = [
        { kind: "form", name: form[0].name, size: form[0].size, stream: () => form[0].stream() },
        ...files.filter((f) => f !== form[0]).map((f) => ({ kind: "file", name: f.name, size: f.size, stream: () => f.stream() })),
      ];
    }
    view.seal.begin(items.reduce((sum, i) => sum + i.size, 0));
    view.seal.finish(gettext("Sealed beforehand with the command-line sealer."));
    await upload(params, items, view);
  } catch (err) {
    view.failed(err.message);
  }
}

async function upload(params, items, view) {
  const eta = document.getElementById("eta");
  const version = await postJSON(document.getElementById("bid-app").dataset.versionsUrl, {
    files: items.map(({ kind, name, size, sha256 }) => ({ kind, name, size, ...(sha256 ? { sha256 } : {}) })),
  });
  const total = items.reduce((sum, i) => sum + i.size, 0);
  const deadline = Date.parse(params.deadline);
  const startedAt = serverNow();
  view.upload.begin(total);
  let done = 0;
  let receipt = null;
  for (const [index, item] of items.entries()) {
    const target = version.files.find((f) => f.name === item.name);
    view.file(item.name, index + 1, items.length);
    const sent = (offset) => {
      view.going();
      view.upload.progress(done + offset);
      const finish = estimateFinish({ startedAt, now: serverNow(), sent: done + offset, total });
      if (finish && finish > deadline) {
        say(eta, gettext("Warning: at this speed the upload ends after the deadline, and an upload not complete at the deadline is refused."), true);
      } else if (finish) {
        say(eta, interpolate(gettext("Expected to finish at %(time)s (Beijing time)."), { time: beijingTime(finish, { precision: "time" }) }));
      }
    };
    receipt = (await uploadFile(target.upload_url, item.stream(), {
      size: item.size,
      sha256: item.sha256 || item.lastChunkSha256,
      csrfToken: csrfToken(),
      fetchImpl: xhrFetch, // its upload reports the bytes as they leave, within a chunk
      onSending: sent,
      onProgress: sent,
      onWait: (wait) => view.waiting(wait),
    })) || receipt;
    done += item.size;
  }
  if (!receipt) throw new Error(gettext("The upload is complete but no receipt came back: reload the page to see your versions."));
  view.upload.finish();
  say(eta, "");
  view.done(receipt);
  download(new TextEncoder().encode(JSON.stringify(receipt, null, 1)), `receipt-${receipt.receipt.receipt_id}.json`, "application/json");
  document.getElementById("progress").dataset.receiptId = receipt.receipt.receipt_id;
  await showMyVersions();
}

/** My versions and the counting one, as the server now lists them, in place: the receipt above stays. */
async function showMyVersions() {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const id of ["my-versions", "counting-version"]) {
      const now = fresh.getElementById(id);
      if (now) document.getElementById(id)?.replaceWith(document.adoptNode(now));
    }
  } catch {
    // the versions stay as they were; "See my versions and receipts" reloads them
  }
}

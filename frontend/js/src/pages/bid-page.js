// The bid page: generate the bidder's key for this tender, seal the opening form and the
// bid files in this browser, upload them resumably, and show the receipt.
import { generateBidderKey, loadKeyFile, makeKeyFile, isAgeFile } from "../keys.js";
import { bidRecipients, sealFile, sealForm } from "../seal.js";
import { estimateFinish, presealedItems, uploadFile } from "../upload.js";
import { csrfToken, download, postJSON, say, serverNow } from "./common.js";
import { gettext, interpolate } from "../i18n.js";

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
    form[item.key] = item.type === "integer" ? Number(raw) : raw; // money stays a string: exact
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

async function sealAndUpload(params, registered) {
  const status = document.getElementById("progress-text");
  document.getElementById("progress").hidden = false;
  try {
    if (!params.opening_recipient) throw new Error(gettext("The tender's opening key is not made yet (the key ceremony is not done)."));
    if (params.bidders_decrypt && !registered) throw new Error(gettext("Generate and save your key first."));
    await checkKeyFile(registered);
    const recipients = bidRecipients({
      openingRecipient: params.opening_recipient, bidderRecipient: registered, bidderDecrypts: params.bidders_decrypt,
    });
    const files = [...document.getElementById("bid-files").files];
    if (!files.length) throw new Error(gettext("Choose your bid files."));
    const form = await sealForm(openingForm(params), recipients);
    const sealed = [];
    for (const file of files) sealed.push({ name: `${file.name}.age`, sealed: await sealFile(file, recipients) });
    const items = [
      // The form's digest is known before the upload, a streamed file's once it is sealed.
      { kind: "form", name: "opening-form.json.age", size: form.size, sha256: form.sha256, stream: () => new Blob([form.ageFile]).stream() },
      ...sealed.map((s) => ({ kind: "file", name: s.name, size: s.sealed.size, lastChunkSha256: s.sealed.sha256, stream: () => s.sealed.stream })),
    ];
    await upload(params, items, status);
  } catch (err) {
    say(status, interpolate(gettext("Failed: %(reason)s"), { reason: err.message }), true);
  }
}

async function uploadPresealed(params) {
  const status = document.getElementById("progress-text");
  document.getElementById("progress").hidden = false;
  try {
    const picked = [...document.getElementById("presealed-files").files];
    // manage.py seal's manifest.json names each sealed file's size and SHA-256: they are declared.
    const manifestFile = picked.find((f) => f.name === "manifest.json");
    const files = picked.filter((f) => f !== manifestFile);
    for (const f of files) {
      if (!isAgeFile(new Uint8Array(await f.slice(0, 64).arrayBuffer()))) throw new Error(interpolate(gettext("%(file)s is not a file sealed with age."), { file: f.name }));
    }
    let items;
    if (manifestFile) {
      items = presealedItems(JSON.parse(await manifestFile.text()), files);
    } else {
      const form = files.filter((f) => f.name.startsWith("opening-form"));
      if (form.length !== 1) throw new Error(gettext("Pick exactly one opening-form.json.age (the sealed opening form)."));
      items = [
        { kind: "form", name: form[0].name, size: form[0].size, stream: () => form[0].stream() },
        ...files.filter((f) => f !== form[0]).map((f) => ({ kind: "file", name: f.name, size: f.size, stream: () => f.stream() })),
      ];
    }
    await upload(params, items, status);
  } catch (err) {
    say(status, interpolate(gettext("Failed: %(reason)s"), { reason: err.message }), true);
  }
}

async function upload(params, items, status) {
  const bar = document.getElementById("progress-bar");
  const eta = document.getElementById("eta");
  const version = await postJSON(document.getElementById("bid-app").dataset.versionsUrl, {
    files: items.map(({ kind, name, size, sha256 }) => ({ kind, name, size, ...(sha256 ? { sha256 } : {}) })),
  });
  const total = items.reduce((sum, i) => sum + i.size, 0);
  const deadline = Date.parse(params.deadline);
  const startedAt = serverNow();
  let done = 0;
  let receipt = null;
  for (const [index, item] of items.entries()) {
    const target = version.files.find((f) => f.name === item.name);
    say(status, interpolate(gettext("Uploading %(file)s (%(n)s of %(total)s)"), { file: item.name, n: index + 1, total: items.length }));
    receipt = (await uploadFile(target.upload_url, item.stream(), {
      size: item.size,
      sha256: item.sha256 || item.lastChunkSha256,
      csrfToken: csrfToken(),
      onProgress: (offset) => {
        const sent = done + offset;
        bar.value = sent / total;
        const finish = estimateFinish({ startedAt, now: serverNow(), sent, total });
        if (finish && finish > deadline) {
          say(eta, gettext("Warning: at this rate the upload finishes after the deadline, and an upload not finished by then is refused."), true);
        } else if (finish) {
          say(eta, interpolate(gettext("Estimated finish: %(at)s"), { at: new Date(finish).toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai" }) }));
        }
      },
    })) || receipt;
    done += item.size;
  }
  if (!receipt) throw new Error(gettext("The upload finished but no receipt came back."));
  bar.value = 1;
  say(status, interpolate(gettext("Submitted: version %(version)s, server time %(at)s, receipt number %(receipt)s."), { version: receipt.receipt.version, at: receipt.receipt.server_time, receipt: receipt.receipt.receipt_id }));
  document.getElementById("progress").dataset.receiptId = receipt.receipt.receipt_id;
  download(new TextEncoder().encode(JSON.stringify(receipt, null, 1)), `receipt-${receipt.receipt.receipt_id}.json`, "application/json");
  setTimeout(() => window.location.reload(), 1500);
}

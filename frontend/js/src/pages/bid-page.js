// The bid page: generate the bidder's key for this tender, seal the opening form and the
// bid files in this browser, upload them resumably, and show the receipt.
import { generateBidderKey, loadKeyFile, makeKeyFile, isAgeFile } from "../keys.js";
import { bidRecipients, sealFile, sealForm } from "../seal.js";
import { estimateFinish, presealedItems, uploadFile } from "../upload.js";
import { csrfToken, download, postJSON, say, serverNow } from "./common.js";
import { gettext } from "../i18n.js";
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
      say(keyStatus, `密钥已生成并下载（${file.filename}），公钥已登记：${recipient}。请妥善保管密钥文件。 / Key saved and registered.`);
    } catch (err) {
      say(keyStatus, `失败 / failed: ${err.message}`, true);
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
    throw new Error("这个密钥文件与登记的公钥不符 / this key file does not match the registered key");
  }
}

async function sealAndUpload(params, registered) {
  const status = document.getElementById("progress-text");
  document.getElementById("progress").hidden = false;
  try {
    if (!params.opening_recipient) throw new Error("开标密钥尚未生成 / the tender's key ceremony is not done");
    if (params.bidders_decrypt && !registered) throw new Error("请先生成并保存您的密钥 / generate and save your key first");
    await checkKeyFile(registered);
    const recipients = bidRecipients({
      openingRecipient: params.opening_recipient, bidderRecipient: registered, bidderDecrypts: params.bidders_decrypt,
    });
    const files = [...document.getElementById("bid-files").files];
    if (!files.length) throw new Error("请选择投标文件 / pick your bid files");
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
    say(status, `失败 / failed: ${err.message}`, true);
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
      if (!isAgeFile(new Uint8Array(await f.slice(0, 64).arrayBuffer()))) throw new Error(`${f.name}: 不是 age 加密文件 / not an age file`);
    }
    let items;
    if (manifestFile) {
      items = presealedItems(JSON.parse(await manifestFile.text()), files);
    } else {
      const form = files.filter((f) => f.name.startsWith("opening-form"));
      if (form.length !== 1) throw new Error("需要一个 opening-form.json.age / exactly one opening-form.json.age");
      items = [
        { kind: "form", name: form[0].name, size: form[0].size, stream: () => form[0].stream() },
        ...files.filter((f) => f !== form[0]).map((f) => ({ kind: "file", name: f.name, size: f.size, stream: () => f.stream() })),
      ];
    }
    await upload(params, items, status);
  } catch (err) {
    say(status, `失败 / failed: ${err.message}`, true);
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
    say(status, `上传 / uploading ${item.name} (${index + 1}/${items.length})`);
    receipt = (await uploadFile(target.upload_url, item.stream(), {
      size: item.size,
      sha256: item.sha256 || item.lastChunkSha256,
      csrfToken: csrfToken(),
      onProgress: (offset) => {
        const sent = done + offset;
        bar.value = sent / total;
        const finish = estimateFinish({ startedAt, now: serverNow(), sent, total });
        if (finish && finish > deadline) {
          say(eta, `警告：按当前速度，上传将在截止时间之后完成，届时未完成的上传将被拒绝。 / Warning: at this rate the upload finishes after the deadline and will be refused.`, true);
        } else if (finish) {
          say(eta, `预计完成 / estimated finish: ${beijingTime(finish, { precision: "time" })}`);
        }
      },
    })) || receipt;
    done += item.size;
  }
  if (!receipt) throw new Error("上传完成但未收到回执 / no receipt came back");
  bar.value = 1;
  say(status, submittedText(receipt.receipt));
  document.getElementById("progress").dataset.receiptId = receipt.receipt.receipt_id;
  download(new TextEncoder().encode(JSON.stringify(receipt, null, 1)), `receipt-${receipt.receipt.receipt_id}.json`, "application/json");
  setTimeout(() => window.location.reload(), 1500);
}

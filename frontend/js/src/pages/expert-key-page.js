// The expert's signing-key page: the key pair is made here, its private half downloaded in a key
// file, and only its public half registered (with a signature that proves this browser holds the
// private half). A key file already made can be checked against the registered key, or
// registered again.
import { askToConfirm } from "../confirm.js";
import { gettext, interpolate } from "../i18n.js";
import { KEY_PROOF_PREFIX, loadSigningKeyFile, makeSigningKey, makeSigningKeyFile, signText } from "../signing-key.js";
import { download, postJSON, say } from "./common.js";

const app = document.getElementById("expert-key-app");
if (app) {
  const status = document.getElementById("key-status");
  const { keyUrl, username, name } = app.dataset;

  async function register(privateKey, publicKey) {
    const proof = await signText(privateKey, KEY_PROOF_PREFIX + username);
    await postJSON(keyUrl, { public_key: publicKey, proof });
    app.dataset.registered = publicKey;
    const shown = document.getElementById("registered-key");
    if (shown) shown.textContent = publicKey;
  }

  async function fileKey() {
    const file = document.getElementById("key-file").files[0];
    if (!file) throw new Error(gettext("Choose your key file first."));
    const passphrase = document.getElementById("key-file-passphrase").value || undefined;
    return loadSigningKeyFile(file, { passphrase });
  }

  function askReplace() {
    return askToConfirm({
      title: gettext("Replace your signing key?"),
      detail: gettext("Reports you sign from now on are signed with the new key; your old key file no longer signs. Reports you have already signed stay checkable with the key you signed them with."),
      action: gettext("Replace my key"),
    });
  }

  async function run(button, work) {
    button.disabled = true;
    try {
      await work();
    } catch (err) {
      say(status, interpolate(gettext("Failed: %(reason)s"), { reason: err.message }), true);
    } finally {
      button.disabled = false;
    }
  }

  const make = document.getElementById("make-key");
  make.addEventListener("click", () => run(make, async () => {
    if (app.dataset.registered && !(await askReplace())) return;
    const passphrase = document.getElementById("key-passphrase").value || undefined;
    const key = await makeSigningKey();
    const file = await makeSigningKeyFile({ ...key, name, username, passphrase });
    download(file.bytes, file.filename);
    await register(key.privateKey, key.publicKey);
    say(status, interpolate(gettext("Registered: %(key)s. Your key file %(file)s is downloaded: keep it safe."),
      { key: key.publicKey, file: file.filename }));
  }));

  const check = document.getElementById("check-key");
  check.addEventListener("click", () => run(check, async () => {
    const { publicKey } = await fileKey();
    if (publicKey === app.dataset.registered) {
      say(status, gettext("This key file holds the key registered here: you can sign reports with it."));
    } else {
      say(status, interpolate(gettext("This key file holds another key (%(key)s) than the one registered here."),
        { key: publicKey }), true);
    }
  }));

  const again = document.getElementById("register-file-key");
  again.addEventListener("click", () => run(again, async () => {
    const { privateKey, publicKey } = await fileKey();
    if (publicKey === app.dataset.registered) {
      say(status, gettext("This key is already the one registered here."));
      return;
    }
    if (app.dataset.registered && !(await askReplace())) return;
    await register(privateKey, publicKey);
    say(status, interpolate(gettext("Registered: %(key)s"), { key: publicKey }));
  }));
}

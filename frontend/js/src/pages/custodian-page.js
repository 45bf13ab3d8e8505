// A key custodian's own key: generated here, downloaded as a (passphrase-protected) key file,
// only its recipient registered.
import { generateBidderKey, makeKeyFile } from "../keys.js";
import { download, postJSON, say } from "./common.js";
import { gettext, interpolate } from "../i18n.js";

const app = document.getElementById("custodian-app");
if (app) {
  const status = document.getElementById("key-status");
  document.getElementById("generate-key").addEventListener("click", async () => {
    try {
      const passphrase = document.getElementById("key-passphrase").value || undefined;
      const { identity, recipient } = await generateBidderKey();
      const file = await makeKeyFile({ identity, tender: "custodian", lot: app.dataset.username, bidder: app.dataset.username, passphrase, role: "custodian" });
      download(file.bytes, file.filename);
      await postJSON(app.dataset.keyUrl, { recipient });
      say(status, interpolate(gettext("Registered: %(recipient)s"), { recipient }));
    } catch (err) {
      say(status, interpolate(gettext("Failed: %(reason)s"), { reason: err.message }), true);
    }
  });
}

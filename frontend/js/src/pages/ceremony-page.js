// The key ceremony: deal the tender's opening key in this browser and send only the
// recipient and the shares, each encrypted to its custodian.
import { dealOpeningKey } from "../ceremony.js";
import { postJSON, say } from "./common.js";
import { gettext, interpolate } from "../i18n.js";

const app = document.getElementById("ceremony-app");
if (app) {
  const status = document.getElementById("ceremony-status");
  document.getElementById("deal").addEventListener("click", async (event) => {
    event.target.disabled = true;
    try {
      const custodians = JSON.parse(app.dataset.custodians).map((c) => ({ custodian: String(c.custodian), recipient: c.recipient }));
      const dealt = await dealOpeningKey({ tender: app.dataset.tender || "", threshold: Number(app.dataset.k), custodians });
      const shares = dealt.encryptedShares.map((s) => ({ custodian: s.custodian, age: toBase64(s.ageFile) }));
      const result = await postJSON(app.dataset.postUrl, { opening_recipient: dealt.openingRecipient, shares });
      say(status, interpolate(gettext("Done: the opening key is %(recipient)s."), { recipient: result.opening_recipient }));
      setTimeout(() => window.location.assign(app.dataset.doneUrl || window.location.href), 1200);
    } catch (err) {
      event.target.disabled = false;
      say(status, interpolate(gettext("Failed: %(reason)s"), { reason: err.message }), true);
    }
  });
}

function toBase64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

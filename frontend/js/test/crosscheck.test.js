// The files this bundle writes, opened by other age implementations: pyrage
// (rage, what the server uses) in the project's virtualenv, and the age
// command-line tool, each where it is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { combine, dealOpeningKey, openShare } from "../src/ceremony.js";
import { generateBidderKey, makeKeyFile } from "../src/keys.js";
import { sealFile, sealForm } from "../src/seal.js";
import { collect, nodeSha256, patterned } from "./helpers.js";

const PYTHON = fileURLToPath(new URL("../../../.venv/bin/python", import.meta.url)); // /work/main/.venv
const AGE = ["/usr/bin/age", "/usr/local/bin/age"].find((p) => existsSync(p));

function hasPyrage() {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ["-c", "import pyrage"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const PY_CHECK = `
import hashlib, json, sys, pyrage
d = sys.argv[1]
def read(name):
    with open(f"{d}/{name}", "rb") as f:
        return f.read()
out = {}
bid = read("bid.age")
for who in ("opening", "bidder"):
    ident = pyrage.x25519.Identity.from_str(read(f"{who}.key").decode().strip())
    out[who] = hashlib.sha256(pyrage.decrypt(bid, [ident])).hexdigest()
out["form"] = json.loads(pyrage.decrypt(read("form.age"), [pyrage.x25519.Identity.from_str(read("opening.key").decode().strip())]))
key_text = pyrage.passphrase.decrypt(read("bidder-key.age"), "口令 passphrase 2025").decode()
out["keyfile_identity"] = [l for l in key_text.splitlines() if l.startswith("AGE-SECRET-KEY-1")]
try:
    pyrage.passphrase.decrypt(read("bidder-key.age"), "wrong")
    out["wrong_refused"] = False
except pyrage.DecryptError:
    out["wrong_refused"] = True
print(json.dumps(out))
`;

const dir = mkdtempSync(join(tmpdir(), "kaibiao-cross-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

// The opening identity is the one rebuilt from shares, as at a real opening.
const custodians = [];
for (const custodian of ["c1", "c2", "c3"]) custodians.push({ custodian, ...(await generateBidderKey()) });
const deal = await dealOpeningKey({ tender: "X-1", threshold: 2, custodians });
const shares = await Promise.all([0, 2].map((i) => openShare(deal.encryptedShares[i].ageFile, custodians[i].identity)));
const openingIdentity = await combine(shares);
const bidder = await generateBidderKey();
const plain = patterned(333_333);
const sealed = await sealFile(new Blob([plain]), [deal.openingRecipient, bidder.recipient]);
const form = { price: "88.00", days: 30 };
writeFileSync(join(dir, "bid.age"), await collect(sealed.stream));
writeFileSync(join(dir, "form.age"), (await sealForm(form, [deal.openingRecipient, bidder.recipient])).ageFile);
writeFileSync(join(dir, "opening.key"), `${openingIdentity}\n`);
writeFileSync(join(dir, "bidder.key"), `${bidder.identity}\n`);
const keyFile = await makeKeyFile({ ...bidder, tender: "X-1", lot: "1", bidder: "某公司" });
writeFileSync(join(dir, "bidder-key.txt"), keyFile.bytes);
const locked = await makeKeyFile({ ...bidder, tender: "X-1", lot: "1", bidder: "某公司", passphrase: "口令 passphrase 2025", scryptWorkFactor: 12 });
writeFileSync(join(dir, "bidder-key.age"), locked.bytes);

test("pyrage_decrypts_what_the_browser_sealed", { skip: !hasPyrage() && `no pyrage at ${PYTHON}` }, () => {
  const r = JSON.parse(execFileSync(PYTHON, ["-c", PY_CHECK, dir], { encoding: "utf8" }));
  assert.equal(r.opening, nodeSha256(plain));
  assert.equal(r.bidder, nodeSha256(plain));
  assert.deepEqual(r.form, form);
  assert.deepEqual(r.keyfile_identity, [bidder.identity]);
  assert.equal(r.wrong_refused, true);
});

test("age_cli_decrypts_with_the_key_file_as_downloaded", { skip: !AGE && "no age binary" }, () => {
  const out = execFileSync(AGE, ["-d", "-i", join(dir, "bidder-key.txt"), join(dir, "bid.age")]);
  assert.equal(nodeSha256(out), nodeSha256(plain));
  const form2 = execFileSync(AGE, ["-d", "-i", join(dir, "opening.key"), join(dir, "form.age")], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(form2), form);
});

// npm run build: dist/kaibiao-crypto.js (the whole API), plus one
// self-contained bundle per page entry src/pages/*-page.js (bid-page.js ->
// dist/bid-page.js), so a template loads exactly one file; other files in
// src/pages are helpers. Each page bundle carries the crypto code itself: no
// hashed chunk files for a static-file manifest to chase.
import { readdirSync, existsSync } from "node:fs";
import { build } from "esbuild";

const outdir = "../static/frontend/dist";
const pages = existsSync("src/pages")
  ? readdirSync("src/pages").filter((f) => f.endsWith("-page.js")).map((f) => `src/pages/${f}`)
  : [];

await build({
  entryPoints: { "kaibiao-crypto": "src/index.js", ...Object.fromEntries(pages.map((p) => [p.slice(10, -3), p])) },
  outdir,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  sourcemap: true,
  logLevel: "info",
});

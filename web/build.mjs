// Bundles src/editor.js and what it imports from node_modules into one script the server serves
// (../endpoint/static/build/editor.js), with the licences of the bundled packages beside it (LICENSES.txt).
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const out = new URL("../endpoint/static/build/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: ["src/editor.js"], bundle: true, minify: true, format: "iife", target: "es2020",
  outfile: join(out, "editor.js"), metafile: true, legalComments: "none",
});
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const found = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (found) packages.add(found[1]);
}
const notices = Array.from(packages).sort().map((name) => {
  const folder = join("node_modules", name);
  const meta = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const file = readdirSync(folder).find((f) => /^licen[cs]e/i.test(f));
  return `${name} ${meta.version} (${meta.license})\n\n` + (file ? readFileSync(join(folder, file), "utf8") : "");
});
writeFileSync(join(out, "LICENSES.txt"), "The packages bundled into editor.js and their licences.\n\n" +
  notices.join("\n" + "-".repeat(72) + "\n\n"));
console.log(`editor.js: ${packages.size} packages bundled`);

#!/usr/bin/env bash
# The published packages, checked as a new user gets them: packs every package (scripts/pack.ts: build + bun pm pack,
# workspace:* rewritten), installs the tarballs with plain npm into an app outside the workspace (webgpu and the
# other third-party packages from the npm registry or cache), then in that app:
#   - under plain `node`: loads a SAELens checkpoint and encodes/decodes it against PyTorch's values (encode.mjs)
#   - under `bun`: the same encode from the shipped TypeScript sources (the `bun` export condition)
#   - without `webgpu` installed, Node and Bun stop with an error that names it
#   - `npx sae --help` runs the CLI's bin (a .js file with a node shebang); `bunx sae --help` in this workspace
#   - under `deno` (npm package deno, a devDependency here): the same encode through navigator.gpu, and the bundled
#     model's logits and greedy text equal to Node's (model.mjs: every kernel of the forward compiles under naga)
#   - the outside app under node and deno loads the checkpoint with @sae/core/node's loadSae (encode.mjs)
#   - a browser bundle of the five libraries' main entries (hub too; `browser` condition), no externals, no stubs:
#     no node: or webgpu import and no node-builtin stub in it, run under Deno as a stand-in for a browser (browser.mjs:
#     matmul, a TopK encode, the SAELens checkpoint by URL against PyTorch's values, the bundled model by URL against
#     Node's logits; no file loader in the main entries)
#   - a TypeScript consumer typechecks against the published .d.ts files (skipLibCheck off, no `types` setting)
# Prints one "ok ..." line per step; exits non-zero at the first failure. Usage: bash scripts/pack-check.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUN="$ROOT/.tools/node_modules/.bin/bun"
DENO="$ROOT/node_modules/.bin/deno"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-$(id -u)}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sae-pack-check.XXXXXX")
[ "${1:-}" = "--keep" ] && echo "pack-check: keeping $WORK" || trap 'rm -rf "$WORK"' EXIT

"$BUN" scripts/pack.ts --out "$WORK/tarballs" >"$WORK/pack.log" 2>&1 || { cat "$WORK/pack.log"; exit 1; }
echo "ok packed: $(cd "$WORK/tarballs" && ls | tr '\n' ' ')"

APP="$WORK/app"
mkdir -p "$APP"
cp -r packages/sae/fixtures/ckpt_v5_standard "$APP/ckpt"
cp scripts/pack-check/*.mjs scripts/pack-check/consumer.ts scripts/pack-check/tsconfig.json "$APP/"
node -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1], deps = {};
  for (const f of fs.readdirSync(dir)) {
    const pkg = JSON.parse(require("child_process").execSync(`tar xzf ${path.join(dir, f)} package/package.json -O`));
    deps[pkg.name] = "file:" + path.join(dir, f);
  }
  const app = { name: "outside-app", private: true, type: "module",
    dependencies: { ...deps, webgpu: "0.6.2" }, overrides: deps };
  fs.writeFileSync(process.argv[2], JSON.stringify(app, null, 2));
' "$WORK/tarballs" "$APP/package.json"
(cd "$APP" && npm install --no-audit --no-fund --prefer-offline --loglevel=error >"$WORK/npm.log" 2>&1) \
  || { cat "$WORK/npm.log"; exit 1; }
echo "ok npm install: $(cd "$APP" && ls node_modules/@sae | tr '\n' ' ')"

(cd "$APP" && node encode.mjs && node model.mjs "$WORK/model-node.json")
(cd "$APP" && "$BUN" encode.mjs) # Bun: the `bun` condition, the shipped TypeScript sources
# webgpu is an optional peer: without it, Node and Bun name what to install
mv "$APP/node_modules/webgpu" "$WORK/webgpu.away"
for rt in node "$BUN"; do
  msg=$(cd "$APP" && "$rt" encode.mjs 2>&1) && { echo "encode ran without webgpu under $rt"; exit 1; }
  grep -q "npm install webgpu@0.6.2" <<<"$msg" || { echo "no install hint without webgpu under $rt: $msg"; exit 1; }
done
mv "$WORK/webgpu.away" "$APP/node_modules/webgpu"
echo "ok without webgpu, node and bun stop with: $(grep -m1 -o "Install it beside.*" <<<"$msg")"
help=$(cd "$APP" && npx --no-install sae --help)
grep -q "usage: sae <command>" <<<"$help" || { echo "npx sae --help printed: $help"; exit 1; }
version=$(cd "$APP" && npx --no-install sae --version)
want="sae $(node -p 'require("./packages/cli/package.json").version')"
[ "$version" = "$want" ] || { echo "npx sae --version printed '$version', expected '$want'"; exit 1; }
echo "ok npx sae --help (node $(node --version)): $(head -1 <<<"$help"); npx sae --version: $version"
help=$("$ROOT/.tools/node_modules/.bin/bunx" sae --help)
grep -q "usage: sae <command>" <<<"$help" || { echo "bunx sae --help in the workspace printed: $help"; exit 1; }
echo "ok bunx sae --help in the workspace (root depends on @sae/cli)"
(cd "$APP" && "$DENO" run -A encode.mjs && "$DENO" run -A model.mjs "$WORK/model-node.json")
(cd "$APP" && "$BUN" build browser.mjs --target browser --outfile "$WORK/browser.js" >/dev/null)
if grep -qE 'from ?"(node:|webgpu)|import\("(node:|webgpu)' "$WORK/browser.js"; then
  echo "the browser bundle imports node: or webgpu:"
  grep -oE 'from ?"(node:[^"]*|webgpu)"' "$WORK/browser.js" | sort -u
  exit 1
fi
if grep -q "is not available in this runtime (the browser build" "$WORK/browser.js"; then
  echo "the browser bundle carries node: built-in stubs (a main entry reaches node:; see scripts/node-free.ts)"
  exit 1
fi
echo "ok browser bundle (bun build --target browser, no --external): $(($(wc -c <"$WORK/browser.js") / 1024)) KB," \
  "no node: or webgpu import, no node: stubs"
(cd "$WORK" && "$DENO" run -A browser.js "file://$APP/ckpt" \
  "file://$APP/node_modules/@sae/transformer/assets/tiny-shakespeare/" "file://$WORK/model-node.json" 2>&1 \
  | grep -v "^Warning")
(cd "$APP" && node "$ROOT/node_modules/typescript/bin/tsc" -p tsconfig.json)
echo "ok tsc: a TypeScript consumer typechecks against the published .d.ts (skipLibCheck false, types [])"

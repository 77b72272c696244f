#!/usr/bin/env bash
# The project's one test command (README, .ci/run): layout check, typecheck, every bun test in the workspace,
# a smoke test of the tensor core under Node, the GPU tests under Deno (wgpu/naga: scripts/deno-tests.ts), and the
# packed packages in an outside app (scripts/pack-check.sh).
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR" .cache
BUN="$PWD/.tools/node_modules/.bin/bun"
[ -x "$BUN" ] || BUN="$(command -v bun || true)"
if [ -z "$BUN" ]; then echo "test: bun not found; run: npm run setup" >&2; echo "0 passed, 1 failed"; exit 1; fi
passed=0
failed=0
check() { # name, command...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "check ok: $name"; else failed=$((failed + 1)); echo "check FAILED: $name"; fi
}
check "layout (dependency order, file length)" "$BUN" scripts/check-layout.ts
check "typecheck" "$BUN" node_modules/typescript/bin/tsc -p tsconfig.json
check "tensor core under Node" bash -c "'$BUN' build packages/tensor-core/src/index.ts --target node --format esm --external webgpu --outfile packages/tensor-core/.cache/index.mjs >/dev/null && node packages/tensor-core/scripts/node-smoke.mjs"
check "GPU tests under Deno (wgpu/naga)" "$BUN" scripts/deno-tests.ts
check "packages: pack, npm install in an outside app, node + deno encode, npx sae, .d.ts" bash scripts/pack-check.sh

# bun test runs once per package (and once for each other top-level folder holding tests), not once for everything:
# one process creating every test file's WebGPU devices crashed Bun 1.4.4 (a segfault in its main thread after ~150
# test files, each file passing alone). With arguments, one run with them (e.g. a file or a name filter).
if [ "$#" -gt 0 ]; then
  groups=("")
else
  mapfile -t groups < <(find . \( -name node_modules -o -name .cache -o -name dist -o -name .tools -o -name .git \) \
    -prune -o -name '*.test.ts' -print | awk -F/ '{ print ($2 == "packages") ? "./" $2 "/" $3 "/" : "./" $2 "/" }' | sort -u)
  [ "${#groups[@]}" -gt 0 ] || { echo "test: no *.test.ts found"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
fi
s=0
for g in "${groups[@]}"; do
  log=.cache/bun-test${g//\//-}.log
  if [ -n "$g" ]; then echo "== bun test $g"; "$BUN" test --timeout 600000 "$g" 2>&1 | tee "$log"
  else "$BUN" test --timeout 600000 "$@" 2>&1 | tee "$log"; fi
  rc=${PIPESTATUS[0]}
  gp=$(grep -E '^ *[0-9]+ pass$' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  gf=$(grep -E '^ *[0-9]+ fail$' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  gs=$(grep -E '^ *[0-9]+ skip$' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  passed=$((passed + gp))
  failed=$((failed + gf + gs))
  s=$((s + gs))
  if [ "$rc" != 0 ] && [ "$gf" = 0 ]; then failed=$((failed + 1)); echo "bun test ${g:-"$*"} exited $rc"; fi
done
[ "$s" != 0 ] && echo "note: $s skipped tests are counted as failed"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

// Headless Chromium for the browser tests (Debian's /usr/bin/chromium, installed by scripts/setup.sh): WebGPU
// through SwiftShader (`--enable-unsafe-webgpu`; the adapter is "google swiftshader"), a fresh profile, no
// background traffic. `openPage` keeps the page open until the page itself reports (the caller's promise, e.g. a
// POST the page sends to the test's loopback server), then closes Chromium: real time, no --virtual-time-budget
// (SwiftShader's GPU work is not virtual time). Fails (never skips) when Chromium is missing.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = "/usr/bin/chromium";

/** The flags every browser test uses, with a fresh --user-data-dir under profileDir. */
export function chromiumFlags(profileDir: string): string[] {
  return [
    "--headless=new",
    "--enable-unsafe-webgpu",
    "--no-sandbox",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    `--user-data-dir=${profileDir}`,
  ];
}

/** Opens url in headless Chromium and waits for `done` (or throws after timeoutMs, with Chromium's last stderr). */
export async function openPage<T>(url: string, done: Promise<T>, timeoutMs = 240_000): Promise<T> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)`);
  }
  const home = mkdtempSync(join(tmpdir(), "sae-chromium-"));
  const p = Bun.spawn([CHROMIUM, ...chromiumFlags(join(home, "profile")), url], {
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, HOME: home },
  });
  const stderr = new Response(p.stderr).text();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      p.kill();
      const log = (await stderr).slice(-2000);
      reject(new Error(`${url}: no report from the page within ${timeoutMs} ms; chromium: ${log}`));
    }, timeoutMs);
  });
  const exited = p.exited.then(async (code) => {
    throw new Error(`chromium exited ${code} before the page reported: ${(await stderr).slice(-2000)}`);
  });
  try {
    return await Promise.race([done, timeout, exited]);
  } finally {
    clearTimeout(timer);
    p.kill();
    await p.exited;
    rmSync(home, { recursive: true, force: true });
  }
}

// The part of `bun:test` the kernel tests use (describe, test, expect with toBe / toEqual / toThrow / toBeNull /
// toBeCloseTo / toBeGreaterThan[OrEqual] / toBeLessThan[OrEqual] and .not), so the same test files run under Deno:
// deno-kernels.ts bundles them with this module in place of `bun:test`. Tests run in order after every file has
// registered its tests (runAll); a failure prints the test's name and the error. Not a general test runner.
type Fn = () => unknown;
const tests: { name: string; fn: Fn }[] = [];
const stack: string[] = [];

// An async describe (`describe(name, async () => { await ...; test(...) })`) registers tests after its first await:
// runAll waits for it, and tests registered while it is pending are named under it.
const pending: Promise<unknown>[] = [];
let asyncPrefix: string[] = [];

export function describe(name: string, fn: () => unknown): void {
  stack.push(name);
  const outer = [...stack];
  try {
    const r = fn();
    if (r instanceof Promise) {
      asyncPrefix = outer;
      pending.push(r.finally(() => (asyncPrefix = [])));
    }
  } finally {
    stack.pop();
  }
}

export function test(name: string, fn: Fn, _timeoutMs?: number): void {
  tests.push({ name: [...(stack.length ? stack : asyncPrefix), name].join(" > "), fn });
}
export const it = test;

function show(v: unknown): string {
  if (ArrayBuffer.isView(v)) {
    return `${v.constructor.name}(${Array.from(v as unknown as ArrayLike<number>).slice(0, 8)}...)`;
  }
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Bun's toEqual: recursive, typed arrays by value, undefined properties ignored. */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (a.constructor !== b.constructor) return false;
    const [x, y] = [a as unknown as ArrayLike<number>, b as unknown as ArrayLike<number>];
    return x.length === y.length && Array.from(x).every((v, i) => Object.is(v, y[i]));
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Map && b instanceof Map) return equal([...a], [...b]);
  const keys = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const [ka, kb] = [keys(a), keys(b)];
  const [ra, rb] = [a as Record<string, unknown>, b as Record<string, unknown>];
  return ka.length === kb.length && ka.every((k) => equal(ra[k], rb[k]));
}

function thrown(fn: unknown): { threw: boolean; error: unknown } {
  try {
    (fn as () => unknown)();
    return { threw: false, error: undefined };
  } catch (error) {
    return { threw: true, error };
  }
}

type Want = string | RegExp | (new (...a: never[]) => unknown) | Error | undefined;

function throwMatches(error: unknown, want: Want): boolean {
  const msg = String((error as Error)?.message ?? error);
  if (want === undefined) return true;
  if (typeof want === "string") return msg.includes(want);
  if (want instanceof RegExp) return want.test(msg);
  if (want instanceof Error) return msg === want.message;
  return error instanceof want;
}

export function expect(actual: unknown) {
  const make = (negate: boolean) => {
    const check = (ok: boolean, what: string) => {
      if (ok === negate) throw new Error(`expect(${show(actual)})${negate ? ".not" : ""}.${what}`);
    };
    const num = () => Number(actual);
    return {
      toBe: (v: unknown) => check(Object.is(actual, v), `toBe(${show(v)})`),
      toEqual: (v: unknown) => check(equal(actual, v), `toEqual(${show(v)})`),
      toBeNull: () => check(actual === null, "toBeNull()"),
      toBeGreaterThan: (v: number) => check(num() > v, `toBeGreaterThan(${v})`),
      toBeGreaterThanOrEqual: (v: number) => check(num() >= v, `toBeGreaterThanOrEqual(${v})`),
      toBeLessThan: (v: number) => check(num() < v, `toBeLessThan(${v})`),
      toBeLessThanOrEqual: (v: number) => check(num() <= v, `toBeLessThanOrEqual(${v})`),
      toBeCloseTo: (v: number, digits = 2) =>
        check(Math.abs(num() - v) < 10 ** -digits / 2, `toBeCloseTo(${v}, ${digits})`),
      toThrow: (want?: Want) => {
        const r = thrown(actual);
        const ok = r.threw && throwMatches(r.error, want);
        const got = r.threw ? `threw ${(r.error as Error)?.name}: ${(r.error as Error)?.message}` : "did not throw";
        check(ok, `toThrow(${want instanceof Function ? want.name : show(want)}): ${got}`);
      },
    };
  };
  return { ...make(false), not: make(true) };
}

/** Runs every registered test in order; returns the number that failed. */
export async function runAll(log: (line: string) => void): Promise<{ passed: number; failed: number }> {
  await Promise.all(pending);
  let failed = 0;
  for (const t of tests) {
    const t0 = performance.now();
    try {
      await t.fn();
      log(`(pass) ${t.name} [${(performance.now() - t0).toFixed(0)} ms]`);
    } catch (e) {
      failed++;
      log(`(fail) ${t.name}\n  ${(e as Error)?.stack ?? e}`);
    }
  }
  return { passed: tests.length - failed, failed };
}

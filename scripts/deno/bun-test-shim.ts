// The part of `bun:test` the GPU tests use (describe, describe.each, test, beforeAll/afterAll, expect with toBe /
// toEqual (and expect.arrayContaining / stringContaining) / toMatchObject / toMatch / toThrow / toBeInstanceOf /
// toContain / toHaveProperty / toHaveLength / toBeNull / toBeDefined / toBeUndefined / toBeCloseTo /
// toBeGreaterThan[OrEqual] / toBeLessThan[OrEqual], .not and .rejects),
// so the same test files run under Deno: scripts/deno-tests.ts bundles them with this module in place of `bun:test`.
// Tests run in order after every file has registered its tests (runAll); a failure prints the test's name and the
// error. Not a general test runner.
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

/** `describe.each(cases)("%s ...", (c) => ...)`: one describe per case, %s replaced by the case. */
describe.each =
  <T>(cases: readonly T[]) =>
  (name: string, fn: (c: T) => unknown) => {
    for (const c of cases) describe(name.replace("%s", String(c)), () => fn(c));
  };

// Hooks run once around the whole file (the tests here use them that way): beforeAll before the first test,
// afterAll after the last.
const before: Fn[] = [];
const after: Fn[] = [];
export function beforeAll(fn: Fn, _timeoutMs?: number): void {
  before.push(fn);
}
export function afterAll(fn: Fn, _timeoutMs?: number): void {
  after.push(fn);
}

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

/** toMatchObject: every property of `want` is in `a` (recursively for plain objects). */
function matches(a: unknown, want: unknown): boolean {
  if (typeof want !== "object" || want === null || Array.isArray(want) || ArrayBuffer.isView(want)) {
    return equal(a, want);
  }
  if (typeof a !== "object" || a === null) return false;
  const r = a as Record<string, unknown>;
  return Object.entries(want).every(([k, v]) => k in r && matches(r[k], v));
}

/** expect.arrayContaining(items): inside toEqual, any array holding every item. */
class ArrayContaining {
  readonly items: readonly unknown[];
  constructor(items: readonly unknown[]) {
    this.items = items;
  }
  matches(a: unknown): boolean {
    return Array.isArray(a) && this.items.every((i) => a.some((x) => equal(x, i)));
  }
}

/** Bun's toEqual: recursive, typed arrays by value, undefined properties ignored. */
/** expect.stringContaining(text): inside toEqual, any string holding text. */
class StringContaining {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  matches(a: unknown): boolean {
    return typeof a === "string" && a.includes(this.text);
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (b instanceof ArrayContaining || b instanceof StringContaining) return b.matches(a);
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
      toMatchObject: (v: object) => check(matches(actual, v), `toMatchObject(${show(v)})`),
      toBeNull: () => check(actual === null, "toBeNull()"),
      toBeDefined: () => check(actual !== undefined, "toBeDefined()"),
      toBeUndefined: () => check(actual === undefined, "toBeUndefined()"),
      toBeInstanceOf: (c: new (...a: never[]) => unknown) =>
        check(actual instanceof c, `toBeInstanceOf(${c.name}): got ${(actual as object)?.constructor?.name}`),
      toContain: (v: unknown) =>
        check((actual as { includes(x: unknown): boolean }).includes(v), `toContain(${show(v)})`),
      toMatch: (v: string | RegExp) =>
        check(typeof v === "string" ? String(actual).includes(v) : v.test(String(actual)), `toMatch(${String(v)})`),
      toHaveLength: (n: number) => check((actual as { length: number }).length === n, `toHaveLength(${n})`),
      toHaveProperty: (k: string) => check(k in (actual as object), `toHaveProperty(${k})`),
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
  // `await expect(promise).rejects.toThrow(...)` / `.rejects.toBeInstanceOf(...)`: the matcher on the rejection.
  const rejects = {
    toThrow: async (want?: Want) => {
      const e = await rejection(actual);
      if (!throwMatches(e, want)) throw new Error(`rejects.toThrow(${show(String(want))}): rejected with ${e}`);
    },
    toBeInstanceOf: async (c: new (...a: never[]) => unknown) => {
      const e = await rejection(actual);
      if (!(e instanceof c)) throw new Error(`rejects.toBeInstanceOf(${c.name}): rejected with ${e}`);
    },
  };
  return { ...make(false), not: make(true), rejects };
}

expect.arrayContaining = (items: readonly unknown[]) => new ArrayContaining(items);
expect.stringContaining = (text: string) => new StringContaining(text);

async function rejection(p: unknown): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection, the promise resolved");
}

/** Runs every registered test in order; returns the number that failed. */
export async function runAll(log: (line: string) => void): Promise<{ passed: number; failed: number }> {
  await Promise.all(pending);
  let failed = 0;
  for (const fn of before) await fn();
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
  for (const fn of after) await fn();
  return { passed: tests.length - failed, failed };
}

// The FIFO GPU queue: one job at a time, submission order kept, failures do not block later jobs, and a full
// queue rejects with QueueFullError.
import { describe, expect, test } from "bun:test";
import { GpuQueue, QueueFullError } from "./queue.ts";

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe("GpuQueue", () => {
  test("runs jobs one at a time in submission order; 1 running + maxWaiting waiting, the rest rejected", async () => {
    const q = new GpuQueue(2);
    const g = gate();
    const order: number[] = [];
    let active = 0;
    let maxActive = 0;
    const job = (i: number) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      if (i === 0) await g.wait;
      await new Promise((r) => setTimeout(r, 2));
      order.push(i);
      active--;
      if (i === 1) throw new Error("job 1 fails");
      return i * 10;
    };
    const results = [0, 1, 2, 3, 4].map((i) => q.run(job(i)).then((v) => ({ ok: v }), (e: Error) => ({ err: e })));
    await Promise.resolve();
    expect(q.stats().waiting + (q.stats().running ? 1 : 0)).toBe(3);
    g.open();
    const out = await Promise.all(results);
    expect(order).toEqual([0, 1, 2]);
    expect(maxActive).toBe(1);
    expect(out[0]).toEqual({ ok: 0 });
    expect((out[1] as { err: Error }).err.message).toBe("job 1 fails");
    expect(out[2]).toEqual({ ok: 20 });
    expect((out[3] as { err: Error }).err).toBeInstanceOf(QueueFullError);
    expect((out[4] as { err: Error }).err).toBeInstanceOf(QueueFullError);
    const counts = { completed: 3, rejected: 2, dropped: 0, cancelled: 0 };
    expect(q.stats()).toEqual({ running: false, waiting: 0, maxWaiting: 2, ...counts });
    expect(await q.run(async () => "after")).toBe("after");
  });
});

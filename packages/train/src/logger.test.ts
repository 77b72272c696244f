// JsonlLogger on resume: the records up to the resumed step stay, later ones and a line cut by a kill go.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonlLogger, readStepMetrics } from "./logger.ts";

test("a resumed JsonlLogger keeps one consistent file: later records and a cut last line dropped", () => {
  const path = join(mkdtempSync(join(tmpdir(), "sae-log-")), "metrics.jsonl");
  const line = (step: number, type: string) => `${JSON.stringify({ step, type, loss: step / 10, losses: {} })}\n`;
  writeFileSync(path, line(2, "step") + line(4, "step") + line(4, "eval") + line(6, "step") + '{"step":8,"type":"st');
  const log = new JsonlLogger(path, 4);
  log.log({ type: "step", loss: 0.5, losses: {} }, 5);
  expect(readFileSync(path, "utf8")).toBe(
    line(2, "step") + line(4, "step") + line(4, "eval") + `{"step":5,"type":"step","loss":0.5,"losses":{}}\n`,
  );
  expect(readStepMetrics(path).map((m) => [m.step, m.loss])).toEqual([
    [2, 0.2],
    [4, 0.4],
    [5, 0.5],
  ]);
  new JsonlLogger(path);
  expect(readFileSync(path, "utf8")).toBe("");
});

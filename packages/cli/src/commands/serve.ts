// `sae serve --model bundled --sae <dir|bundled> --port 8080 [--token T] [--cors origin]`: the HTTP API and dashboard
// (@sae/server's createApp) on one port until SIGINT/SIGTERM. Feature data comes from --features or
// <sae>/feature-data when `sae analyze` wrote it. With --port 0 a free port is picked and printed.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type FeatureSource } from "@sae/core";
import { openFeatureData } from "@sae/core/node";
import { createApp, listen, loadAnalysisPair, SERVER_LIMITS } from "@sae/server";
import { downloadProgress } from "@sae/train";
import { formatWeightMemory } from "@sae/transformer";
import type { CliIO, Command } from "../command.ts";
import {
  commandHelp,
  dtypeOf,
  modelOf,
  MODEL_FLAGS,
  parseCommandFlags,
  SAE_FLAGS,
  UsageError,
} from "./analysis_flags.ts";
import type { FlagSpec } from "./analysis_flags.ts";

export const SERVE_FLAGS = {
  ...MODEL_FLAGS,
  ...SAE_FLAGS,
  features: { kind: "string", help: "feature-data folder from `sae analyze` (default: <sae>/feature-data if present)" },
  port: { kind: "int", default: 8080, help: "TCP port (0: any free port)" },
  host: { kind: "string", default: "127.0.0.1", help: "interface to listen on" },
  token: { kind: "string", help: "require `Authorization: Bearer <token>` on /v1 routes" },
  cors: { kind: "list", help: "allowed CORS origin, repeatable ('*' for any)" },
  "max-new-tokens": { kind: "count", default: SERVER_LIMITS.maxNewTokens, help: "largest max_new_tokens per request" },
  "max-queue": { kind: "int", default: SERVER_LIMITS.maxQueue, help: "requests waiting for the GPU before 429" },
  help: { kind: "bool", default: false, help: "show this help" },
} satisfies Record<string, FlagSpec>;

const USAGE = "sae serve [--model-name bundled] [--sae bundled|dir|release/id] [--port 8080] [--token T] [--cors origin] [--features dir]";

const isLoopback = (host: string): boolean => /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i.test(host);

export async function runServe(args: string[], io: CliIO): Promise<number> {
  const { flags, positional } = parseCommandFlags("serve", args, SERVE_FLAGS);
  if (flags.help) return (io.out(commandHelp(USAGE, SERVE_FLAGS)), 0);
  if (positional.length) throw new UsageError(`sae serve: unexpected argument '${positional[0]}'\nusage: ${USAGE}`);
  const port = flags.port as number;
  if (port > 65535) throw new UsageError(`sae serve: --port must be 0..65535, got ${port}`);
  const token = flags.token as string | undefined;
  if (token !== undefined && token.trim() === "") throw new UsageError("sae serve: --token is empty (no request could pass it); give a secret, or omit --token");
  const host = flags.host as string;
  if (token === undefined && !isLoopback(host)) {
    io.err(`warning: sae serve: listening on ${host} without --token: anyone who can reach this machine can use the API\n`);
  }
  const pair = await loadAnalysisPair({
    model: modelOf(flags),
    dtype: dtypeOf("serve", flags),
    sae: flags.sae as string | undefined,
    checkpointsDir: flags.checkpoints as string,
    hub: { onProgress: downloadProgress(io.progress) },
  });
  io.err(`model ${pair.model.name}: ${formatWeightMemory(pair.hooked.memory())}\n`);
  const featureDir = (flags.features as string | undefined) ?? (pair.saeDir && existsSync(join(pair.saeDir, "feature-data")) ? join(pair.saeDir, "feature-data") : null);
  const features: FeatureSource | undefined = featureDir ? await openFeatureData(featureDir) : undefined;
  const cors = flags.cors as string[];
  const app = createApp({
    model: pair.model,
    sae: pair.sae,
    features,
    token,
    host,
    cors: cors.length ? cors : undefined,
    limits: { maxNewTokens: flags["max-new-tokens"] as number, maxQueue: flags["max-queue"] as number },
  });
  const server = await listen(app, { port, hostname: host });
  io.out(`sae serve: listening on ${server.url} (${pair.model.name}; ${pair.saeLabel}; ${features ? `feature data ${featureDir}` : "no feature data: run `sae analyze <checkpoint>` for examples"}${token !== undefined ? "; bearer token required" : ""})\n`);
  let unregister = (): void => {};
  const why = await new Promise<string>((done) => {
    unregister = io.onInterrupt(() => done("interrupt"));
    process.once("SIGTERM", () => done("SIGTERM"));
  });
  unregister();
  io.out(`sae serve: ${why}, shutting down\n`);
  await server.stop();
  return 0;
}

export const serveCommand: Command = { summary: "HTTP API + dashboard + steering playground", usage: USAGE, run: runServe };

// Matryoshka widths: strictly increasing positive integers ending at d_sae (SAELens appends d_sae when missing).
import type { SaeConfig } from "../../config.ts";
import { positiveInt } from "../../config_checks.ts";
import { SaeConfigError } from "../../errors.ts";

export function checkWidths(cfg: SaeConfig, where: string): void {
  let w = cfg.matryoshka_widths;
  if (!Array.isArray(w) || w.length === 0) {
    throw new SaeConfigError(`${where}: matryoshka_batchtopk needs 'matryoshka_widths' (e.g. [${Math.floor(cfg.d_sae / 4)}, ${cfg.d_sae}])`);
  }
  if (w[w.length - 1] !== cfg.d_sae) cfg.matryoshka_widths = w = [...w, cfg.d_sae];
  const ws = w;
  ws.forEach((v, i) => {
    positiveInt(v, `matryoshka_widths[${i}]`, where);
    if (i > 0 && v <= ws[i - 1]) {
      throw new SaeConfigError(`${where}: 'matryoshka_widths' must be strictly increasing, got [${ws.join(", ")}]`);
    }
  });
  if (w[w.length - 1] > cfg.d_sae) {
    throw new SaeConfigError(`${where}: 'matryoshka_widths' [${w.join(", ")}] exceed d_sae ${cfg.d_sae}`);
  }
}

// The static demo page's script (built to demo.js by demo/build.ts; no server beyond static files): in the
// browser's WebGPU it loads the bundled model (?model=<base URL>, default ./model/) and an SAE in the SAELens
// layout (?sae=<base URL>, default ./sae/: the SAE trained on the bundled model, see demo/README.md) by URL, shows
// the top features per token of the typed text, and generates with a chosen feature steered beside the plain
// completion (same seed). Results are plain DOM (full-precision activations in each row's data-features): the
// browser test reads them from there.
import { getDevice } from "@sae/tensor-core";
import { asAnalysisModel, asAnalysisSae, Sae, steerGenerate, topFeaturesPerToken } from "@sae/core";
import { loadModelFromUrl } from "@sae/transformer";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const modelUrl = params.get("model") ?? "./model/";
const saeUrl = params.get("sae") ?? "./sae/";
$("model-url").textContent = modelUrl;
$("sae-url").textContent = saeUrl;
const status = (s: string) => {
  $("status").textContent = s;
};

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

async function main(): Promise<void> {
  const device = await getDevice();
  const hooked = await loadModelFromUrl(modelUrl, { device });
  const model = asAnalysisModel(hooked, "tiny-shakespeare");
  const sae = asAnalysisSae(await Sae.fromUrl(saeUrl, device));
  (document.body.dataset as DOMStringMap).dSae = String(sae.cfg.d_sae);
  $<HTMLInputElement>("feature").max = String(sae.cfg.d_sae - 1);

  const inspect = async () => {
    status("encoding…");
    const r = await topFeaturesPerToken(model, sae, $<HTMLTextAreaElement>("text").value, { top: 3 });
    const body = $("features").querySelector("tbody")!;
    body.replaceChildren(
      ...r.tokens.map((tok, p) => {
        const tr = document.createElement("tr");
        const feats = r.features[p].map((f) => `${f.index}: ${f.value.toFixed(4)}`).join(", ");
        tr.append(cell(tok), cell(feats));
        tr.dataset.features = JSON.stringify(r.features[p].map((f) => [f.index, f.value]));
        return tr;
      }),
    );
    status("features ready");
  };
  const steer = async () => {
    status("generating…");
    const num = (id: string) => Number($<HTMLInputElement>(id).value);
    const r = await steerGenerate(model, sae, $<HTMLTextAreaElement>("text").value, [
      { index: num("feature"), strength: num("strength") },
    ], { maxNewTokens: num("tokens"), temperature: num("temperature"), seed: num("seed") });
    $("plain").textContent = r.unsteered;
    $("steered").textContent = r.steered;
    status("generated");
  };
  const guard = (f: () => Promise<void>) => () => f().catch((e) => status(`error: ${(e as Error).message}`));
  $("inspect").addEventListener("click", guard(inspect));
  $("steer").addEventListener("click", guard(steer));
  status(`ready: ${device.describe()}`);
}

main().catch((e) => status(`error: ${(e as Error).message}`));

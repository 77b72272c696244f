// A ModelSource over a Hugging Face hub repo: each file is downloaded once through the hub client (its cache,
// resume, checksum and HF_TOKEN for gated repos; HF_HUB_OFFLINE=1 reads only the cache) and its local path
// returned. `has` is a download that answers false on HTTP 404 (or, offline, a file the cache does not hold);
// any other failure (401/403 of a gated repo without a token, network) is thrown as the hub client typed it.
// Download progress goes to hub.onProgress (the CLI passes @sae/train's downloadProgress, which draws bars).
import { DownloadError, UnavailableError } from "@sae/hub";
import { hubDownload, type HubDownloadOptions } from "@sae/hub/node";
import type { ModelSource } from "./load_model.ts";

export function hubSource(repoId: string, hub: HubDownloadOptions = {}): ModelSource {
  const got = new Map<string, Promise<string | null>>();
  const fetchOnce = (file: string): Promise<string | null> => {
    let p = got.get(file);
    if (!p) {
      p = hubDownload(repoId, file, hub).catch((e: unknown) => {
        const missing = e instanceof DownloadError && !(e instanceof UnavailableError);
        if (missing && /HTTP 404|not in the cache/.test(e.message)) return null;
        throw e;
      });
      got.set(file, p);
    }
    return p;
  };
  return {
    label: `hub repo ${repoId}`,
    has: async (file) => (await fetchOnce(file)) !== null,
    path: async (file) => {
      const p = await fetchOnce(file);
      if (p === null) throw new DownloadError(`hub: ${repoId}/${file} not found: HTTP 404`);
      return p;
    },
  };
}

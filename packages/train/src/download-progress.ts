// Terminal bars for hub downloads: the hub client (@sae/hub) only reports bytes through its onProgress
// callback; this turns those reports into one ProgressBar per file (label = file name, unit bytes), finished when
// the file's last byte arrives. The CLI passes it to everything that downloads (models, pretrained SAEs, datasets).
import type { DownloadProgress } from "@sae/hub";
import { ProgressBar, type ProgressStream } from "./progress.ts";

/** An onProgress callback drawing a byte bar per downloaded file on `stream` (silent unless it is a TTY). */
export function downloadProgress(stream?: ProgressStream, quiet = false): (p: DownloadProgress) => void {
  const bars = new Map<string, ProgressBar>();
  return (p) => {
    const key = `${p.repoId}/${p.filename}`;
    let bar = bars.get(key);
    if (!bar) {
      bar = new ProgressBar({ total: p.total, unit: "B", label: p.filename, stream, quiet });
      bars.set(key, bar);
    }
    bar.total = p.total;
    bar.update(p.downloaded);
    if (p.total !== undefined && p.downloaded >= p.total) {
      bar.finish();
      bars.delete(key);
    }
  };
}

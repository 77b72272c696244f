// The web page served at GET /: a feature dashboard (max-activating examples highlighted by activation,
// promoted/suppressed tokens, density histogram) and a steering playground. Plain HTML/CSS/JS in page.html,
// no build step; it talks to the same app's /v1 routes. Read once at startup.
import { readFileSync } from "node:fs";

export const PAGE_HTML: string = readFileSync(new URL("./page.html", import.meta.url), "utf8");

// The web page served at GET /: a feature dashboard (max-activating examples highlighted by activation,
// promoted/suppressed tokens, density histogram) and a steering playground. Plain HTML/CSS/JS in page.html,
// no build step; it talks to the same app's /v1 routes. Imported as text: Bun reads it, and scripts/build.ts
// inlines it into the built JavaScript (Node, Deno, bundlers need no page.html beside the module).
import page from "./page.html" with { type: "text" };

export const PAGE_HTML: string = page as unknown as string; // @types/bun types *.html as an HTMLBundle

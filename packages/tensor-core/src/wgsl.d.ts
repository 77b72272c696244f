// WGSL sources are imported as text: `import src from "./x.wgsl" with { type: "text" }` (Bun, bundlers).
declare module "*.wgsl" {
  const source: string;
  export default source;
}

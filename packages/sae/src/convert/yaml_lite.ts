// The YAML subset the transcoder releases' config files use (wandb-config.yaml, config.yaml): nested block
// mappings by indentation with plain or quoted scalars (numbers, true/false, null, strings). Sequences and flow
// collections are kept as their raw text, which no conversion reads. Not a general YAML parser.
import { SaeConfigError } from "../errors.ts";

function scalar(text: string): unknown {
  const t = text.trim();
  if (t === "" || t === "~" || t === "null" || t === "Null" || t === "NULL") return null;
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1);
  return t;
}

/** A YAML document of block mappings as a nested object. */
export function parseYamlMapping(text: string, file: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const stack: { indent: number; obj: Record<string, unknown> }[] = [{ indent: -1, obj: root }];
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    if (/^\s*(#.*)?$/.test(line) || line.trim() === "---") continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (body.startsWith("- ") || body === "-") continue; // sequence items: not read by any conversion
    const m = /^("[^"]*"|'[^']*'|[^:#]+?):(\s+(.*))?$/.exec(body);
    if (!m) throw new SaeConfigError(`${file}:${n + 1}: not a 'key: value' line: ${JSON.stringify(body)}`);
    while (stack.length > 1 && indent <= stack[stack.length - 1].indent) stack.pop();
    const key = String(scalar(m[1]));
    const rest = (m[3] ?? "").replace(/\s+#.*$/, "");
    const parent = stack[stack.length - 1].obj;
    if (rest === "") {
      const child: Record<string, unknown> = {};
      parent[key] = child;
      stack.push({ indent, obj: child });
    } else parent[key] = scalar(rest);
  }
  return root;
}

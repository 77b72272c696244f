// activation: elementwise maps the model families need beside unary.wgsl's GPT-2 gelu. KIND 0: silu x / (1 + e^-x);
// 1: exact (erf) gelu 0.5 x (1 + erf(x / sqrt 2)), erf from Numerical Recipes' erfc (fractional error < 1.2e-7);
// 2: soft cap cap * tanh(x / cap). One invocation per element.
override KIND: u32 = 0u;

struct Params { n: u32, cap: f32, _a: u32, _b: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn erf(v: f32) -> f32 {
  let z = abs(v);
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
    + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  let r = 1.0 - t * exp(-z * z + poly);
  return select(-r, r, v >= 0.0);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.n) { return; }
  let v = x[i];
  if (KIND == 0u) {
    y[i] = v / (1.0 + exp(-v));
  } else if (KIND == 1u) {
    y[i] = 0.5 * v * (1.0 + erf(v * 0.70710678118654752));
  } else {
    y[i] = p.cap * tanh(v / p.cap);
  }
}

// binary: out = a (op) b with numpy broadcasting over up to 4 dims; one invocation per output element.
// Strides are 0 on broadcast dims. SAME skips the index arithmetic when a, b and out share one shape.
// ALIAS bit 0/1: input a/b is `out` itself (read from out; its own binding is a dummy).
override OP: u32 = 0u; // 0 add, 1 sub, 2 mul, 3 div
override SAME: bool = false;
override ALIAS: u32 = 0u;

struct Params { n: u32, d1: u32, d2: u32, d3: u32, sa: vec4<u32>, sb: vec4<u32> }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn loadA(i: u32) -> f32 {
  if ((ALIAS & 1u) != 0u) { return out[i]; }
  return a[i];
}

fn loadB(i: u32) -> f32 {
  if ((ALIAS & 2u) != 0u) { return out[i]; }
  return b[i];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= p.n) { return; }
  var ia = i;
  var ib = i;
  if (!SAME) {
    let i3 = i % p.d3;
    let r2 = i / p.d3;
    let i2 = r2 % p.d2;
    let r1 = r2 / p.d2;
    let idx = vec4<u32>(r1 / p.d1, r1 % p.d1, i2, i3);
    ia = dot(idx, p.sa);
    ib = dot(idx, p.sb);
  }
  let x = loadA(ia);
  let y = loadB(ib);
  switch OP {
    case 0u: { out[i] = x + y; }
    case 1u: { out[i] = x - y; }
    case 2u: { out[i] = x * y; }
    default: { out[i] = x / y; }
  }
}

// CPU reference for auxDead (ops/aux_dead.ts).
import { checkDType, host, type HostTensor } from "../tensor.ts";

/** dead / bias [d_sae], coef [1] = c and twice [1] = 2c, c = scale * min(n_dead / kAux, 1) (float32 as the kernel). */
export function auxDead(sinceFired: HostTensor, window: number, kAux: number, scale: number):
  { dead: HostTensor; bias: HostTensor; coef: HostTensor; twice: HostTensor } {
  checkDType("auxDead (cpu)", "sinceFired", sinceFired, "f32");
  const n = sinceFired.data.length;
  const dead = new Float32Array(n);
  const bias = new Float32Array(n).fill(-3e38);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (sinceFired.data[i] > Math.fround(window)) [dead[i], bias[i], count] = [1, 0, count + 1];
  }
  const f = Math.fround;
  const c = f(f(scale) * Math.min(f(count / f(kAux)), 1));
  return { dead: host([n], dead), bias: host([n], bias), coef: host([1], [c]), twice: host([1], [f(2 * c)]) };
}

// auxDead: the TopK family's dead-latent mask and aux-k coefficient on the device, so a training step that uses
// them reads nothing back (SAELens keeps the mask on the device too). From since_fired [d_sae] (steps since each
// latent last fired): dead [d_sae] 1 / 0, bias [d_sae] 0 where dead and -3e38 where live (added to the scores, the
// aux-k selection never takes a live latent before a dead one), coef [1] = c and twice [1] = 2c with
// c = scale * min(n_dead / kAux, 1) (SAELens calculate_topk_aux_loss's scale, times aux_loss_coefficient / batch).
// One dispatch of one workgroup. The CPU reference is cpu/aux_dead.ts.
import { params } from "../device.ts";
import { LimitError, ShapeError } from "../errors.ts";
import { fmt } from "../shape.ts";
import { checkDType, deviceOf, Tensor } from "../tensor.ts";
import source from "./aux_dead.wgsl" with { type: "text" };

const kernel = { name: "aux_dead", source };

export interface AuxDead {
  dead: Tensor; // [d_sae] 1 where dead
  bias: Tensor; // [d_sae] 0 where dead, -3e38 where live
  coef: Tensor; // [1] c
  twice: Tensor; // [1] 2c
}

/** sinceFired [d_sae] f32, dead where > window; coef from kAux (> 0) and scale. */
export function auxDead(sinceFired: Tensor, window: number, kAux: number, scale: number): AuxDead {
  const dev = deviceOf("auxDead", sinceFired);
  checkDType("auxDead", "sinceFired", sinceFired, "f32");
  if (sinceFired.shape.length !== 1) {
    throw new ShapeError(`auxDead: sinceFired must be [d_sae], got ${fmt(sinceFired.shape)}`);
  }
  if (!(kAux > 0)) throw new LimitError(`auxDead: kAux = ${kAux} must be positive`);
  const n = sinceFired.size;
  const out = {
    dead: Tensor.empty(dev, [n], "f32", "aux dead"),
    bias: Tensor.empty(dev, [n], "f32", "aux dead bias"),
    coef: Tensor.empty(dev, [1], "f32", "aux coef"),
    twice: Tensor.empty(dev, [1], "f32", "aux coef x2"),
  };
  const buffers = [sinceFired.binding, out.dead.binding, out.bias.binding, out.coef.binding, out.twice.binding];
  dev.run(kernel, { buffers, params: params(n, { f32: window }, { f32: kAux }, { f32: scale }), workgroups: [1] });
  return out;
}

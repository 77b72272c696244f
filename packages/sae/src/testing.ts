// @sae/core/testing: test helpers other packages' tests may use (not part of the main surface): the goldens
// SAELens 6.18 itself computed (fixtures/saelens, scripts/saelens_goldens.py) and their decoding; the tiny CPU-checked
// fake model and SAE of the analysis and server tests.
export { FakeModel, FakeSae, FAKE_HOOK } from "./analysis/fakes.ts";
export {
  ATOL,
  configOf,
  f32,
  paramsOf,
  RTOL,
  saeLensGoldens,
  scalarOf,
  trainingCase,
  type EncTensor,
  type FitRun,
  type SaeLensGoldens,
  type ScheduleCase,
  type TrainerCase,
  type TrainerStep,
  type TrainingCase,
} from "./saelens_fixtures.ts";

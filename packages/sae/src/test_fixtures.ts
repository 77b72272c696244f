// Test helper (not exported from the package): where the fixture folders live (checkpoints written by
// scripts/make_fixtures.py, the ghost-grads golden, the hook_z run; SAELens goldens: saelens_fixtures.ts).
import { join } from "node:path";

export const FIXTURES = join(import.meta.dir, "..", "fixtures");

# Golden rows for concat-batch.ts from SAELens 6.18's own concat_and_batch_sequences (tokenization_and_batching.py).
# Run: /usr/bin/python3 packages/train/scripts/concat_batch_golden.py --src /work/ref/saelens
#   -> packages/train/fixtures/concat_batch.json: [{docs, options, rows}] for a spread of option combinations.
import argparse, importlib.util, json, os, random
import torch

ap = argparse.ArgumentParser()
ap.add_argument("--src", default="/work/ref/saelens")
args = ap.parse_args()
spec = importlib.util.spec_from_file_location("tb", os.path.join(args.src, "sae_lens", "tokenization_and_batching.py"))
tb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tb)

rng = random.Random(13)
BOS, EOS, SEP = 0, 1, 2
docs = [[rng.randrange(3, 50) for _ in range(rng.randrange(1, 14))] for _ in range(12)]
docs[3] = [BOS] + docs[3]  # a document that already starts with BOS
docs[5] = [SEP] + docs[5]
cases = []
for ctx in (5, 8):
    for bb in (None, BOS):
        for bs in (None, EOS, BOS):
            for sep in (None, SEP, BOS):
                for dis in (False, True):
                    rows = tb.concat_and_batch_sequences(
                        iter(torch.tensor(d) for d in docs), ctx,
                        begin_batch_token_id=bb, begin_sequence_token_id=bs,
                        sequence_separator_token_id=sep, disable_concat_sequences=dis)
                    cases.append({"options": {"contextSize": ctx, "beginBatchToken": bb, "beginSequenceToken": bs,
                                              "sequenceSeparatorToken": sep, "disableConcatSequences": dis},
                                  "rows": [r.tolist() for r in rows]})
out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "concat_batch.json")
with open(out, "w") as f:
    json.dump({"docs": docs, "cases": cases}, f, separators=(",", ":"))
print(f"wrote {len(cases)} cases to {out}")

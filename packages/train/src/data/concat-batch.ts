// SAELens's concat_and_batch_sequences (tokenization_and_batching.py), line for line: token sequences in, rows of
// exactly context_size tokens out. begin_batch_token starts every row, begin_sequence_token every document, the
// sequence_separator goes between documents within a row; each is only added when the next token is not it already.
// With disable_concat_sequences each document gives at most one row and shorter documents are dropped.
// Checked against the Python function's output (golden file written by scripts/concat_batch_golden.py).

export interface ConcatOptions {
  contextSize: number;
  beginBatchToken?: number | null;
  beginSequenceToken?: number | null;
  sequenceSeparatorToken?: number | null;
  disableConcatSequences?: boolean;
}

function cat(...parts: ArrayLike<number>[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** _add_tokens_to_batch: appends prefix tokens and the next tokens of `tokens` from `offset` to the row. */
function addTokens(
  batch: Int32Array | null,
  tokens: Int32Array,
  offset: number,
  isStart: boolean,
  o: ConcatOptions,
): [Int32Array, number] {
  const ctx = o.contextSize;
  const prefix: number[] = [];
  let first = tokens[offset];
  if (isStart && o.beginSequenceToken != null && first !== o.beginSequenceToken) {
    prefix.unshift(o.beginSequenceToken);
    first = o.beginSequenceToken;
  }
  if (batch === null) {
    if (o.beginBatchToken != null && first !== o.beginBatchToken) prefix.unshift(o.beginBatchToken);
    const needed = Math.max(ctx - prefix.length, 0);
    return [cat(prefix.slice(0, ctx), tokens.subarray(offset, offset + needed)), offset + needed];
  }
  if (o.sequenceSeparatorToken != null && first !== o.sequenceSeparatorToken) prefix.unshift(o.sequenceSeparatorToken);
  const needed = Math.max(ctx - batch.length - prefix.length, 0);
  const prefixNeeded = Math.max(ctx - batch.length, 0);
  return [cat(batch, prefix.slice(0, prefixNeeded), tokens.subarray(offset, offset + needed)), offset + needed];
}

/** Rows of context_size tokens from the documents of `docs` (async: documents may stream from the hub). */
export async function* concatAndBatch(
  docs: AsyncIterable<Int32Array>,
  o: ConcatOptions,
): AsyncGenerator<Int32Array> {
  const ctx = o.contextSize;
  if (o.disableConcatSequences) {
    const bos = o.beginBatchToken && o.beginSequenceToken == null ? o.beginBatchToken : o.beginSequenceToken;
    for await (let seq of docs) {
      if (bos != null && seq[0] !== bos && seq.length >= ctx - 1) seq = cat([bos], seq.subarray(0, ctx - 1));
      if (seq.length >= ctx) yield seq.slice(0, ctx);
    }
    return;
  }
  let batch: Int32Array | null = null;
  for await (const tokens of docs) {
    let offset = 0;
    let isStart = true;
    while (tokens.length - offset > 0) {
      [batch, offset] = addTokens(batch, tokens, offset, isStart, o);
      isStart = false;
      if (batch.length === ctx) {
        yield batch;
        batch = null;
      }
    }
  }
}

// Small CPU selection helpers for analysis results: the k largest entries of a row, and a bounded min-heap
// that keeps the N best items seen in a stream (the max-activating examples of one feature).
import type { FeatureValue } from "./types.ts";

/** The k largest entries of row[start .. start+len) that pass `keep` (default: > 0), sorted descending;
 * ties go to the lower index. */
export function topOfRow(row: ArrayLike<number>, start: number, len: number, k: number, keep: (v: number) => boolean = (v) => v > 0): FeatureValue[] {
  const best: FeatureValue[] = [];
  if (k <= 0) return best;
  for (let i = 0; i < len; i++) {
    const v = row[start + i];
    if (!keep(v)) continue;
    if (best.length === k && v <= best[k - 1].value) continue;
    const item = { index: i, value: v };
    if (best.length < k) best.push(item);
    else best[k - 1] = item;
    let j = best.length - 1;
    while (j > 0 && best[j - 1].value < v) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = item;
  }
  return best;
}

/** Keeps the `capacity` items with the largest `value` seen so far (ties: the earlier item stays). */
export class TopHeap<T extends { value: number }> {
  readonly capacity: number;
  private items: T[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length;
  }

  /** The smallest value an item must beat to get in (-Infinity while not full). */
  get threshold(): number {
    return this.items.length < this.capacity ? -Infinity : this.items[0].value;
  }

  /** Offers an item built lazily: `make` runs only when the value gets in. */
  offer(value: number, make: () => T): boolean {
    if (this.capacity === 0 || value <= this.threshold) return false;
    const item = make();
    const a = this.items;
    if (a.length < this.capacity) {
      a.push(item);
      let i = a.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (a[p].value <= a[i].value) break;
        [a[p], a[i]] = [a[i], a[p]];
        i = p;
      }
    } else {
      a[0] = item;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].value < a[m].value) m = l;
        if (r < a.length && a[r].value < a[m].value) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return true;
  }

  /** The kept items, largest value first. */
  sorted(): T[] {
    return [...this.items].sort((x, y) => y.value - x.value);
  }
}

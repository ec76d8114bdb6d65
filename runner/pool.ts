// Runs async jobs with at most `limit` in flight, calling onDone as each finishes; results keep input order.
export async function pool<I, O>(
  items: readonly I[],
  limit: number,
  work: (item: I, index: number) => Promise<O>,
  onDone?: (out: O, index: number) => void,
): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as I, i);
      onDone?.(out[i] as O, i);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

// The charts' numbers, worked out before any drawing: the loss axis's range and a long series thinned
// to what a chart can show. Pure: no DOM, no chart library.

/** The loss axis's [bottom, top]: from 0 (or the lowest loss, if below 0) to a little above the highest;
 * a flat curve (a dead ReLU's) sits in the middle of the chart rather than pinned to its top edge. */
export function lossDomain(values) {
  const finite = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  if (!finite.length) return [0, 1];
  const lowest = Math.min(...finite);
  const highest = Math.max(...finite);
  const bottom = Math.min(0, lowest);
  if (highest - lowest <= 1e-3 * Math.max(Math.abs(highest), 1e-12)) {
    return highest === bottom ? [bottom, bottom + 1] : [bottom, bottom + 2 * (highest - bottom)];
  }
  return [bottom, highest + 0.05 * (highest - bottom)];
}

/** At most `most` items of a series, evenly spread, always keeping the first and the last. */
export function thin(items, most = 400) {
  if (items.length <= most) return items;
  const stride = (items.length - 1) / (most - 1);
  return Array.from({ length: most }, (_, k) => items[Math.round(k * stride)]);
}

/** A loss series (numbers or the trace's "inf"/"nan" strings) as chart rows {step, loss}, with
 * non-finite losses left out (the line ends where training blew up). */
export function lossRows(losses) {
  return losses.flatMap((loss, step) => (typeof loss === "number" && Number.isFinite(loss) ? [{ step, loss }] : []));
}

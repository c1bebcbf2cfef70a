// How often the live list redraws: a short highlight for new rows only while they arrive slowly
// (hundreds of concurrent CSS animations would cost more than everything else on the page), and
// above some rates at most one redraw per 250 or 500 ms (nobody reads faster, and rows drawn then
// dropped before anyone looks are work for nothing). Pure: no DOM.

export const HIGHLIGHT_MAX_PER_S = 20; // rows per second up to which new rows are highlighted
/** [rows per second above which, minimum ms between redraws], highest first. */
export const BUSY_STEPS = [
  [1000, 500],
  [400, 250],
];

/** {highlight, minIntervalMs} at an arrival rate of ``perSecond`` rows. */
export function listPacing(perSecond) {
  const step = BUSY_STEPS.find(([rate]) => perSecond > rate);
  return { highlight: perSecond <= HIGHLIGHT_MAX_PER_S, minIntervalMs: step ? step[1] : 0 };
}

/** Counts over a sliding window: ``add(now, n)`` returns how many arrived in the last ``windowMs``. */
export class RateWindow {
  constructor(windowMs = 1000) {
    this.windowMs = windowMs;
    this.entries = [];
  }

  add(now, n) {
    this.entries = this.entries.filter(([t]) => now - t < this.windowMs);
    this.entries.push([now, n]);
    return this.entries.reduce((sum, [, count]) => sum + count, 0);
  }
}

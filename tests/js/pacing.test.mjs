import assert from "node:assert/strict";
import { test } from "node:test";

import { HIGHLIGHT_MAX_PER_S, RateWindow, listPacing } from "../../static/pacing.js";

test("rows are highlighted only while they arrive slowly", () => {
  assert.deepEqual(listPacing(HIGHLIGHT_MAX_PER_S), { highlight: true, minIntervalMs: 0 });
  assert.deepEqual(listPacing(HIGHLIGHT_MAX_PER_S + 1), { highlight: false, minIntervalMs: 0 });
});

test("busy lists redraw at most every 250 ms, then every 500 ms", () => {
  assert.equal(listPacing(400).minIntervalMs, 0);
  assert.equal(listPacing(401).minIntervalMs, 250);
  assert.equal(listPacing(1000).minIntervalMs, 250);
  assert.equal(listPacing(1001).minIntervalMs, 500);
});

test("the rate window sums what arrived within it", () => {
  const rate = new RateWindow(1000);
  assert.equal(rate.add(0, 5), 5);
  assert.equal(rate.add(500, 5), 10);
  assert.equal(rate.add(999, 1), 11);
  assert.equal(rate.add(1000, 1), 7, "the arrivals at 0 left the window");
  assert.equal(rate.add(5000, 2), 2);
});

import assert from "node:assert/strict";
import { test } from "node:test";

import { clockTime, formatDuration, formatRate, parseTime, shortId } from "../../static/format.js";

test("durations read like plugins_core.format_duration_ms", () => {
  const cases = [
    [0.5, "0.50 ms"],
    [640, "640 ms"],
    [999.4, "999 ms"],
    [1240, "1.24 s"],
    [12345, "12.3 s"],
    [123000, "2m 03s"],
    [3900000, "1h 05m"],
    [-640, "-640 ms"],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
  for (const unknown of [null, undefined, NaN]) assert.equal(formatDuration(unknown), "—");
});

test("clock times are local, with milliseconds unless asked not to", () => {
  const ms = new Date(2026, 0, 2, 13, 4, 5, 123).getTime();
  assert.equal(clockTime(ms), "13:04:05.123");
  assert.equal(clockTime(ms, false), "13:04:05");
});

test("ISO times parse to epoch milliseconds", () => {
  assert.equal(parseTime("2026-01-01T00:00:01.500000+00:00"), Date.UTC(2026, 0, 1, 0, 0, 1, 500));
  assert.ok(Number.isNaN(parseTime("not a time")));
});

test("short ids cut uuids and keep short names", () => {
  assert.equal(shortId("0b8f1c2e-1111-2222-3333-444455556666"), "0b8f1c2e");
  assert.equal(shortId("sess-alpha"), "sess-alpha");
  assert.equal(shortId(null), "");
});

test("rates keep one decimal below ten", () => {
  assert.equal(formatRate(0.44), "0.4/s");
  assert.equal(formatRate(9.96), "10.0/s");
  assert.equal(formatRate(2055.4), "2055/s");
});

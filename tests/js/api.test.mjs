import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, errorParam } from "../../static/api.js";

test("the parameter an API error names is what precedes its first '='", () => {
  assert.equal(errorParam("type='nope': unknown event type"), "type");
  assert.equal(errorParam("min_confidence=2.0: must be in [0, 1]"), "min_confidence");
  assert.equal(errorParam("Last-Event-ID='abc': must be an event sequence number"), "Last-Event-ID");
  assert.equal(errorParam("network error: refused"), null);
  assert.equal(errorParam(""), null);
  assert.equal(errorParam(undefined), null);
});

test("ApiError keeps the status, the message and the parameter", () => {
  const error = new ApiError(400, "q=x: too long");
  assert.ok(error instanceof Error);
  assert.deepEqual([error.status, error.message, error.param], [400, "q=x: too long", "q"]);
});

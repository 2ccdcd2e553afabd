import { test } from "node:test";
import assert from "node:assert/strict";
import { locatePointer, pointerSegments } from "../src/pointer";

const text = `{
  "definition": {"States": {"a/b": {"Next": "X"}, "Sms": {"Type": "Task"}}},
  "list": [1, {"k": true}]
}`;

test("a pointer marks its property, key included", () => {
  const span = locatePointer(text, "/definition/States/a~1b/Next")!;
  assert.equal(text.slice(span.start, span.end), '"Next": "X"');
  assert.equal(span.exact, true);
  const inArray = locatePointer(text, "/list/1/k")!;
  assert.equal(text.slice(inArray.start, inArray.end), '"k": true');
});

test("a pointer to something absent marks the nearest part that exists", () => {
  const span = locatePointer(text, "/definition/States/Sms/Next")!;
  assert.equal(text.slice(span.start, span.end), '"Sms": {"Type": "Task"}');
  assert.equal(span.exact, false);
  assert.deepEqual(pointerSegments("/a~0b/c~1d"), ["a~b", "c/d"]);
});

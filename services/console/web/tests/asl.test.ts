import { test } from "node:test";
import assert from "node:assert/strict";
import { conditionLabel, definitionOf, duration, parseDefinition } from "../src/asl";

test("condition labels read like the rule", () => {
  assert.equal(conditionLabel({ Variable: "$.facts.dncActive", BooleanEquals: true, Next: "X" }), "$.facts.dncActive == true");
  assert.equal(conditionLabel({ Variable: "$.amount", NumericGreaterThanEquals: 100 }), "$.amount >= 100");
  assert.equal(conditionLabel({ Variable: "$.a", StringEqualsPath: "$.b" }), "$.a == $.b");
  assert.equal(conditionLabel({ Variable: "$.x", IsPresent: false }), "$.x is not present");
  assert.equal(conditionLabel({ And: [{ Variable: "$.a", BooleanEquals: true }, { Not: { Variable: "$.b", StringEquals: "v" } }] }),
    '$.a == true and not ($.b == "v")');
});

test("a definition becomes states and typed edges", () => {
  const g = parseDefinition({
    StartAt: "Sms",
    States: {
      Sms: { Type: "Task", Resource: "blend:sms", Next: "Paid", Catch: [{ ErrorEquals: ["Blend.OptedOut"], Next: "Email" }] },
      Paid: { Type: "Choice", Choices: [{ Variable: "$.paid", BooleanEquals: true, Next: "Done" }], Default: "Email" },
      Email: { Type: "Task", Resource: "blend:email", Next: "Fanout" },
      Fanout: { Type: "Parallel", Branches: [{ StartAt: "A", States: { A: { Type: "Pass", End: true } } }], Next: "Done" },
      Done: { Type: "Succeed" },
    },
  });
  assert.deepEqual(g.nodes.map((n) => n.name), ["Sms", "Paid", "Email", "Fanout", "Fanout/A", "Done"]);
  assert.equal(g.nodes.find((n) => n.name === "Sms")!.start, true);
  const kinds = g.edges.map((e) => `${e.from}>${e.to}:${e.kind}:${e.label}`);
  assert.ok(kinds.includes("Sms>Email:catch:Blend.OptedOut"));
  assert.ok(kinds.includes("Paid>Done:choice:$.paid == true"));
  assert.ok(kinds.includes("Paid>Email:default:default"));
  assert.ok(kinds.includes("Fanout>Fanout/A:branch:branch"));
  assert.deepEqual(g.problems, []);
});

test("broken transitions are reported, not drawn", () => {
  const g = parseDefinition({ StartAt: "Nope", States: { A: { Type: "Pass", Next: "Missing" } } });
  assert.equal(g.edges.length, 0);
  assert.equal(g.problems.length, 2);
  assert.deepEqual(definitionOf({ definition: { StartAt: "A" } }), { StartAt: "A" });
  assert.deepEqual(definitionOf({ StartAt: "A" }), { StartAt: "A" });
});

test("waits read as durations", () => {
  assert.equal(duration(86400), "1d");
  assert.equal(duration(5400), "1h30m");
  assert.equal(duration(45), "45s");
  assert.equal(duration(0), "0s");
});

// The soak (scripts/soak.mjs, `npm run soak`) in miniature: one Worker, many
// users, re-deliveries, wrong secrets, malformed bodies, crons, and faults at
// every edge (the Bot API, D1, KV); then the invariants of
// docs/architecture.md ("Soak") must all hold.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runSoak } from "../../scripts/soak.mjs";

test("soak: the failure model holds under faults (short run)", { timeout: 240_000 }, async () => {
  const summary = await runSoak({ minutes: 1.5, updates: 1000, concurrency: 8, seed: 7 });
  assert.deepEqual(summary.violations, [], JSON.stringify(summary, null, 2));
  // The run really exercised what it claims to.
  assert.ok(summary.updates >= 150, `only ${summary.updates} updates`);
  assert.equal(Object.keys(summary.statuses).join(","), "200");
  assert.ok(summary.notes > 0 && summary.reminders > 0, "notes and reminders were made");
  assert.ok(summary.remindersDelivered > 0, "reminders were delivered");
  const botFaults = Object.values(summary.bot_api_faults).reduce((a, b) => a + b, 0);
  const storeFaults = Object.values(summary.store_faults).reduce((a, b) => a + b, 0);
  assert.ok(botFaults > 0 && storeFaults > 0, "faults were injected at both edges");
  assert.ok(summary.redelivered > 0 && summary.unauthorized > 0 && summary.malformed > 0);
  assert.equal(summary.requests_in_flight_end, 0);
  assert.equal(summary.serves_after_trap, true);
});

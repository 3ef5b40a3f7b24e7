// Nothing grows per request: after a warm-up, thousands more updates through
// the same wasm instance leave its heap top and its memory where they were
// (issue: "wasm memory after 100,000 updates equals its size after 1,000").
// npm test runs a smaller count; MITI_MEMORY_UPDATES=100000 runs the full one.
// The heap top is read through the instance's exports by testkit/soak_entry.mjs
// (with its fault rates left at zero).
import assert from "node:assert/strict";
import { test } from "node:test";
import { SECRET, startWorker, textUpdate } from "../../testkit/index.mjs";
import { SOAK_WORKER } from "../../scripts/soak.mjs";

const TOTAL = Number(process.env.MITI_MEMORY_UPDATES ?? 6000);
const WARM_UP = Math.min(1000, TOTAL / 4);
const IN_FLIGHT = 25;

test(`wasm memory is flat from ${WARM_UP} to ${TOTAL} updates on one instance`, { timeout: 600_000 }, async () => {
  const w = await startWorker({ scriptPath: SOAK_WORKER, migrations: true, bindings: { MODULES: "util,misc,notes,remind" } });
  const stats = async () => (await w.fetch("/__soak/stats")).json();
  // A mix of what a bot sees: commands that answer, write KV and D1, unknown
  // commands, plain text nobody handles, channel posts, garbage.
  const kinds = [
    (i) => textUpdate("/info", { chatId: 100 + (i % 50), fromId: 100 + (i % 50), updateId: i }),
    (i) => textUpdate("/ping", { chatId: 200 + (i % 50), fromId: 200 + (i % 50), updateId: i }),
    (i) => textUpdate("hello there", { chatId: -100 - (i % 7), chatType: "group", updateId: i }),
    (i) => textUpdate("/notes", { chatId: 300 + (i % 40), fromId: 300 + (i % 40), updateId: i }),
    (i) => textUpdate("/nosuchcommand", { chatId: 400 + (i % 9), fromId: 400 + (i % 9), updateId: i }),
    (i) => ({ update_id: i, channel_post: { message_id: i, date: 1, chat: { id: -1009, type: "channel" }, text: "post" } }),
  ];
  let next = 1;
  const updates = (count) => Array.from({ length: count }, () => next++).map((id) => kinds[id % kinds.length](id));
  // Through HTTP from node, as Telegram sends them.
  const sendOverHttp = async (count) => {
    const batch = updates(count);
    const lanes = Array.from({ length: IN_FLIGHT }, async () => {
      while (batch.length > 0) {
        const response = await w.webhook(batch.shift());
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
    });
    await Promise.all(lanes);
  };
  // The same requests made inside the isolate (testkit/soak_entry.mjs's
  // /__soak/replay hands each to the Worker's fetch handler): no HTTP round
  // trip from node per update, so thousands cost seconds.
  const replay = async (count) => {
    for (let left = count; left > 0; left -= 1000) {
      const batch = updates(Math.min(1000, left));
      const response = await w.fetch("/__soak/replay", { method: "POST", body: JSON.stringify({ updates: batch, in_flight: IN_FLIGHT, secret: SECRET }) });
      assert.equal(response.status, 200);
      assert.deepEqual((await response.json()).statuses, { 200: batch.length });
    }
  };
  try {
    await sendOverHttp(WARM_UP);
    // (Only reads and fixed-size writes: the data the handlers see, and so
    // their allocations, is the same from one round to the next.)
    const warm = await stats();
    await replay(WARM_UP);
    const settled = await stats();  // buffers sized to the largest update seen
    await replay(TOTAL - 2 * WARM_UP);
    const end = await stats();
    console.log(`heap top after ${2 * WARM_UP} updates: ${settled.heap_bytes} bytes`);
    console.log(`heap top ${warm.heap_bytes} → ${end.heap_bytes} bytes, memory ${warm.memory_bytes} → ${end.memory_bytes} bytes (${WARM_UP} → ${TOTAL} updates)`);
    assert.equal(end.instances, 1, "one wasm instance served every update");
    assert.equal(end.requests_in_flight, 0);
    assert.equal(end.memory_bytes, warm.memory_bytes, "wasm memory did not grow");
    // The heap top follows the peak of requests in flight at once (here up to
    // 25), which varies with timing by a few KiB; a leak of even 16
    // bytes per update would move it further than this over the last run.
    // (npm run bench's section 4, one update after another, checks it exact.)
    const slack = 64 * 1024;
    assert.ok(end.heap_bytes - settled.heap_bytes <= slack, `the heap top grew by ${end.heap_bytes - settled.heap_bytes} bytes`);
  } finally {
    await w.dispose();
  }
});

// The cost of at-most-once delivery (docs/architecture.md, "Delivery"): the
// same /note update through the production Worker in Miniflare, with real D1,
// with MITI_DEDUP on (the default: a claim batch before the handler, a write
// after the answer) and off. One request at a time, so each figure is the
// latency a user sees; the two Workers alternate batch by batch.
import { PRODUCTION_WORKER, startWorker, textUpdate } from "../testkit/index.mjs";

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function measureDedup({ modules, batches = 9, perBatch = 100 } = {}) {
  const start = (dedup) =>
    startWorker({ scriptPath: PRODUCTION_WORKER, migrations: true, bindings: { MODULES: modules, MITI_DEDUP: dedup } });
  const workers = { on: await start("on"), off: await start("off") };
  let nextUpdate = 1;
  // Many owners, so no one reaches the per-owner note limit.
  const send = async (worker) => {
    const id = nextUpdate++;
    const response = await worker.webhook(textUpdate(`/note bench ${id}`, { chatId: 10_000 + id, fromId: 10_000 + id, updateId: id }));
    const body = await response.text();
    if (response.status !== 200 || !body.includes("saved note")) throw new Error(`/note answered ${response.status} ${body.slice(0, 80)}`);
  };
  try {
    for (const worker of Object.values(workers)) for (let i = 0; i < 20; i++) await send(worker);
    const samples = { on: [], off: [] };
    for (let batch = 0; batch < batches; batch++) {
      for (const mode of batch % 2 ? ["on", "off"] : ["off", "on"]) {
        const t0 = performance.now();
        for (let i = 0; i < perBatch; i++) await send(workers[mode]);
        samples[mode].push(((performance.now() - t0) * 1000) / perBatch);
      }
    }
    const on = median(samples.on);
    const off = median(samples.off);
    const diffs = samples.on.map((v, i) => v - samples.off[i]);
    return { batches, per_batch: perBatch, on_us: on, off_us: off, added_us: median(diffs), samples };
  } finally {
    await Promise.all(Object.values(workers).map((w) => w.dispose()));
  }
}

// CLI: node bench/dedup.mjs
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureDedup({ modules: "util,misc,notes,remind" });
  console.log(
    `/note, one at a time, Miniflare D1: MITI_DEDUP=on ${r.on_us.toFixed(0)} µs, off ${r.off_us.toFixed(0)} µs per update; ` +
      `the delivery record adds ${r.added_us.toFixed(0)} µs (median of ${r.batches} paired batches of ${r.per_batch})`,
  );
}

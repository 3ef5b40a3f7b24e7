// In-isolate timing of a cold start for `npm run bench` (figure 2b).
//
// Each bench/cold/<target>.mjs entry imports this module FIRST, then the
// Worker: ES modules evaluate in import order, so `evalStart` is taken before
// the Worker's module graph runs its top-level code, and the entry's body
// runs after it. The entry wraps the Worker's fetch and times its first
// request. Script parsing and wasm compilation, which workerd does before any
// JS runs, are outside these figures (figure 2a, from Node, has them).
//
// The isolate's clock: Date.now() ticks in whole milliseconds and advances
// during computation in local workerd, also while modules evaluate
// (performance.now() stands still then, so it is not used here). Each start
// is taken on a tick edge (spin until Date.now() changes), so an end read
// from the same clock is late by 0 to 1 ms, 0.5 ms on average: half a tick is
// added to each duration. One figure is within ±0.5 ms; medians of several
// runs are closer.

const HALF_TICK_MS = 0.5;

// Spins until Date.now() moves on; returns the new value, a tick edge.
export function startAtEdge() {
  const from = Date.now();
  let now = from;
  while (now === from) now = Date.now();
  return now;
}

export const evalStart = startAtEdge();

// Wraps a Worker so that its first fetch is timed and logged as one JSON line
// {"bench_cold": {...}}; later requests pass straight through.
export function timedFirstRequest(target, worker) {
  const evalMs = Date.now() - evalStart + HALF_TICK_MS;
  let first = true;
  return {
    ...worker,
    async fetch(request, env, ctx) {
      if (!first) return worker.fetch(request, env, ctx);
      first = false;
      const start = startAtEdge();
      const response = await worker.fetch(request, env, ctx);
      const body = await response.text();  // the whole answer, as the runtime would send it
      const firstRequestMs = Date.now() - start + HALF_TICK_MS;
      console.log(JSON.stringify({ bench_cold: { target, eval_ms: evalMs, first_request_ms: firstRequestMs, status: response.status } }));
      return new Response(body || null, response);
    },
  };
}

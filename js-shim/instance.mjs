// One instance of the wasm core and the requests in flight on it.
//
// Requests interleave: C++ suspends a request at each host operation and this
// object resumes it when the Promise settles. If the instance traps it is
// marked dead (the entry point builds a fresh one for the next request). The
// request whose call trapped ends at once; every other request in flight ends
// when its own pending operation settles. workerd ties promises to the request
// that created them, so one request must never resolve another's.
//
// A request is answered (respond) and later ends (finish): a webhook handler
// may go on in the background after its answer, kept alive by waitUntil.
// Bounds: an operation that does not settle within its timeout is abandoned
// (the core sees a TimeoutError), and a request that outlives its own bound
// is cancelled (its coroutines destroyed), so nothing stays in flight forever.
import { describeError, performOperation } from "./host_ops.mjs";
import { instantiate } from "./loader.mjs";

// Secrets stay in JS: the wasm core never sees them.
const HOST_ONLY_VARS = new Set(["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]);
const OP_OK = 1;
const OP_FAILED = 0;
const OP_TIMED_OUT = 2;

const encoder = new TextEncoder();
const DIRECT_ENCODE_MAX = 16 * 1024;  // UTF-16 units

function randomWord() {
  const words = new Uint32Array(1);
  crypto.getRandomValues(words);
  return words[0];
}

export class CoreInstance {
  // wasmModule: the imported WebAssembly.Module (workerd forbids compiling
  // wasm from bytes).
  static async create({ wasmModule, fetcher } = {}) {
    const core = new CoreInstance({ fetcher });
    const { exports, heap } = instantiate(wasmModule, core.host());
    core.exports = exports;
    core.heap = heap;
    exports.miti_seed(randomWord(), randomWord());
    return core;
  }

  constructor({ fetcher } = {}) {
    this.fetcher = fetcher ?? ((...args) => fetch(...args));
    this.requests = new Map();
    this.envIds = new WeakMap();
    this.nextEnvId = 1;
    this.nextRequestId = 1;
    this.dead = false;
    this.operations = 0;
  }

  get inFlight() {
    return this.requests.size;
  }

  host() {
    return {
      submit: (requestId, operationId, json) => this.submit(requestId, operationId, json),
      respond: (requestId, status, body) => this.respond(requestId, status, body),
      finish: (requestId) => this.finish(requestId),
      log: (line) => console.log(line),
    };
  }

  // Runs one authenticated update (its body as text, or as UTF-8 bytes: the
  // core refuses invalid UTF-8 itself).
  // Resolves to {status, body, done} once the core answers; `done` is null
  // when the request has already ended, else it settles when the request
  // ends (hand it to waitUntil). bounds: {answerAfterMs, maxMs, opTimeoutMs,
  // fetchTimeoutMs}.
  webhook(env, body, bounds = {}) {
    return this.start(env, body, bounds, (requestId, envId, ptr, len) =>
      this.exports.miti_webhook(requestId, envId, ptr, len),
    );
  }

  // Runs the module crons due for `cron`; resolves to {status, body, done}
  // where body is the JSON summary {cron, ran, failed}.
  scheduled(env, cron, scheduledTime, bounds = {}) {
    return this.start(env, cron, bounds, (requestId, envId, ptr, len) =>
      this.exports.miti_scheduled(requestId, envId, ptr, len, scheduledTime),
    );
  }

  // Registers a request and hands its bytes to the core's entry point.
  //
  // The bookkeeping is lazy because most updates are answered and finished
  // inside that one call (no host operation), and a timer or a waitUntil
  // costs a few µs each in workerd, more than the rest of the JS side. A
  // request gets its deadlines, and ONE timer for the earliest of them (see
  // settle()), only while it is in flight between calls, and a `done` promise
  // only if it outlives its answer.
  start(env, input, bounds, enter) {
    return new Promise((resolve) => {
      const id = this.nextRequestId++;
      // answer: {status, body, failed?} until handed over (see settle());
      // calls: calls into the core running for it; deadlines: deadlinesOf().
      const request = { id, env, bounds, resolve, answer: null, answered: false, ended: false, calls: 0 };
      this.requests.set(id, request);
      const envId = this.envIdFor(env, id);
      this.call(id, (ptr, len) => enter(id, envId, ptr, len), input);
    });
  }

  // What is due when, key -> [epoch ms, action]: the answer (the webhook has
  // waited answerAfterMs), the cancellation (maxMs), and each pending host
  // operation's timeout. Made when first needed, during or right after the
  // request's first call (its start, as far as Date.now() can tell: the
  // clock moves only between I/O).
  deadlinesOf(request) {
    if (!request.deadlines) {
      const { bounds, id } = request;
      const started = Date.now();
      request.deadlines = new Map();
      if (bounds.answerAfterMs > 0) {
        request.deadlines.set("answer", [started + bounds.answerAfterMs, () => request.answered || this.call(id, () => this.exports.miti_respond_now(id))]);
      }
      if (bounds.maxMs > 0) request.deadlines.set("cancel", [started + bounds.maxMs, () => this.cancel(id)]);
    }
    return request.deadlines;
  }

  // Once no call is running: hands an answer given during the calls over,
  // then sets the request's one timer for its earliest deadline. (Three
  // timers per request in flight cost ~7 µs per /ping in workerd; one ~2.)
  settle(request) {
    const answer = request.answer;
    if (answer) {
      request.answer = null;
      answer.done = request.ended ? null : (request.done ??= new Promise((settle) => (request.finished = settle)));
      request.resolve(answer);
    }
    if (request.ended) return;
    const deadlines = this.deadlinesOf(request);
    if (request.answered) deadlines.delete("answer");
    let next = Infinity;
    for (const [at] of deadlines.values()) next = Math.min(next, at);
    if (next === request.timerAt) return;
    clearTimeout(request.timer);
    request.timerAt = next;
    if (next < Infinity) request.timer = setTimeout(() => this.watchdog(request), Math.max(1, next - Date.now()));
  }

  // The request's timer: runs what is due, then settle() sets it again.
  watchdog(request) {
    request.timerAt = undefined;
    const now = Date.now();
    for (const [key, [at, action]] of [...this.deadlinesOf(request)]) {
      if (at > now || request.ended) continue;
      request.deadlines.delete(key);
      action();
    }
    if (!request.ended && !request.calls) this.settle(request);
  }

  answer(requestId, answer, end = false) {
    const request = this.requests.get(requestId);
    if (!request) return;
    if (!request.answered) {
      request.answered = true;
      request.answer = answer;
    }
    if (end) {
      this.requests.delete(requestId);
      request.ended = true;
      if (request.timer) clearTimeout(request.timer);
      request.finished?.();
    }
    if (!request.calls) this.settle(request);
  }

  envIdFor(env, requestId) {
    let id = this.envIds.get(env);
    if (id !== undefined) return id;
    id = this.nextEnvId++;
    const vars = {};
    const bindings = [];
    for (const [name, value] of Object.entries(env)) {
      if (typeof value === "string") {
        if (!HOST_ONLY_VARS.has(name)) vars[name] = value;
      } else if (value !== undefined && value !== null) {
        bindings.push(name);
      }
    }
    this.call(requestId, (ptr, len) => this.exports.miti_set_env(id, ptr, len), JSON.stringify({ vars, bindings }));
    this.envIds.set(env, id);
    return id;
  }

  // One call into the core for a request, with `input` (bytes, or a string
  // encoded straight into wasm memory as UTF-8) copied in for its duration.
  // An answer given during the call is handed over when it returns.
  call(requestId, invoke, input) {
    if (this.dead) {
      this.fail(requestId, "wasm instance is dead");
      return;
    }
    const request = this.requests.get(requestId);
    if (request) request.calls++;
    try {
      if (input === undefined) {
        invoke();
      } else {
        // A short string is encoded straight into wasm memory (UTF-8 takes at
        // most 3 bytes per UTF-16 unit); a long one (a big KV value or D1
        // result) exactly, so that it never reserves three times its size.
        if (typeof input === "string" && input.length > DIRECT_ENCODE_MAX) input = encoder.encode(input);
        const text = typeof input === "string";
        const capacity = text ? input.length * 3 : input.length;
        const ptr = this.exports.miti_alloc(capacity);
        if (!ptr) throw new Error(`wasm allocation of ${capacity} bytes failed`);
        const heap = this.heap();  // a fresh view: memory may have grown
        let length = capacity;
        if (text) length = encoder.encodeInto(input, heap.subarray(ptr, ptr + capacity)).written;
        else heap.set(input, ptr);
        invoke(ptr, length);
        this.exports.miti_free(ptr);
      }
    } catch (error) {
      this.trap(error, requestId);
    }
    if (request && !--request.calls) this.settle(request);
  }

  submit(requestId, operationId, json) {
    const request = this.requests.get(requestId);
    const env = request?.env ?? {};
    this.operations++;
    let op;
    try {
      op = JSON.parse(json);
    } catch (error) {
      queueMicrotask(() => this.complete(requestId, operationId, OP_FAILED, `malformed operation: ${error.message}`));
      return;
    }
    const bounds = request?.bounds ?? {};
    const timeoutMs = op.op === "sleep" ? 0 : op.op === "telegram" ? (bounds.fetchTimeoutMs ?? 10_000) + 1_000 : (bounds.opTimeoutMs ?? 30_000);
    // The operation completes once: when it settles, or when the request's
    // timer abandons it at its deadline (a late result is then dropped, as
    // is any result for a request that has ended).
    let pending = true;
    const completeOnce = (status, text) => {
      if (!pending || request?.ended) return;
      pending = false;
      request?.deadlines?.delete(operationId);
      this.complete(requestId, operationId, status, text);
    };
    if (request && timeoutMs > 0) {
      this.deadlinesOf(request).set(operationId, [
        Date.now() + timeoutMs,
        () => completeOnce(OP_TIMED_OUT, `${op.op} did not settle within ${timeoutMs} ms`),
      ]);
    }
    performOperation(op, env, this.fetcher, bounds).then(
      (result) => completeOnce(OP_OK, JSON.stringify(result ?? null)),
      (error) => completeOnce(error?.name === "TimeoutError" ? OP_TIMED_OUT : OP_FAILED, describeError(error, env)),
    );
  }

  // Runs in the context of the request that submitted the operation.
  complete(requestId, operationId, status, text) {
    if (this.dead) {
      this.fail(requestId, "wasm instance trapped");
      return;
    }
    this.call(requestId, (ptr, len) => this.exports.miti_complete(operationId, status, ptr, len), text);
  }

  respond(requestId, status, body) {
    this.answer(requestId, { status, body });
  }

  finish(requestId) {
    this.answer(requestId, { status: 200, body: "" }, true);
  }

  // The request outlived its bound: the core destroys it (and answers and
  // finishes it, which removes it here).
  cancel(requestId) {
    this.call(requestId, () => this.exports.miti_cancel(requestId));
    this.fail(requestId, "request cancelled after its time bound");
  }

  fail(requestId, reason) {
    this.answer(requestId, { status: 200, body: "", failed: reason }, true);
  }

  // A trap leaves the instance unusable. End the request whose call trapped
  // (with 200: a retry from Telegram would replay the same poison update);
  // the others end as their own operations settle (see complete()).
  trap(error, requestId) {
    const first = !this.dead;
    this.dead = true;
    if (first) {
      console.log(JSON.stringify({
        level: "error",
        msg: "wasm instance trapped; dropping it",
        error: String(error?.message ?? error),
        requests_in_flight: this.requests.size,
      }));
    }
    if (requestId !== null && requestId !== undefined) this.fail(requestId, "wasm instance trapped");
  }
}

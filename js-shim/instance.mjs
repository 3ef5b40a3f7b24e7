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

  // Runs one authenticated update. Resolves to {status, body, done} once the
  // core answers; `done` settles when the request has ended (hand it to
  // waitUntil). bounds: {answerAfterMs, maxMs, opTimeoutMs, fetchTimeoutMs}.
  webhook(env, bodyBytes, bounds = {}) {
    return this.start(env, bodyBytes, bounds, (requestId, envId, ptr, len) =>
      this.exports.miti_webhook(requestId, envId, ptr, len),
    );
  }

  // Runs the module crons due for `cron`; resolves to {status, body, done}
  // where body is the JSON summary {cron, ran, failed}.
  scheduled(env, cron, scheduledTime, bounds = {}) {
    return this.start(env, encoder.encode(cron), bounds, (requestId, envId, ptr, len) =>
      this.exports.miti_scheduled(requestId, envId, ptr, len, scheduledTime),
    );
  }

  // Registers a request and hands its bytes to the core's entry point.
  start(env, bytes, bounds, enter) {
    return new Promise((resolve) => {
      const requestId = this.nextRequestId++;
      let finished;
      const done = new Promise((settle) => (finished = settle));
      const request = { env, bounds, resolve, finished, done, answered: false, timers: [] };
      this.requests.set(requestId, request);
      if (bounds.answerAfterMs > 0) {
        request.timers.push(setTimeout(() => this.answerNow(requestId), bounds.answerAfterMs));
      }
      if (bounds.maxMs > 0) {
        request.timers.push(setTimeout(() => this.cancel(requestId), bounds.maxMs));
      }
      const envId = this.envIdFor(env, requestId);
      this.call(requestId, (ptr, len) => enter(requestId, envId, ptr, len), bytes);
    });
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
    this.call(requestId, (ptr, len) => this.exports.miti_set_env(id, ptr, len), encoder.encode(JSON.stringify({ vars, bindings })));
    this.envIds.set(env, id);
    return id;
  }

  // Copies bytes into wasm memory for the duration of one call into the core.
  call(requestId, invoke, bytes) {
    if (this.dead) {
      this.fail(requestId, "wasm instance is dead");
      return;
    }
    const exports = this.exports;
    try {
      const ptr = exports.miti_alloc(bytes.length);
      if (!ptr) throw new Error(`wasm allocation of ${bytes.length} bytes failed`);
      this.heap().set(bytes, ptr);  // a fresh view: memory may have grown
      invoke(ptr, bytes.length);
      exports.miti_free(ptr);
    } catch (error) {
      this.trap(error, requestId);
    }
  }

  // A call into the core without bytes (answer now, cancel).
  poke(requestId, invoke) {
    if (this.dead) return;
    try {
      invoke();
    } catch (error) {
      this.trap(error, requestId);
    }
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
    let timer;
    const settled = performOperation(op, env, this.fetcher, bounds).then(
      (result) => [OP_OK, JSON.stringify(result ?? null)],
      (error) => [error?.name === "TimeoutError" ? OP_TIMED_OUT : OP_FAILED, describeError(error, env)],
    );
    const bounded = timeoutMs > 0
      ? Promise.race([settled, new Promise((resolve) => {
          timer = setTimeout(() => resolve([OP_TIMED_OUT, `${op.op} did not settle within ${timeoutMs} ms`]), timeoutMs);
        })])
      : settled;
    bounded.then(([status, text]) => {
      clearTimeout(timer);
      this.complete(requestId, operationId, status, text);
    });
  }

  // Runs in the context of the request that submitted the operation.
  complete(requestId, operationId, status, text) {
    if (this.dead) {
      this.fail(requestId, "wasm instance trapped");
      return;
    }
    this.call(requestId, (ptr, len) => this.exports.miti_complete(operationId, status, ptr, len), encoder.encode(text));
  }

  respond(requestId, status, body) {
    const request = this.requests.get(requestId);
    if (!request || request.answered) return;
    request.answered = true;
    request.resolve({ status, body, done: request.done });
  }

  finish(requestId) {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    for (const timer of request.timers) clearTimeout(timer);
    if (!request.answered) {
      request.answered = true;
      request.resolve({ status: 200, body: "", done: request.done });
    }
    request.finished();
  }

  // The webhook has waited long enough: the core answers now and the
  // handler goes on in the background.
  answerNow(requestId) {
    const request = this.requests.get(requestId);
    if (!request || request.answered) return;
    this.poke(requestId, () => this.exports.miti_respond_now(requestId));
  }

  // The request outlived its bound: the core destroys it (and answers and
  // finishes it, which removes it here).
  cancel(requestId) {
    if (!this.requests.has(requestId)) return;
    this.poke(requestId, () => this.exports.miti_cancel(requestId));
    this.fail(requestId, "request cancelled after its time bound");
  }

  fail(requestId, reason) {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    for (const timer of request.timers) clearTimeout(timer);
    if (!request.answered) {
      request.answered = true;
      request.resolve({ status: 200, body: "", failed: reason, done: request.done });
    }
    request.finished();
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

// One instance of the wasm core and the requests in flight on it.
//
// Requests interleave: C++ suspends a request at each host operation and this
// object resumes it when the Promise settles. If the instance traps it is
// marked dead (the entry point builds a fresh one for the next request). The
// request whose call trapped ends at once; every other request in flight ends
// when its own pending operation settles. workerd ties promises to the request
// that created them, so one request must never resolve another's.
import createMiti from "../build/wasm/miti.mjs";
import wasmModule from "../build/wasm/miti.wasm";
import { describeError, performOperation } from "./host_ops.mjs";

// Secrets stay in JS: the wasm core never sees them.
const HOST_ONLY_VARS = new Set(["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]);

const encoder = new TextEncoder();

export class CoreInstance {
  static async create(options = {}) {
    const core = new CoreInstance(options);
    core.module = await createMiti({
      locateFile: (path) => path,
      // workerd forbids compiling wasm from bytes: instantiate the module that
      // wrangler / Miniflare imported.
      instantiateWasm(imports, receive) {
        const instance = new WebAssembly.Instance(wasmModule, imports);
        receive(instance, wasmModule);
        return instance.exports;
      },
      mitiHost: core.host(),
      print: (text) => console.log(text),
      printErr: (text) => console.error(text),
    });
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
      log: (line) => console.log(line),
    };
  }

  // Runs one authenticated update; resolves to {status, body}.
  webhook(env, bodyBytes) {
    return this.start(env, bodyBytes, (requestId, envId, ptr, len) => this.module._miti_webhook(requestId, envId, ptr, len));
  }

  // Runs the module crons matching `cron`; resolves to {status, body} where
  // body is the JSON summary {cron, ran, failed}.
  scheduled(env, cron, scheduledTime) {
    return this.start(env, encoder.encode(cron), (requestId, envId, ptr, len) =>
      this.module._miti_scheduled(requestId, envId, ptr, len, scheduledTime),
    );
  }

  // Registers a request and hands its bytes to the core's entry point.
  start(env, bytes, enter) {
    return new Promise((resolve) => {
      const requestId = this.nextRequestId++;
      this.requests.set(requestId, { env, resolve });
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
    this.call(requestId, (ptr, len) => this.module._miti_set_env(id, ptr, len), encoder.encode(JSON.stringify({ vars, bindings })));
    this.envIds.set(env, id);
    return id;
  }

  // Copies bytes into wasm memory for the duration of one call into the core.
  call(requestId, invoke, bytes) {
    if (this.dead) {
      this.fail(requestId, "wasm instance is dead");
      return;
    }
    const module = this.module;
    try {
      const ptr = module._miti_alloc(bytes.length);
      if (!ptr) throw new Error(`wasm allocation of ${bytes.length} bytes failed`);
      module.HEAPU8.set(bytes, ptr);  // read HEAPU8 afresh: memory may have grown
      invoke(ptr, bytes.length);
      module._miti_free(ptr);
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
      queueMicrotask(() => this.complete(requestId, operationId, false, `malformed operation: ${error.message}`));
      return;
    }
    performOperation(op, env, this.fetcher).then(
      (result) => this.complete(requestId, operationId, true, JSON.stringify(result ?? null)),
      (error) => this.complete(requestId, operationId, false, describeError(error, env)),
    );
  }

  // Runs in the context of the request that submitted the operation.
  complete(requestId, operationId, ok, text) {
    if (this.dead) {
      this.fail(requestId, "wasm instance trapped");
      return;
    }
    this.call(requestId, (ptr, len) => this.module._miti_complete(operationId, ok ? 1 : 0, ptr, len), encoder.encode(text));
  }

  respond(requestId, status, body) {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    request.resolve({ status, body });
  }

  fail(requestId, reason) {
    const request = this.requests.get(requestId);
    if (!request) return;
    this.requests.delete(requestId);
    request.resolve({ status: 200, body: "", failed: reason });
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

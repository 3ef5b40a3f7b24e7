// Instantiates the core's WebAssembly.Module with the few imports it needs,
// instead of Emscripten's generated glue (which is larger than this whole
// shim): the host functions of js-shim/miti_imports.js, plus memory growth,
// a large memcpy and abort. An import this file does not know (a toolchain or
// library change) fails loudly at instantiation.
const decoder = new TextDecoder();
const PAGE = 65536;
const MAX_BYTES = 100_663_296;  // MITI_MAX_MEMORY in CMakeLists.txt

// host: {submit(request, operation, text), respond(request, status, text),
// finish(request), log(text)}. Returns the instance's exports and a view of
// its memory (read it afresh after every call: memory may have grown).
export function instantiate(wasmModule, host) {
  let memory = null;
  let bytes = null;
  const heap = () => (bytes && bytes.buffer === memory.buffer ? bytes : (bytes = new Uint8Array(memory.buffer)));
  const text = (ptr, len) => decoder.decode(heap().subarray(ptr, ptr + len));

  const env = {
    miti_js_submit: (request, operation, ptr, len) => host.submit(request, operation, text(ptr, len)),
    miti_js_respond: (request, status, ptr, len) => host.respond(request, status, text(ptr, len)),
    miti_js_finish: (request) => host.finish(request),
    miti_js_log: (ptr, len) => host.log(text(ptr, len)),
    miti_js_now: () => Date.now(),
    // Real numbers as JSON text: exact, and no float formatting code in wasm.
    miti_js_format_double(value, ptr, capacity) {
      const out = String(value);
      const length = Math.min(out.length, capacity);
      const view = heap();
      for (let i = 0; i < length; i++) view[ptr + i] = out.charCodeAt(i);
      return length;
    },
    miti_js_parse_double: (ptr, len) => Number(text(ptr, len)),
    emscripten_memcpy_big: (dest, src, num) => void heap().copyWithin(dest, src, src + num),
    // Grows linear memory to at least `requested` bytes (a fifth more, to
    // grow seldom), never past MAX_BYTES; false when it cannot.
    emscripten_resize_heap(requested) {
      requested >>>= 0;
      const old = memory.buffer.byteLength;
      if (requested > MAX_BYTES) return false;
      const wanted = Math.min(MAX_BYTES, Math.ceil(Math.max(requested, old * 1.2) / PAGE) * PAGE);
      try {
        memory.grow((wanted - old) / PAGE);
        return true;
      } catch {
        return false;
      }
    },
    abort() {
      throw new WebAssembly.RuntimeError("abort() called in the wasm core");
    },
  };
  for (const { module, name } of WebAssembly.Module.imports(wasmModule)) {
    if (module !== "env" || !(name in env)) {
      throw new Error(`the wasm core imports ${module}.${name}, which js-shim/loader.mjs does not provide`);
    }
  }
  const instance = new WebAssembly.Instance(wasmModule, { env });
  memory = instance.exports.memory;
  instance.exports.__wasm_call_ctors();
  return { exports: instance.exports, heap };
}

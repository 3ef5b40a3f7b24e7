// Emscripten JS library: the functions the wasm core imports. Each forwards to
// the host object the shim installs as Module.mitiHost (js-shim/instance.mjs).
mergeInto(LibraryManager.library, {
  $mitiText: function (ptr, len) {
    if (!Module["mitiDecoder"]) Module["mitiDecoder"] = new TextDecoder();
    return Module["mitiDecoder"].decode(HEAPU8.subarray(ptr, ptr + len));
  },
  miti_js_submit__deps: ["$mitiText"],
  miti_js_submit: function (request, operation, ptr, len) {
    Module["mitiHost"].submit(request, operation, mitiText(ptr, len));
  },
  miti_js_respond__deps: ["$mitiText"],
  miti_js_respond: function (request, status, ptr, len) {
    Module["mitiHost"].respond(request, status, mitiText(ptr, len));
  },
  miti_js_finish: function (request) {
    Module["mitiHost"].finish(request);
  },
  miti_js_log__deps: ["$mitiText"],
  miti_js_log: function (ptr, len) {
    Module["mitiHost"].log(mitiText(ptr, len));
  },
  miti_js_now: function () {
    return Date.now();
  },
  // Real numbers as JSON text: exact, and no float formatting code in wasm.
  miti_js_format_double: function (value, ptr, capacity) {
    var text = String(value);
    var length = Math.min(text.length, capacity);
    for (var i = 0; i < length; i++) HEAPU8[ptr + i] = text.charCodeAt(i);
    return length;
  },
  miti_js_parse_double__deps: ["$mitiText"],
  miti_js_parse_double: function (ptr, len) {
    return Number(mitiText(ptr, len));
  },
});

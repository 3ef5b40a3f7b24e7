// Emscripten JS library: declares the functions the wasm core imports from
// the host, so the link accepts them. At run time js-shim/loader.mjs provides
// them (Emscripten's generated glue is not used).
mergeInto(LibraryManager.library, {
  miti_js_submit: function (request, operation, ptr, len) {},
  miti_js_respond: function (request, status, ptr, len) {},
  miti_js_finish: function (request) {},
  miti_js_log: function (ptr, len) {},
  miti_js_now: function () {},
  miti_js_format_double: function (value, ptr, capacity) {},
  miti_js_parse_double: function (ptr, len) {},
});

// The Worker the test kit runs: the production shim around the test build of
// the core (build/wasm/miti-test.wasm), which holds every module of modules/
// plus the test-only ones of tests/modules/. MODULES picks which run.
import wasmModule from "../build/wasm/miti-test.wasm";
import { createWorker } from "../js-shim/app.mjs";

export default createWorker({ wasmModule });

// Cold-start entry for the grammY bot (see probe.mjs): the probe first, then
// the Worker as wrangler bundled it (bench/run.mjs builds build/bench/grammy/).
import { timedFirstRequest } from "./probe.mjs";
import worker from "../../build/bench/grammy/grammy_worker.js";

export default timedFirstRequest("grammy", worker);

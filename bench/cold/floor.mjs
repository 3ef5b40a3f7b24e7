// Cold-start entry for the floor (see probe.mjs): the probe first, then the Worker.
import { timedFirstRequest } from "./probe.mjs";
import worker from "../floor_worker.mjs";

export default timedFirstRequest("floor", worker);

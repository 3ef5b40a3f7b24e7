// The test Worker with TELEGRAM_WEBHOOK_SECRET taken out of its env, for
// tests of a Worker whose secret was never set (Miniflare refuses a binding
// whose value is undefined, so startWorker cannot leave it out by itself).
//   startWorker({ scriptPath: UNSET_SECRET_WORKER })
import worker from "../../testkit/worker.mjs";

const stripped = new WeakMap();  // one env object per original, as workerd gives

function withoutSecret(env) {
  let copy = stripped.get(env);
  if (!copy) {
    copy = { ...env };
    delete copy.TELEGRAM_WEBHOOK_SECRET;
    stripped.set(env, copy);
  }
  return copy;
}

export default {
  fetch: (request, env, ctx) => worker.fetch(request, withoutSecret(env), ctx),
  scheduled: (event, env, ctx) => worker.scheduled(event, withoutSecret(env), ctx),
};

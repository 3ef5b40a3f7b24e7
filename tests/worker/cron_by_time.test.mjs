// MITI_CRON_DISPATCH = "time" in workerd: past the trigger budget `npm run crons:sync` leaves one
// covering trigger ("* * * * *" here), and each event runs the module crons due at its
// scheduledTime, whatever trigger fired. remind.trim is declared "0 3 * * *": it deletes
// reminders finished more than 30 days ago, so a row that is gone shows that it ran.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startBot, waitFor } from "../../testkit/index.mjs";

const DAY = 86_400_000;
const AT_0300 = Date.UTC(2026, 5, 1, 3, 0);
const AT_0301 = AT_0300 + 60_000;
const EVERY_MINUTE = "* * * * *";

async function oldReminder(bot, text) {
  const db = await bot.mf.getD1Database("DB");
  const old = AT_0300 - 40 * DAY;
  await db
    .prepare(
      `INSERT INTO remind_reminders (chat_id, user_id, text, created_at, due_at, next_at, state, finished_at)
       VALUES (900, 900, ?1, ?2, ?2, ?2, 'delivered', ?2)`,
    )
    .bind(text, old)
    .run();
}

async function present(bot, text) {
  return (await bot.sql("SELECT id FROM remind_reminders WHERE text = ?", text)).length === 1;
}

// Fires `cron` at `time` and returns the run's {event: "scheduled"} summary line.
async function fire(bot, cron, time) {
  const mark = bot.logs.length;
  const { status } = await bot.cron(cron, { time });
  assert.equal(status, 200);
  let line;
  await waitFor(() => (line = bot.jsonLogs().slice(mark).find((l) => l.event === "scheduled")));
  return line;
}

describe('MITI_CRON_DISPATCH = "time"', () => {
  let bot;
  before(async () => {
    bot = await startBot({ modules: "util,remind", vars: { MITI_CRON_DISPATCH: "time" } });
  });
  after(() => bot?.dispose());

  test('a "* * * * *" trigger runs the "0 3 * * *" cron at 03:00, not at 03:01', async () => {
    await oldReminder(bot, "finished long ago");

    const at0301 = await fire(bot, EVERY_MINUTE, AT_0301);
    assert.equal(at0301.ran, 1, "remind.deliver only");
    assert.equal(at0301.failed, 0);
    assert.ok(await present(bot, "finished long ago"), "remind.trim did not run at 03:01");

    const at0300 = await fire(bot, EVERY_MINUTE, AT_0300);
    assert.equal(at0300.ran, 2, "remind.deliver and remind.trim");
    assert.equal(at0300.failed, 0);
    assert.equal(await present(bot, "finished long ago"), false, "remind.trim ran at 03:00");
  });
});

describe("the default dispatch, by trigger", () => {
  let bot;
  before(async () => {
    bot = await startBot({ modules: "util,remind" });
  });
  after(() => bot?.dispose());

  test('the same "* * * * *" trigger at 03:00 runs only the crons declared "* * * * *"', async () => {
    await oldReminder(bot, "still here");
    const line = await fire(bot, EVERY_MINUTE, AT_0300);
    assert.equal(line.ran, 1, "remind.deliver only");
    assert.ok(await present(bot, "still here"));
  });
});

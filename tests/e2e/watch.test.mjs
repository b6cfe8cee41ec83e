// 見守り end to end in Chromium against the real server: on いまの様子 staff hold B's voice for
// ten minutes — B's page says until when and keeps B at 聞くだけ, a modified page asking for its
// voice anyway is refused, and A, standing next to B, is played nothing of B — then give it
// back, and A hears B again. Staff then walk A from a hall to the entrance with a kind word:
// A's page shows the word over the town, at the entrance, and A puts it away.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, choose, clickControl, eventually, inviter, plainPage, register, rtp, sendRaw, snapshot,
  useServerAndBrowser,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

test("staff hold a voice for a while and walk a person to the entrance", { timeout: 600_000 }, async () => {
  const { browser } = running;
  const [staffInvite] = await invites(1, "staff");
  const [inviteA, inviteB] = await invites(2);
  const staff = await plainPage(browser, staffInvite, "見守り係", "/now");
  staff.on("dialog", (dialog) => dialog.accept());
  const a = await register(browser, inviteA, "あおい", 0);
  const b = await register(browser, inviteB, "ひかり", 1);
  const idA = (await snapshot(a)).me.id;
  const idB = (await snapshot(b)).me.id;
  await arrive(a, 20, 12);
  await arrive(b, 21, 12);
  await choose(b, "voice");
  const seenB = async () => (await snapshot(a)).people.find((p) => p.id === idB);
  await eventually("A hears B", async () => (await seenB())?.gain > 0.9 && (await rtp(a, idB))?.audioIn > 0, 120_000);

  // 声を止める (10 minutes): B's page says until when; A sees B at 聞くだけ and plays nothing of B.
  await eventually("B listed on いまの様子", async () => (await staff.locator(`button[data-hold="${idB}"]`).count()) === 1);
  await staff.selectOption("#hold-minutes", "10");
  await staff.click(`button[data-hold="${idB}"]`);
  await eventually("staff told", async () => /ひかりさんの声を\d\d:\d\dまで止めました/.test(await staff.textContent("#care-result")));
  const held = await eventually("B's page says the voice is held", async () => {
    const shot = await snapshot(b);
    return shot.voice_hold && shot.me.participation === "listening" && shot;
  });
  assert.match(held.notice, new RegExp(`${held.voice_hold}まで、あなたの声はほかの方に届かない`));
  await b.screenshot({ path: join(artifacts, "watch-voice-held-960.png") });
  await eventually("A plays nothing of B", async () => {
    const seen = await seenB();
    return seen?.participation === "listening" && seen.gain === 0 && seen.volume === 0;
  });
  await eventually("いまの様子 shows the hold", async () => /声を止めています（\d\d:\d\dまで）/.test(await staff.textContent("#people")));

  // The ladder's voice steps wait; a modified page asking anyway is refused by the server.
  await choose(b, "voice");
  await sleep(1000);
  assert.equal((await snapshot(b)).me.participation, "listening");
  await sendRaw(b, { type: "set_participation", participation: "voice" });
  await sleep(3000);
  const still = await seenB();
  assert.equal(still.participation, "listening", "A never sees B on a voice step");
  assert.equal(still.gain, 0);

  // 声を戻す: B may speak again, and A hears B.
  await staff.click(`button[data-release="${idB}"]`);
  await eventually("B's page says the voice is back", async () => {
    const shot = await snapshot(b);
    return shot.voice_hold === null && /声で参加できるようになりました/.test(shot.notice ?? "");
  });
  await choose(b, "voice");
  await eventually("A hears B again", async () => (await seenB())?.gain > 0.9, 60_000);

  // 入口へご案内, from a hall, with staff's own word.
  await arrive(a, 28, 4);
  await eventually("A in the hall", async () => (await snapshot(a)).hall.view !== null);
  await staff.fill("#entrance-word", "少しひと休みしましょう。スタッフはいつでもいます。");
  await staff.click(`button[data-entrance="${idA}"]`);
  const walked = await eventually("A at the entrance with the word", async () => {
    const shot = await snapshot(a);
    return shot.staff_word && shot.controls["staff-word"] && shot;
  });
  assert.equal(walked.staff_word, "少しひと休みしましょう。スタッフはいつでもいます。");
  assert.equal(walked.me.place, "入口・案内");
  assert.equal(walked.hall.view, null, "out of the hall");
  await a.screenshot({ path: join(artifacts, "watch-entrance-word-960.png") });
  await eventually("B sees A at the entrance", async () =>
    (await snapshot(b)).people.find((p) => p.id === idA)?.place === "入口・案内");
  await clickControl(a, "staff-word-close");
  await eventually("the word put away", async () => (await snapshot(a)).staff_word === null);
  await staff.setViewportSize({ width: 1280, height: 800 });
  await staff.screenshot({ path: join(artifacts, "watch-now-1280.png"), fullPage: true });
  await Promise.all([a.context().close(), b.context().close(), staff.context().close()]);
});

// Counseling booths end to end, against the real server with a real TURN relay (coturn):
// counselor K opens booth 1; A knocks with a note; K lets A in; on voice they hear each other
// through the relay (relay/relay on both sides); C cannot get in, by walking or by a modified
// client, and never sees A or K while they are inside; B waits in the queue (あと 1 人) and
// leaves it; そっと退出 puts A outside, separated from K.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, choose, clickControl, eventually, inviter, register, rtp, selectedPair, sendRaw, setHidden, snapshot,
  tileCentre, useServerAndBrowser, walkTo,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after, turn: true });
const invites = inviter(running);
test("a counseling booth is private by construction", { timeout: 900_000 }, async () => {
  const { browser } = running;
  const [counselorInvite] = await invites(1, "counselor");
  const [inviteA, inviteB, inviteC] = await invites(3);

  // K walks into booth 1 and opens it as 臨床心理士.
  const k = await register(browser, counselorInvite, "けい", 3);
  const kId = (await snapshot(k)).me.id;
  await arrive(k, 12, 3);
  await eventually("K inside booth 1", async () => (await snapshot(k)).booth.inside === "booth-1");
  await clickControl(k, "job-title");
  await clickControl(k, "title:臨床心理士");
  await clickControl(k, "open-booth");
  await eventually("K's desk open", async () => (await snapshot(k)).booth.desk?.title === "clinical_psychologist");

  // C stands in the free space and watches the whole time: never A or K while they are inside.
  const c = await register(browser, inviteC, "しい", 2);
  await walkTo(c, 17, 11);
  const seenByC = [];
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const shot = await snapshot(c).catch(() => null);
      if (shot) seenByC.push({ at: Date.now(), ids: shot.people.map((p) => p.id), introduced: shot.introduced });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  // A walks to the door and knocks with a note typed into the page's own text field.
  const a = await register(browser, inviteA, "あおい", 0);
  const aId = (await snapshot(a)).me.id;
  await arrive(a, 13, 9);
  await eventually("A at booth 1's door", async () => (await snapshot(a)).booth.at_door === "booth-1");
  await eventually("the note field shown", async () => (await snapshot(a)).controls["knock-note"]);
  await a.click("#knock-note");
  await a.keyboard.insertText("はじめてです");
  await clickControl(a, "knock");
  await eventually("A knocking", async () => (await snapshot(a)).booth.ticket?.status === "knocking");
  assert.equal(await a.inputValue("#knock-note").catch(() => ""), "", "the note field empties once sent");
  const knock = await eventually("K sees A's knock", async () => (await snapshot(k)).booth.desk?.knocks[0]);
  assert.deepEqual({ id: knock.id, nickname: knock.nickname, note: knock.note }, { id: aId, nickname: "あおい", note: "はじめてです" });
  await clickControl(k, `answer:${aId}:admit`);
  await eventually("A let in", async () => (await snapshot(a)).booth.ticket?.status === "admitted");
  await clickControl(a, "go-to-booth");
  await eventually("A inside booth 1", async () => (await snapshot(a)).booth.inside === "booth-1");
  // From a moment after A is inside (a snapshot and a server beat late), until A leaves.
  const aInsideFrom = Date.now() + 500;
  await eventually("the sign says 相談中", async () =>
    (await snapshot(c)).booth.signs.find((s) => s.booth === "booth-1")?.state === "in_session");

  // On voice, they hear each other, through the relay on both sides.
  await choose(a, "voice");
  await choose(k, "voice");
  await eventually("A and K hear each other", async () => {
    const [atA, atK] = [await rtp(a, kId), await rtp(k, aId)];
    return atA?.audioIn > 4000 && atK?.audioIn > 4000 && atA.audioLevel >= 0 && atA;
  }, 90_000);
  assert.equal((await snapshot(a)).people.find((p) => p.id === kId)?.gain, 1, "booth members at full volume");
  const pairs = [await selectedPair(a, kId), await selectedPair(k, aId)];
  assert.deepEqual(pairs, [{ local: "relay", remote: "relay" }, { local: "relay", remote: "relay" }], "no address exchanged");
  await a.screenshot({ path: join(artifacts, "booth-a-inside.png") });
  await k.screenshot({ path: join(artifacts, "booth-k-desk.png") });

  // C clicks into the booth: the walk stops at the door, where C's panel explains.
  await walkTo(c, 12, 3);
  await eventually("C stopped at the door", async () => (await snapshot(c)).booth.at_door === "booth-1");
  await c.screenshot({ path: join(artifacts, "booth-c-at-door.png") });
  // A modified client that skips the game's own wall is refused by the server and put back.
  const { x, y } = tileCentre(13, 5);
  await sendRaw(c, { type: "move", position: { x, y } });
  const notice = await eventually("C told why", async () => (await snapshot(c)).notice);
  assert.match(notice, /この部屋は相談中です/);
  const cNow = (await snapshot(c)).me;
  assert.equal(cNow.place, "フリースペース", "C stays outside");

  // B knocks, is asked to wait (あと 1 人), and leaves the queue with one click.
  const b = await register(browser, inviteB, "ひかり", 1);
  const bId = (await snapshot(b)).me.id;
  await arrive(b, 14, 9);
  await eventually("B at the door", async () => (await snapshot(b)).booth.at_door === "booth-1");
  await clickControl(b, "knock");
  await eventually("K sees B's knock", async () => (await snapshot(k)).booth.desk?.knocks.some((kn) => kn.id === bId)).catch(async (error) => {
    await b.screenshot({ path: join(artifacts, "booth-b-knock-failed.png") });
    const shot = await snapshot(b);
    throw new Error(`${error.message}; B shows ${JSON.stringify({ booth: shot.booth, notice: shot.notice, me: shot.me, knock: shot.controls.knock })}`);
  });
  await clickControl(k, `answer:${bId}:wait`);
  const waiting = await eventually("B waiting", async () => (await snapshot(b)).booth.ticket?.status === "waiting" && (await snapshot(b)).booth.ticket);
  assert.equal(waiting.ahead, 1, "あと 1 人");
  await b.screenshot({ path: join(artifacts, "booth-b-waiting.png") });
  await clickControl(b, "withdraw");
  await eventually("B out of the queue", async () => (await snapshot(b)).booth.ticket === null);
  await eventually("K's queue empty", async () => (await snapshot(k)).booth.desk?.queue.length === 0);
  await b.close();

  // そっと退出: A is outside at once, separated from K, and seen by C again.
  await clickControl(a, "leave-booth");
  const leftAt = Date.now();
  await eventually("A outside", async () => (await snapshot(a)).booth.inside === null && (await snapshot(a)).me.place === "フリースペース");
  await eventually("A no longer introduced to K", async () => !(await snapshot(a)).introduced.includes(kId), 5_000);
  const separatedAfter = Date.now() - leftAt;
  watching = false;
  await watcher;
  await eventually("C sees A again", async () => (await snapshot(c)).people.some((p) => p.id === aId));
  assert.ok(seenByC.length > 20, `C was watched (${seenByC.length} looks)`);
  for (const look of seenByC) {
    assert.ok(!look.ids.includes(kId) && !look.introduced.includes(kId), "C never sees K inside the booth");
  }
  const whileInside = seenByC.filter((look) => look.at >= aInsideFrom && look.at <= leftAt);
  assert.ok(whileInside.length > 10, `C was watched while A was inside (${whileInside.length} looks)`);
  for (const look of whileInside) {
    assert.ok(!look.ids.includes(aId) && !look.introduced.includes(aId), "C never sees A inside the booth");
  }
  console.log(`booth: A's page shows the separation ${separatedAfter} ms after the click (snapshots every 100 ms); C looked ${whileInside.length} times while A was inside`);
  await setHidden(c, true);
  await setHidden(a, true);

  // K publishes a time on the counselors' page, starting in two minutes (the city's clock).
  const slotsPage = await k.context().newPage();
  await slotsPage.goto(`${running.server.url}/slots`);
  const start = new Date(Date.now() + 9 * 3600_000 + 120_000).toISOString();
  await slotsPage.selectOption("#booth", "booth-1");
  await slotsPage.fill("#date", start.slice(0, 10));
  await slotsPage.fill("#time", start.slice(11, 16));
  await slotsPage.fill("#minutes", "30");
  await slotsPage.click("#publish");
  await slotsPage.waitForSelector("#slots td:has-text('空き')");
  await slotsPage.close();

  // D books it at the door, and at its time (the door opens five minutes early) walks in.
  const [inviteD] = await invites(1);
  const d = await register(browser, inviteD, "だいち", 4);
  await arrive(d, 14, 9);
  const slot = await eventually("the time listed at the door", async () =>
    (await snapshot(d)).booth.slots.find((s) => s.booth === "booth-1" && s.state === "free"));
  await clickControl(d, `book:${slot.id}`);
  const reserved = await eventually("D's reservation opens the door", async () => (await snapshot(d)).booth.ticket?.status === "reserved" && (await snapshot(d)).booth.ticket);
  assert.match(reserved.label.ja, /月.*日（.）\d\d:\d\d/);
  assert.match(reserved.label.en, /^\w{3} \d+ \w{3}, \d\d:\d\d$/, "and in English, for an English reader");
  const dId = (await snapshot(d)).me.id;
  await eventually("K's desk shows the next reservation", async () => (await snapshot(k)).booth.desk?.next_reservation?.ja.startsWith("だいちさん"));
  await d.screenshot({ path: join(artifacts, "booth-d-reserved.png") });
  await clickControl(d, "go-to-booth");
  await eventually("D inside booth 1", async () => (await snapshot(d)).booth.inside === "booth-1");
  await eventually("K and D introduced", async () => (await snapshot(k)).introduced.includes(dId));
});

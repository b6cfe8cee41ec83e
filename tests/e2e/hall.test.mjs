// A program in a hall, end to end, through the real server and the real Janus: facilitator F
// (a real page, clicking its panel) takes the stage; twelve listeners (plain-JS peers that
// speak the protocol as the game does) all receive F's voice through the SFU, including those
// beyond the eight nearest that the mesh would give anyone; a person outside the hall receives
// nothing and cannot subscribe; A raises a hand, F answers 「どうぞ」, B hears A, F ends the
// turn and B stops hearing A; 「みなさんのマイクをオフにします」 stops A at the listeners even
// though A's modified client keeps sending; a watcher's reaction reaches F's page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifacts, arrive, choose, clickControl, eventually, inviter, register, snapshot, useServerAndBrowser,
} from "./harness.mjs";
import { joinAsVoicePeer } from "./voice-peer.mjs";

const running = useServerAndBrowser({ before, after, janus: true });
const invites = inviter(running);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tiles inside hall A (columns 23–33, rows 1–6), off its stage (columns 25–31, rows 1–2). */
const SEATS = [
  [24, 4], [26, 4], [28, 4], [30, 4], [32, 4], [24, 6], [26, 6], [28, 6], [30, 6], [32, 6], [25, 5], [31, 5],
  [27, 5], [29, 5],
];

/** What `peer` has received from `person`'s hall feed so far, in bytes (0: no feed). */
async function heard(peer, person) {
  return (await peer.figures()).hall.from[person] ?? 0;
}

test("a facilitator's program reaches the whole hall through the SFU, and only the hall", { timeout: 900_000 }, async () => {
  const { browser } = running;
  const [iF] = await invites(1, "facilitator");
  const listenerInvites = await invites(12);
  const [iA, iB, iOut] = await invites(3);
  const f = await register(browser, iF, "ファシリ", 2, { width: 1280, height: 800 });
  const idF = (await snapshot(f)).me.id;
  await choose(f, "voice");
  await arrive(f, 28, 3);
  const hallView = await eventually("F shown the hall", async () => (await snapshot(f)).hall.view);
  assert.equal(hallView.sfu, true);
  assert.equal(hallView.may_facilitate, true);
  await clickControl(f, "hall-take-stage");
  await eventually("F on the stage", async () => (await snapshot(f)).hall.view?.you === "on_stage");
  await eventually("F publishing to the hall", async () => (await snapshot(f)).hall.publishing);

  // Twelve listeners walk in and sit down; all of them receive F through the SFU.
  const listeners = await Promise.all(listenerInvites.map((invite, i) =>
    joinAsVoicePeer(browser, invite, `聞く${i + 1}`, { participation: "listening", hall: true, avatar: i % 6 })));
  await Promise.all(listeners.map((peer, i) => peer.moveToTile(...SEATS[i])));
  for (const [i, peer] of listeners.entries()) {
    await eventually(`listener ${i + 1} receiving F's voice from the SFU`, async () => (await heard(peer, idF)) > 2000, 120_000);
  }
  const meshPeers = (await snapshot(f)).introduced.length;
  console.log(`# hall: 12 of 12 listeners receive F through Janus; F's own mesh has ${meshPeers} peers`);
  assert.ok(meshPeers <= 8, "the mesh stays bounded; the SFU carries the stage to everyone");
  await f.screenshot({ path: join(artifacts, "hall-f-stage-1280.png") });

  // Outside the hall: nothing arrives, and asking for F's feed is refused.
  const outsider = await joinAsVoicePeer(browser, iOut, "そと", { participation: "listening", hall: true });
  await outsider.moveToTile(28, 12);
  await sleep(3000);
  assert.equal((await outsider.figures()).hall.feeds, 0, "nobody outside the hall is offered its feeds");
  await outsider.hallRequest({ kind: "receive", feed: 1, sdp: "v=0" });
  await outsider.hallRequest({ kind: "publish", sdp: "v=0" });
  await eventually("the outsider refused", async () => (await outsider.rejections()).filter((c) => c === "wrong_place").length === 2);

  // A raises a hand; F sees it and answers どうぞ; B hears A through the SFU.
  const a = await joinAsVoicePeer(browser, iA, "あおい", { hall: true, keepSending: true });
  const b = await joinAsVoicePeer(browser, iB, "ふみ", { participation: "listening", hall: true, avatar: 3 });
  const idA = await a.page.evaluate(() => window.__voicePeer.id);
  await Promise.all([a.moveToTile(...SEATS[12]), b.moveToTile(...SEATS[13])]);
  await eventually("A inside the hall", async () => (await a.hallView())?.hall === "hall-1");
  await a.hallRequest({ kind: "raise_hand" });
  await eventually("F sees A's hand", async () => (await snapshot(f)).hall.view?.queue.some((p) => p.id === idA));
  await eventually("the others see a count only", async () => (await b.hallView())?.hands === 1 && (await b.hallView()).queue.length === 0);
  await f.screenshot({ path: join(artifacts, "hall-f-hand-1280.png") });
  await clickControl(f, "hall-grant:あおい");
  await eventually("A's turn", async () => (await a.hallView())?.you === "speaking");
  await eventually("B hearing A through the SFU", async () => (await heard(b, idA)) > 2000, 60_000);

  // F ends the turn: B stops hearing A.
  await clickControl(f, "hall-end:あおい");
  await eventually("A's feed gone at B", async () => (await heard(b, idA)) === 0, 15_000);

  // Again, then みなさんのマイクをオフにします: A's modified client keeps sending and offers
  // again, yet nothing of A reaches B.
  await a.hallRequest({ kind: "raise_hand" });
  await eventually("A's hand again", async () => (await snapshot(f)).hall.view?.queue.some((p) => p.id === idA));
  await clickControl(f, "hall-grant:あおい");
  await eventually("B hearing A again", async () => (await heard(b, idA)) > 2000, 60_000);
  const refusedBefore = (await a.rejections()).filter((code) => code === "not_allowed").length;
  await clickControl(f, "hall-mute-all");
  await eventually("A's feed gone at B after mute-all", async () => (await heard(b, idA)) === 0, 15_000);
  await eventually("A's new offer refused", async () =>
    (await a.rejections()).filter((code) => code === "not_allowed").length > refusedBefore);
  const sentBefore = (await a.figures()).hall.sent;
  await sleep(3000);
  assert.ok((await a.figures()).hall.sent > sentBefore, "A's modified client keeps sending");
  assert.equal(await heard(b, idA), 0, "nothing of it reaches B");
  assert.ok((await heard(b, idF)) > 0, "B still hears the stage");

  // A watcher's reaction reaches F.
  const watcher = listeners[0];
  const idWatcher = await watcher.page.evaluate(() => window.__voicePeer.id);
  await watcher.hallRequest({ kind: "react", reaction: "clap" });
  await eventually("F sees the watcher's applause", async () => {
    const shot = await snapshot(f);
    return shot.hall.reactions.some(([id, r]) => id === idWatcher && r === "clap") && shot.hall.view.reactions.length > 0;
  });
  await f.screenshot({ path: join(artifacts, "hall-f-reaction-1280.png") });

  // Stepping down ends the stage for everyone.
  await clickControl(f, "hall-leave-stage");
  await eventually("F's feed gone at the listeners", async () => (await heard(listeners[5], idF)) === 0, 15_000);
  for (const peer of [...listeners, a, b, outsider]) await peer.close();
  await f.context().close();
});

// Voice benchmark: client CPU per frame with 8 active audio peers against none. M (the real
// client) picks voice and stands in the free space. The 8 peers are plain-JS voice peers
// (`voice-peer.mjs`): they speak the protocol and send the fake microphone like the game does,
// but draw nothing and connect only to M, so that M's cost, not nine games and 36 connections,
// is what the two cores of this machine measure. First each peer waits alone in a different
// corner of the town, out of M's range (none); then they stand on the 8 tiles around M, all
// sending to M and heard at full volume (8 peers).
// M's renderer process CPU time and main-thread CPU time (Chrome's Performance metrics) are
// divided by the frames M's game ran in the same window. M is measured twice in each case:
// visible (drawing, frames paced by the browser) and in a background tab (10 Hz frames from the
// timer, no drawing: the frame's CPU cost without the pacing).
//
//     cargo xtask bench      (or: IBASHO_SERVER_BIN=... node bench-voice-cpu.mjs)
import { choose, createInvite, eventually, launchBrowser, register, rtp, setHidden, snapshot, startServer, walkTo } from "./harness.mjs";
import { WINDOWS, WINDOW_SECONDS, describe, measureMedian } from "./frame-cost.mjs";
import { joinAsVoicePeer } from "./voice-peer.mjs";

const PEERS = Number(process.env.PEERS ?? 8);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = await startServer();
const browser = await launchBrowser();
try {
  const staff = await register(browser, server.staffInvite, "bench-staff");
  const invites = [];
  for (let i = 0; i <= PEERS; i++) invites.push(await createInvite(staff));
  await staff.close();
  const m = await register(browser, invites[0], "M");
  await choose(m, "voice");
  await walkTo(m, 24, 16);
  // Gallery, both booths, both halls, two ends of the entrance, the quiet corner: apart from each
  // other and from M.
  const alone = [[5, 3], [13, 4], [19, 4], [28, 4], [40, 5], [3, 12], [3, 23], [44, 23]];
  const mId = (await snapshot(m)).me.id;
  const peers = [];
  for (let i = 1; i <= PEERS; i++) {
    const peer = await joinAsVoicePeer(browser, invites[i], `P${i}`, { listenTo: mId, avatar: i % 6 });
    await peer.moveToTile(...alone[i - 1]);
    peers.push(peer);
  }
  const peerIds = await Promise.all(peers.map((p) => p.page.evaluate(() => window.__voicePeer.id)));
  const cdp = await m.context().newCDPSession(m);
  await cdp.send("Performance.enable", { timeDomain: "threadTicks" });

  await eventually("M alone", async () => (await snapshot(m)).introduced.length === 0, 180_000);
  await sleep(3000);
  const none = await measureMedian(m, cdp);
  console.log(describe("visible, voice, no audio peers", none));
  await setHidden(m, true);
  const noneHidden = await measureMedian(m, cdp);
  console.log(describe("background tab, voice, no audio peers", noneHidden));
  await setHidden(m, false);

  const around = [[23, 15], [24, 15], [25, 15], [23, 16], [25, 16], [23, 17], [24, 17], [25, 17]];
  await Promise.all(peers.map((peer, i) => peer.moveToTile(...around[i])));
  try {
    for (const id of peerIds) {
      await eventually(`M receiving audio from ${id}`, async () => (await rtp(m, id))?.audioIn > 0, 180_000);
    }
  } catch (error) {
    const s = await snapshot(m);
    console.error("M introduced", JSON.stringify(s.introduced), "heard by", JSON.stringify(s.heard_by), "media", JSON.stringify(s.media));
    for (const peer of peers) console.error(await peer.figures());
    throw error;
  }
  await eventually("all 8 at full volume for M", async () => {
    const people = (await snapshot(m)).people;
    return peerIds.every((id) => people.find((p) => p.id === id)?.gain > 0.9);
  });
  await sleep(3000);
  const eight = await measureMedian(m, cdp);
  console.log(describe(`visible, voice, ${PEERS} audio peers in hearing`, eight));
  await setHidden(m, true);
  const eightHidden = await measureMedian(m, cdp);
  console.log(describe(`background tab, voice, ${PEERS} audio peers in hearing`, eightHidden));
  console.log(`background tab, ${PEERS} audio peers against none: main thread ` +
    `${noneHidden.main.toFixed(2)} → ${eightHidden.main.toFixed(2)} ms/frame, renderer process ` +
    `${noneHidden.process.toFixed(2)} → ${eightHidden.process.toFixed(2)} ms/frame ` +
    `(median of ${WINDOWS} windows of ${WINDOW_SECONDS} s)`);
} finally {
  await browser.close();
  server.stop();
}

// A program in a hall, end to end, through the real server and the real Janus: facilitator F
// (a real page, clicking its panel) takes the stage; twelve listeners (plain-JS peers that
// speak the protocol as the game does) all receive F's voice through the SFU, including those
// beyond the eight nearest that the mesh would give anyone; a person outside the hall receives
// nothing and cannot subscribe; A raises a hand, F answers 「どうぞ」, B hears A, F ends the
// turn and B stops hearing A; 「みなさんのマイクをオフにします」 stops A at the listeners even
// though A's modified client keeps sending; a watcher's reaction reaches F's page; F shares a
// screen and every listener decodes its frames while P, on a phone, sees it large over the town,
// until F stops (or the browser's own stop button does); 音楽モード sends F's voice without echo
// cancellation, noise suppression or auto gain, in stereo Opus at 128 kb/s with DTX off; F's
// camera on the stage reaches every listener too.
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

/** Video frames `peer` has decoded from `person`'s shared screen so far (0: no screen). */
async function framesFrom(peer, person) {
  return (await peer.figures()).hall.frames[person] ?? 0;
}

/** What F's page sends its hall voice with: the track's processing and the negotiated Opus line. */
function stageVoice(page) {
  return page.evaluate(async () => {
    const pc = window.__ibashoHallPublication;
    if (!pc) return null;
    const track = pc.getSenders()[0]?.track;
    const settings = track?.getSettings() ?? {};
    let fmtp = null;
    const stats = await pc.getStats();
    stats.forEach((s) => {
      if (s.type === "outbound-rtp" && s.kind === "audio" && s.codecId) fmtp = stats.get(s.codecId)?.sdpFmtpLine ?? null;
    });
    return {
      processing: [settings.echoCancellation, settings.noiseSuppression, settings.autoGainControl],
      offer: pc.localDescription?.sdp.split("\r\n").filter((l) => l.startsWith("a=fmtp:")) ?? [],
      answer: pc.remoteDescription?.sdp.split("\r\n").filter((l) => l.startsWith("a=fmtp:")) ?? [],
      fmtp,
    };
  });
}

test("a facilitator's program reaches the whole hall through the SFU, and only the hall", { timeout: 900_000 }, async () => {
  const { browser } = running;
  const [iF] = await invites(1, "facilitator");
  const listenerInvites = await invites(12);
  const [iA, iB, iOut, iP] = await invites(4);
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

  // 音楽モード (唄ごえカフェ): F's hall voice goes out unprocessed, in stereo, 128 kb/s, no DTX.
  const speech = await stageVoice(f);
  assert.deepEqual(speech.processing, [true, true, true], "speech settings before music mode");
  await clickControl(f, "hall-music-on");
  let lastVoice = null;
  const music = await eventually("F's music voice negotiated", async () => {
    const voice = (lastVoice = await stageVoice(f));
    return voice?.processing[0] === false && voice.answer.length > 0 && voice.fmtp && voice;
  }, 60_000).catch(async (error) => {
    const shot = await snapshot(f);
    const state = { publishing: shot.hall.publishing, music: shot.hall.music, you: shot.hall.view?.you, me: shot.me.participation };
    const pc = await f.evaluate(() => [typeof window.__ibashoHallPublication, window.__ibashoHallPublication?.connectionState]);
    throw new Error(`${error.message}; F sends ${JSON.stringify(lastVoice)}, ${JSON.stringify(state)}, ${pc}`);
  });
  console.log(`# hall: music mode sends ${JSON.stringify(music)}`);
  assert.deepEqual(music.processing, [false, false, false], "no echo cancellation, noise suppression or auto gain");
  for (const lines of [music.offer, music.answer]) {
    const opus = lines.find((l) => l.includes("maxaveragebitrate"));
    assert.ok(opus && /stereo=1/.test(opus) && /maxaveragebitrate=128000/.test(opus) && /usedtx=0/.test(opus), `music Opus line: ${lines}`);
  }
  assert.match(music.fmtp, /stereo=1/);
  assert.match(music.fmtp, /maxaveragebitrate=128000/);
  // (The listeners below hear F in music mode.)

  // Twelve listeners walk in and sit down; all of them receive F through the SFU.
  const listeners = await Promise.all(listenerInvites.map((invite, i) =>
    joinAsVoicePeer(browser, invite, `聞く${i + 1}`, { participation: "listening", hall: true, avatar: i % 6 })));
  await Promise.all(listeners.map((peer, i) => peer.moveToTile(...SEATS[i])));
  for (const [i, peer] of listeners.entries()) {
    await eventually(`listener ${i + 1} receiving F's music-mode voice from the SFU`, async () => (await heard(peer, idF)) > 2000, 120_000);
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

  // The hall's text channel: F types in the chat field, every listener reads it, the outsider does not;
  // a listener's line reaches F's chat log.
  await f.click("#chat-input");
  assert.match(await f.getAttribute("#chat-input", "placeholder"), /ホールの全員/);
  await f.keyboard.type("みなさん、ようこそ");
  await f.keyboard.press("Enter");
  for (const peer of [listeners[0], listeners[11]]) {
    await eventually("a listener reading F's line", async () => (await peer.hallLines()).some(([id, text]) => id === idF && text === "みなさん、ようこそ"));
  }
  await listeners[5].hallRequest({ kind: "say", text: "よろしくお願いします" });
  await eventually("F reading the listener's line", async () => (await f.textContent("#chat-log")).includes("聞く6：よろしくお願いします"));
  assert.equal((await outsider.hallLines()).length, 0, "nothing reaches the outsider");

  // A watcher's reaction reaches F.
  const watcher = listeners[0];
  const idWatcher = await watcher.page.evaluate(() => window.__voicePeer.id);
  await watcher.hallRequest({ kind: "react", reaction: "clap" });
  await eventually("F sees the watcher's applause", async () => {
    const shot = await snapshot(f);
    return shot.hall.reactions.some(([id, r]) => id === idWatcher && r === "clap") && shot.hall.view.reactions.length > 0;
  });
  await f.screenshot({ path: join(artifacts, "hall-f-reaction-1280.png") });

  // F shares a screen (みんなでイラストタイム): every listener decodes it, and P on a phone sees it
  // large over the town with a button for full screen.
  const p = await register(browser, iP, "すまほ", 4, { width: 390, height: 844 });
  await arrive(p, 33, 6);
  await eventually("P shown the hall", async () => (await snapshot(p)).hall.view?.stage?.id === idF);
  await clickControl(f, "hall-share-screen");
  await eventually("F sharing", async () => (await snapshot(f)).hall.sharing);
  for (const [i, peer] of listeners.entries()) {
    await eventually(`listener ${i + 1} decoding F's screen`, async () => (await framesFrom(peer, idF)) > 10, 60_000);
  }
  await eventually("P's page showing F's screen", async () => (await snapshot(p)).hall.screen_shown === "ファシリ" &&
    p.evaluate(() => !document.getElementById("hall-screen").hidden && document.getElementById("hall-screen-video").videoWidth > 0), 60_000);
  const box = await p.evaluate(() => document.getElementById("hall-screen").getBoundingClientRect().toJSON());
  assert.ok(box.left >= 0 && box.right <= 390, `the shared screen fits the phone: ${JSON.stringify(box)}`);
  assert.ok((await heard(listeners[3], idF)) > 0, "the stage is still heard while the screen is shown");
  await p.screenshot({ path: join(artifacts, "hall-p-screen-phone.png") });
  await f.screenshot({ path: join(artifacts, "hall-f-sharing-1280.png") });
  await clickControl(f, "hall-stop-share");
  await eventually("P's screen panel gone", async () => (await snapshot(p)).hall.screen_shown === null &&
    p.evaluate(() => document.getElementById("hall-screen").hidden), 15_000);
  // The browser's own stop button ends the share the same way.
  await clickControl(f, "hall-share-screen");
  await eventually("P seeing F's screen again", async () => (await snapshot(p)).hall.screen_shown === "ファシリ", 60_000);
  await f.evaluate(() => window.__ibashoHallScreen.getSenders()[0].track.dispatchEvent(new Event("ended")));
  await eventually("F no longer sharing", async () => !(await snapshot(f)).hall.sharing);
  await eventually("P's screen panel gone again", async () => (await snapshot(p)).hall.screen_shown === null, 15_000);

  await p.context().close();


  // カメラも on the stage: the camera goes to the whole hall with the voice.
  await choose(f, "camera");
  await eventually("listeners decoding F's stage camera", async () =>
    (await framesFrom(listeners[0], idF)) > 10 && (await framesFrom(listeners[11], idF)) > 10, 60_000);
  assert.ok((await heard(listeners[11], idF)) > 0, "and still hear F");

  // Stepping down ends the stage for everyone.
  await clickControl(f, "hall-leave-stage");
  await eventually("F's feed gone at the listeners", async () => (await heard(listeners[5], idF)) === 0, 15_000);
  for (const peer of [...listeners, a, b, outsider]) await peer.close();
  await f.context().close();
});

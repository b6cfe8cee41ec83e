// The voice controls, clicked with the mouse as a person does: the device settings (choose a
// microphone and a speaker, the input level meter, the test sound), the per-person panel
// (mute and volume of one person), the self-mute button and the M key, and the retry offered
// when a voice connection fails. Asserted on what the browser does: the track sent to the other
// person, the speaker of the audio elements, the sound started, the volume of the element that
// plays the other person, what the other person hears, and the connection's getStats().
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifacts, choose, clickControl, clickPerson, eventually, inviter, plainPage, register, rtp, say, snapshot,
  useServerAndBrowser, walkTo,
} from "./harness.mjs";
import { joinAsVoicePeer } from "./voice-peer.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Notes every tone started through Web Audio, with its context (for its speaker and state). */
function recordTones() {
  window.__tones = [];
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...args) {
    window.__tones.push({ frequency: this.frequency.value, context: this.context });
    return start.apply(this, args);
  };
}

test("device settings, a person's volume and self-mute, clicked like a person does", { timeout: 600_000 }, async () => {
  const { browser } = running;
  const [ia, ib] = await invites(2);
  const a = await register(browser, ia, "A", 0);
  const b = await register(browser, ib, "B", 1);
  const idA = (await snapshot(a)).me.id;
  const idB = (await snapshot(b)).me.id;
  await a.evaluate(recordTones);
  await choose(a, "voice");
  await choose(b, "voice");
  await walkTo(a, 24, 20);
  await walkTo(b, 26, 20);
  await eventually("B receiving A's audio", async () => (await rtp(b, idA))?.audioIn > 0, 120_000);
  await eventually("A receiving B's audio", async () => (await rtp(a, idB))?.audioIn > 0, 120_000);

  // 機器の設定: the meter moves with the fake microphone's beeps.
  await clickControl(a, "settings");
  await eventually("the settings window open", async () => (await snapshot(a)).settings_open);
  await eventually("the input level meter moving", async () => (await snapshot(a)).input_level > 0.01);

  // Another microphone: what B receives now comes from it.
  const sentLabel = () => a.evaluate((id) => window.__ibashoMedia[id].getSenders().find((s) => s.track?.kind === "audio")?.track.label, idB);
  assert.equal(await sentLabel(), "Fake Default Audio Input");
  const processing = await a.evaluate((id) => {
    const settings = window.__ibashoMedia[id].getSenders().find((s) => s.track?.kind === "audio").track.getSettings();
    return [settings.echoCancellation, settings.noiseSuppression, settings.autoGainControl];
  }, idB);
  assert.deepEqual(processing, [true, true, true], "echo cancellation, noise suppression and auto gain on");
  await clickControl(a, "microphone");
  await clickControl(a, "microphone:Fake Audio Input 2");
  await eventually("A sending the chosen microphone to B", async () => (await sentLabel()) === "Fake Audio Input 2");
  const before = (await rtp(b, idA)).audioIn;
  await eventually("B still receiving A after the switch", async () => (await rtp(b, idA)).audioIn > before + 2000);

  // Another speaker: the voices and the test sound play on it.
  await clickControl(a, "speaker");
  await clickControl(a, "speaker:Fake Audio Output 1");
  const speakerId = await a.evaluate(async () =>
    (await navigator.mediaDevices.enumerateDevices()).find((d) => d.label === "Fake Audio Output 1").deviceId);
  await eventually("B's voice played on the chosen speaker", () =>
    a.evaluate(([id, sink]) => document.querySelector(`audio[data-person="${id}"]`)?.sinkId === sink, [idB, speakerId]));
  await clickControl(a, "test-sound");
  const tones = await eventually("the test sound played and its audio closed when done", async () => {
    const tones = await a.evaluate(() => window.__tones.map((t) => ({ frequency: t.frequency, sink: t.context.sinkId, state: t.context.state })));
    return tones.length > 0 && tones.every((t) => t.state === "closed") && tones;
  });
  assert.deepEqual(tones, [{ frequency: 660, sink: speakerId, state: "closed" }]);
  await a.screenshot({ path: join(artifacts, "controls-settings.png") });
  await clickControl(a, "settings"); // closes it again
  await eventually("the settings window closed", async () => !(await snapshot(a)).settings_open);

  // Clicking B's avatar opens B's panel; mute, then half volume, act on the element playing B.
  const played = () => a.evaluate((id) => document.querySelector(`audio[data-person="${id}"]`).volume, idB);
  const seenB = async () => (await snapshot(a)).people.find((p) => p.id === idB);
  await eventually("B at full volume for A", async () => (await seenB()).volume > 0.9);
  await clickPerson(a, idB);
  await eventually("B's panel open", async () => (await snapshot(a)).person_panel === idB);
  await clickControl(a, "person-mute");
  await eventually("B muted for A", async () => (await seenB()).volume === 0 && (await played()) === 0);
  assert.ok((await seenB()).gain > 0.9, "B is still in hearing: only A's own setting silences B");
  await clickControl(a, "person-mute");
  await eventually("B unmuted for A", async () => (await seenB()).volume > 0.9);
  await clickControl(a, "person-volume", 0.5);
  await eventually("B at half volume for A", async () => {
    const volume = await played();
    return volume > 0.4 && volume < 0.6;
  }).catch(async (error) => {
    await a.screenshot({ path: join(artifacts, "controls-volume-failed.png") });
    const shot = await snapshot(a);
    throw new Error(`${error.message}; A plays B at ${await played()}, sees ${JSON.stringify(await seenB())}, rail ${JSON.stringify(shot.controls["person-volume"])}`);
  });
  assert.equal((await snapshot(a)).me.id, idA);
  await a.screenshot({ path: join(artifacts, "controls-person.png") });

  // The self-mute button: B stops hearing A speak, and A's page says so.
  await eventually("A speaking, as B sees it", async () => (await snapshot(b)).people.find((p) => p.id === idA)?.speaking, 60_000);
  await clickControl(a, "self-mute");
  await eventually("A muted", async () => (await snapshot(a)).self_muted);
  await eventually("A not speaking at B", async () => !(await snapshot(b)).people.find((p) => p.id === idA)?.speaking);
  for (let i = 0; i < 15; i++) {
    const level = (await rtp(b, idA)).audioLevel;
    assert.ok(level < 0.01, `B hears nothing from A while A is muted (level ${level})`);
    await sleep(200);
  }
  // The M key unmutes again (the page, not the chat input, has the keyboard).
  await a.keyboard.press("m");
  await eventually("A unmuted with M", async () => !(await snapshot(a)).self_muted);
  await eventually("A speaking again at B", async () => (await snapshot(b)).people.find((p) => p.id === idA)?.speaking, 60_000);

  // 押して話す: muted until Space is held, heard while it is, muted again when it is let go.
  await clickControl(a, "push-to-talk");
  await eventually("A muted with push-to-talk on", async () => (await snapshot(a)).self_muted);
  await eventually("A silent at B", async () => !(await snapshot(b)).people.find((p) => p.id === idA)?.speaking);
  await a.keyboard.down("Space");
  await eventually("A heard while Space is held", async () => !(await snapshot(a)).self_muted &&
    (await snapshot(b)).people.find((p) => p.id === idA)?.speaking, 60_000);
  await a.keyboard.up("Space");
  await eventually("A muted again when Space is let go", async () => (await snapshot(a)).self_muted);

  // ブロックする, from B's panel, asked once: the two are separated and never introduced again
  // side by side, B's chat never reaches A, and B's page shows nothing of it.
  await eventually("B's panel open", async () => {
    if ((await snapshot(a)).person_panel !== idB) await clickPerson(a, idB);
    return (await snapshot(a)).person_panel === idB;
  });
  await clickControl(a, "person-block");
  await a.screenshot({ path: join(artifacts, "controls-block-asked.png") });
  await clickControl(a, "person-block-confirm");
  await eventually("A blocks B", async () => (await snapshot(a)).blocked.includes(idB));
  await eventually("A and B separated", async () => !(await snapshot(a)).introduced.includes(idB) && !(await snapshot(b)).introduced.includes(idA));
  await say(b, "ブロックのあとのことば");
  await sleep(3_000);
  assert.ok(!(await snapshot(a)).chat.some(([, text]) => text.includes("ブロックのあと")), "B's chat never reaches A");
  assert.ok(!(await snapshot(a)).introduced.includes(idB), "never introduced again side by side");
  assert.deepEqual((await snapshot(b)).blocked, [], "B is not told");
  assert.ok((await snapshot(b)).people.some((p) => p.id === idA), "B still sees A walk about");
  await a.screenshot({ path: join(artifacts, "controls-blocked.png") });
  await clickControl(a, "person-unblock");
  await eventually("introduced again once unblocked", async () => (await snapshot(a)).introduced.includes(idB), 30_000);

  // スタッフに知らせる, from B's panel, with a note typed in the page's own field: staff read it
  // on /reports with the place; B is not told.
  await clickControl(a, "person-report");
  await eventually("the note field over the panel", () => a.isVisible("#report-note"));
  await a.fill("#report-note", "何度も話しかけられました");
  await a.screenshot({ path: join(artifacts, "controls-report.png") });
  await clickControl(a, "person-report-send");
  await eventually("A told it reached staff", async () => (await snapshot(a)).report_sent);
  const [iStaff] = await invites(1, "staff");
  const staff = await plainPage(browser, iStaff, "見守り係", "/reports");
  const row = await staff.textContent("#reports");
  assert.ok(row.includes("何度も話しかけられました") && row.includes("フリースペース") && row.includes("A") && row.includes("B"), row);
  await staff.context().close();
  await a.context().close();
  await b.context().close();
});

/** Makes getUserMedia fail as a browser does when `window.__refuseDevices` names an error. */
function refuseDevicesWhenAsked() {
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) =>
    window.__refuseDevices
      ? Promise.reject(new DOMException("refused in this test", window.__refuseDevices))
      : getUserMedia(constraints);
}

test("a refused or missing microphone gets a clear message, and the person stays 聞くだけ", { timeout: 600_000 }, async () => {
  const { browser } = running;
  const [ie] = await invites(1);
  const e = await register(browser, ie, "E", 4);
  await e.evaluate(refuseDevicesWhenAsked);
  const me = async () => (await snapshot(e)).me;

  await e.evaluate(() => (window.__refuseDevices = "NotAllowedError"));
  await clickControl(e, "step:声で参加");
  assert.equal(
    await eventually("the refusal explained", async () => (await snapshot(e)).notice),
    "マイクの使用が許可されませんでした。ブラウザのアドレスバーの設定から許可すると使えます。聞くだけ・見学のままでも参加できます。",
  );
  assert.equal((await me()).participation, "listening");
  await e.screenshot({ path: join(artifacts, "controls-refused.png") });

  await e.evaluate(() => (window.__refuseDevices = "NotFoundError"));
  await clickControl(e, "step:カメラも");
  assert.equal(
    await eventually("the missing device explained", async () => (await snapshot(e)).notice?.includes("見つかりません") && (await snapshot(e)).notice),
    "マイクまたはカメラが見つかりませんでした。機器がつながっているか確かめて、もう一度選んでください。",
  );
  assert.equal((await me()).participation, "listening");

  // Allowed again: the same button now works, and the notice goes.
  await e.evaluate(() => (window.__refuseDevices = null));
  await clickControl(e, "step:声で参加");
  await eventually("E on voice", async () => (await me()).participation === "voice" && (await snapshot(e)).notice === null);
  await e.context().close();
});

/**
 * `nickname` enters on voice and stands in the free space; then a voice peer (`voice-peer.mjs`)
 * with `network` options comes to stand beside them. The person enters first, so they make the
 * offers (and restart ICE when asked to retry).
 */
async function personMeetsVoicePeer(nickname, peerName, network) {
  const [ip, iv] = await invites(2);
  const page = await register(running.browser, ip, nickname, 2);
  const id = (await snapshot(page)).me.id;
  await choose(page, "voice");
  await walkTo(page, 24, 20);
  const peer = await joinAsVoicePeer(running.browser, iv, peerName, { listenTo: id, ...network });
  const peerId = await peer.page.evaluate(() => window.__voicePeer.id);
  await peer.moveToTile(25, 20);
  return { page, peer, peerId };
}

test("a voice connection that fails says so and offers a retry that connects", { timeout: 600_000 }, async () => {
  // A voice peer behind a network that drops its audio connection.
  const { page: c, peer: far, peerId: idFar } = await personMeetsVoicePeer("C", "遠い人", { unreachable: true });

  const notice = await eventually("the notice about the failed connection", async () => (await snapshot(c)).notice, 120_000);
  assert.equal(notice, "遠い人さんとの音声の接続がうまくいきませんでした。「もう一度つなぐ」を押すか、いったん遠くへ離れてから近づくと、つなぎ直します。");
  const failed = await rtp(c, idFar);
  assert.equal(failed.state, "failed");
  assert.equal(failed.audioIn, 0);
  await c.screenshot({ path: join(artifacts, "controls-retry.png") });

  // The network recovers; もう一度つなぐ restarts the connection, and the voices flow both ways.
  await far.becomeReachable();
  await clickControl(c, "retry");
  await eventually("the notice closed", async () => (await snapshot(c)).notice === null);
  await eventually("C receiving the peer's audio after the retry", async () => (await rtp(c, idFar))?.audioIn > 0, 60_000);
  assert.equal((await rtp(c, idFar)).state, "connected");
  await eventually("the peer receiving C's audio", async () => (await far.figures()).audioIn > 0, 60_000);
  await c.context().close();
  await far.close();
});

test("a voice connection that never starts is reported too, and stepping away and back starts afresh", { timeout: 600_000 }, async () => {
  // A voice peer that answers but gives no address at all: G's connection never starts checking.
  const { page: g, peer: quiet, peerId: idQuiet } =
    await personMeetsVoicePeer("G", "しずか", { unreachable: true, silent: true });
  const notice = await eventually("the notice about the connection that never started", async () => (await snapshot(g)).notice, 120_000);
  assert.match(notice, /^しずかさんとの音声の接続がうまくいきませんでした。/);
  assert.ok(["new", "connecting"].includes((await rtp(g, idQuiet)).state));

  // As the notice says: stepping away and coming back near again makes a fresh connection.
  await quiet.becomeReachable();
  await quiet.moveToTile(40, 5);
  await eventually("G separated from しずか", async () => !(await snapshot(g)).introduced.includes(idQuiet));
  await quiet.moveToTile(25, 20);
  await eventually("G receiving しずか's audio on the fresh connection", async () => (await rtp(g, idQuiet))?.audioIn > 0, 120_000);
  assert.equal((await rtp(g, idQuiet)).state, "connected");
  await g.context().close();
  await quiet.close();
});

// Proximity voice and camera end to end, asserted on getStats() of the real peer connections:
// A and B talk by voice side by side; C watches (見学) and never sends; B's camera reaches A;
// A steps out of hearing and B stops receiving; D in the quiet corner hears nothing from B
// next to it; a booth nobody let A into stops A at its door. A tab in the background keeps hearing
// people come and go.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifacts, choose, eventually, inviter, register, rtp, setHidden, snapshot, useServerAndBrowser, walkTo,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const invites = inviter(running);

test("voice follows proximity, places and the participation ladder", { timeout: 900_000 }, async () => {
  const { browser } = running;
  const [ia, ib, ic, id_] = await invites(4);
  const a = await register(browser, ia, "A", 0);
  const b = await register(browser, ib, "B", 1);
  const c = await register(browser, ic, "C", 2);
  const d = await register(browser, id_, "D", 3);
  const id = async (page) => (await snapshot(page)).me.id;
  const [idA, idB, idC, idD] = [await id(a), await id(b), await id(c), await id(d)];

  // Nobody is asked for a microphone until they pick voice; everyone starts at 聞くだけ.
  assert.equal((await snapshot(a)).me.participation, "listening");
  await choose(a, "voice");
  await choose(b, "voice");
  await choose(c, "watching");
  await choose(d, "voice");
  await walkTo(a, 24, 20);
  await walkTo(b, 25, 20);
  await walkTo(c, 24, 21);
  await walkTo(d, 43, 21); // the quiet reading corner
  await eventually("A and B on voice, C watching, as others see them", async () => {
    const seen = (await snapshot(a)).people;
    return seen.find((p) => p.id === idB)?.participation === "voice" && seen.find((p) => p.id === idC)?.participation === "watching";
  });

  // B hears A: inbound audio grows and its level rises above 0.
  const first = await eventually("B receiving A's audio", async () => {
    const f = await rtp(b, idA);
    return f && f.audioIn > 0 && f;
  }, 120_000);
  await eventually("A's audio level above 0 at B", async () => (await rtp(b, idA))?.audioLevel > 0);
  await eventually("A's speaking indicator on B's page", async () =>
    (await snapshot(b)).people.find((p) => p.id === idA)?.speaking);
  await sleep(1500);
  assert.ok((await rtp(b, idA)).audioIn > first.audioIn, "B's inbound audio from A keeps growing");
  // They may still be walking up to each other; once side by side, A is at full volume.
  await eventually("A at full volume next to B", async () => (await snapshot(b)).people.find((p) => p.id === idA).gain > 0.9);

  // C watches: connected to A, but never sends audio.
  await eventually("A connected to C", async () => (await rtp(a, idC))?.state === "connected", 120_000);
  await sleep(2000);
  assert.equal((await rtp(a, idC)).audioIn, 0, "A receives no audio from C");
  assert.equal((await rtp(c, idA)).audioOut, 0, "C sends no audio to A");
  assert.match(await c.getAttribute("#chat-input", "placeholder"), /見学中/);
  assert.ok(await c.isDisabled("#chat-input"), "見学 does not chat");

  // B turns the camera on: A receives decoded video frames, and sees B's tile.
  await choose(b, "camera");
  await eventually("A decoding B's video", async () => (await rtp(a, idB))?.videoFrames > 0, 120_000);
  await eventually("B's camera tile on A's page", async () =>
    a.evaluate(() => [...document.querySelectorAll(".camera-tile")].some((t) => !t.hidden && t.textContent === "B")));
  await a.screenshot({ path: join(artifacts, "voice-a.png") });

  // A steps out of hearing (still introduced, 6 tiles away): B's inbound audio stops growing.
  await walkTo(a, 31, 20);
  await eventually("A's gain at B reaching 0", async () => (await snapshot(b)).people.find((p) => p.id === idA)?.gain === 0);
  await sleep(1500);
  const stopped = await rtp(b, idA);
  assert.ok(stopped, "still introduced, so the connection exists");
  await sleep(2500);
  assert.equal((await rtp(b, idA)).audioIn, stopped.audioIn, "no audio from A out of hearing");

  // D in the quiet corner: B stands right beside it and talks, D receives nothing.
  await walkTo(b, 39, 21);
  await eventually("B and D connected", async () => (await rtp(d, idB))?.state === "connected", 120_000);
  await sleep(3000);
  assert.equal((await rtp(d, idB)).audioIn, 0, "D in the quiet zone receives no audio");
  assert.equal((await snapshot(d)).people.find((p) => p.id === idB)?.gain, 0);

  // Booths: only the people let in talk there, at full volume (booth.test.mjs, with a counselor).
  // Here nobody receives in booth 1, so a click into it stops at its door, outside.
  await walkTo(a, 12, 3);
  await eventually("A stopped at booth 1's door", async () => (await snapshot(a)).booth.at_door === "booth-1");
  assert.equal((await snapshot(a)).me.place, "フリースペース", "A stays outside a booth nobody let A into");
  for (const page of [a, b, c, d]) await page.context().close();
});

test("a tab in the background keeps hearing people as they come and go", { timeout: 600_000 }, async () => {
  const { browser } = running;
  const [ie, iff] = await invites(2);
  const e = await register(browser, ie, "E", 4);
  const f = await register(browser, iff, "F", 5);
  const [idE, idF] = [(await snapshot(e)).me.id, (await snapshot(f)).me.id];
  await choose(e, "voice");
  await choose(f, "voice");
  await walkTo(e, 20, 16);
  await walkTo(f, 36, 16);
  await eventually("E and F apart", async () => !(await snapshot(e)).introduced.includes(idF));

  // E switches to another tab: no more animation frames. F walks up to E.
  await setHidden(e, true);
  assert.equal(await e.evaluate(() => document.visibilityState), "hidden");
  await walkTo(f, 21, 16);
  await eventually("E, in the background, receiving F's audio", async () => (await rtp(e, idF))?.audioIn > 0, 120_000);
  await eventually("F receiving E's audio", async () => (await rtp(f, idE))?.audioIn > 0, 60_000);
  await eventually("F at full volume for E", async () => (await snapshot(e)).people.find((p) => p.id === idF)?.gain > 0.9);

  // F steps out of hearing: E, still hidden, turns F down to silence and stops sending to F.
  await walkTo(f, 27, 16);
  await eventually("F's gain at E reaching 0", async () => (await snapshot(e)).people.find((p) => p.id === idF)?.gain === 0);
  await sleep(1500);
  const stopped = await rtp(f, idE);
  await sleep(2500);
  assert.equal((await rtp(f, idE)).audioIn, stopped.audioIn, "E sends nothing to F out of hearing");

  // Back in the foreground, frames resume.
  await setHidden(e, false);
  await walkTo(f, 21, 16);
  await eventually("F heard again at E", async () => (await snapshot(e)).people.find((p) => p.id === idF)?.gain > 0.9);
});

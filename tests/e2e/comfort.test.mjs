// Comfort and calm, end to end: 「話しかけないでください」 keeps everyone's voice and chat away
// (the server stops introducing that person; others see the sign) until it is turned off; a
// browser asking for reduced motion opens the town in おだやかモード, where nobody's speaking ring
// is drawn; the text size (three steps) grows egui's buttons and the page's own chat text alike
// and is kept across a reload; high contrast is applied.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { arrive, artifacts, choose, clickControl, eventually, inviter, register, rtp, say, snapshot, useServerAndBrowser } from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
const person = async (page, id) => (await snapshot(page)).people.find((p) => p.id === id);

test("話しかけないで keeps voices and chat away until turned off", { timeout: 300_000 }, async () => {
  const { browser } = running;
  const [iA, iB] = await invites(2);
  const a = await register(browser, iA, "あおい", 0);
  const b = await register(browser, iB, "べに", 1);
  await Promise.all([arrive(a, 20, 12), arrive(b, 23, 12)]);
  const [idA, idB] = [(await snapshot(a)).me.id, (await snapshot(b)).me.id];
  await Promise.all([choose(a, "voice"), choose(b, "voice")]);
  await eventually("B hears A", async () => (await rtp(b, idA))?.audioIn > 2_000, 60_000);

  // A asks not to be spoken to: B sees the sign, their link ends, and B's chat does not reach A.
  await clickControl(a, "do-not-disturb");
  await eventually("A's own sign", async () => (await snapshot(a)).me.do_not_disturb);
  await eventually("B sees A's sign", async () => (await person(b, idA))?.do_not_disturb);
  await eventually("no longer introduced", async () =>
    !(await snapshot(a)).introduced.includes(idB) && !(await snapshot(b)).introduced.includes(idA));
  await eventually("the media connection is gone", async () => { const r = await rtp(b, idA); return r === null || r.state === "closed"; });
  assert.match(await a.getAttribute("#chat-input", "placeholder"), /話しかけないで/);
  await say(b, "きこえますか");
  await a.waitForTimeout(2_000);
  assert.ok(!(await snapshot(a)).chat.some(([, text]) => text === "きこえますか"), "B's chat does not reach A");
  await b.screenshot({ path: join(artifacts, "do-not-disturb-sign-960.png") });

  // Turned off: introduced again, and B hears A again.
  await clickControl(a, "do-not-disturb");
  await eventually("B sees the sign go", async () => (await person(b, idA))?.do_not_disturb === false);
  await eventually("B hears A again", async () => (await rtp(b, idA))?.audioIn > 2_000, 60_000);
  await Promise.all([a.context().close(), b.context().close()]);
});

test("おだやかモード by the browser's wish, no speaking rings, text size and contrast", { timeout: 300_000 }, async () => {
  const { browser } = running;
  const [iC, iD] = await invites(2);
  // C's browser asks for reduced motion: the town opens calm.
  const c = await register(browser, iC, "しずか", 2, { width: 960, height: 640, reducedMotion: true });
  assert.equal((await snapshot(c)).comfort.calm, true, "reduced motion is honoured by default");
  const d = await register(browser, iD, "だいち", 3);
  assert.equal((await snapshot(d)).comfort.calm, false);
  await Promise.all([arrive(c, 20, 16), arrive(d, 21, 16)]);
  const idC = (await snapshot(c)).me.id;
  await choose(c, "voice");

  // While C speaks, D sees the ring; in おだやかモード, none.
  await eventually("D sees C's speaking ring", async () => {
    const shot = await snapshot(d);
    return shot.people.find((p) => p.id === idC)?.speaking && shot.rings > 0;
  }, 60_000);
  await clickControl(d, "settings");
  await clickControl(d, "comfort-calm");
  await eventually("D calm", async () => (await snapshot(d)).comfort.calm);
  await d.waitForTimeout(500); // the snapshot's ring count is the frame drawn before it
  let spoke = 0;
  for (let i = 0; i < 40 && spoke < 5; i++) {
    const shot = await snapshot(d);
    if (shot.people.find((p) => p.id === idC)?.speaking) {
      spoke++;
      assert.equal(shot.rings, 0, "no ring while C speaks, in おだやかモード");
    }
    await d.waitForTimeout(250);
  }
  assert.ok(spoke >= 3, `C was heard speaking meanwhile (${spoke} looks)`);

  await clickControl(d, "comfort-contrast");
  await eventually("high contrast", async () => (await snapshot(d)).comfort.high_contrast);
  assert.ok(await d.evaluate(() => document.documentElement.classList.contains("high-contrast")));

  // 特大: egui's buttons and the page's chat text grow by half; kept across a reload.
  const before = (await snapshot(d)).controls["step:見学"];
  const chatFont = () => d.evaluate(() => parseFloat(getComputedStyle(document.getElementById("chat-input")).fontSize));
  const chatBefore = await chatFont();
  await clickControl(d, "text-size:特大");
  // A button is its text and 10 points of padding each side: the text is 1.5× as wide.
  const after = await eventually("larger buttons", async () => {
    const rect = (await snapshot(d)).controls["step:見学"];
    return rect && Math.abs((rect[2] - 20) / (before[2] - 20) - 1.5) < 0.05 && rect;
  });
  assert.ok(after[3] > before[3], `taller too: ${before} → ${after}`);
  // The top bar's buttons fold into 「メニュー」 rather than run over the place's name.
  await eventually("the bar folds at this size", async () => (await snapshot(d)).controls.menu);
  assert.equal(await chatFont(), chatBefore * 1.5, "the chat's text is 1.5× as large");
  await d.screenshot({ path: join(artifacts, "comfort-calm-larger-contrast-960.png") });
  await d.reload();
  await eventually("D back in the town", async () => (await snapshot(d))?.screen === "town", 120_000);
  assert.deepEqual((await snapshot(d)).comfort, { calm: true, text: "Larger", high_contrast: true, ambient: true, joystick: false }, "kept by the browser");
  await Promise.all([c.context().close(), d.context().close()]);
});

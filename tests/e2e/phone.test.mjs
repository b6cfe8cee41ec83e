// The town on a phone, end to end with Chromium's mobile emulation (touch events, 390×844,
// device scale factor 3, in a browser whose screen really is 3×): a person registers by tapping, finds the top bar folded into a menu
// whose buttons are 44 px touch targets inside the screen, walks by tapping the floor, chats with
// someone on a laptop (who reads it), and switches to voice, which the other person hears. The
// chat stays above the on-screen keyboard, and the thumb stick (an option) walks.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  arrive, artifacts, eventually, inviter, launchBrowser, register, rtp, snapshot, useServerAndBrowser,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
const PHONE = { width: 390, height: 844, phone: true };

/** Taps a named control of the page (as a thumb does), once it has stayed put. */
async function tapControl(page, name) {
  const [x, y, width, height] = await eventually(`control ${name} shown`, async () => (await snapshot(page)).controls[name]);
  await page.waitForTimeout(300);
  await page.touchscreen.tap(x + width / 2, y + height / 2);
  return [x, y, width, height];
}

/** Where a world point is on the page (CSS pixels), from the part of the town shown below the top bar. */
function onScreen(shot, { x, y }) {
  const [left, bottom, right, top] = shot.view;
  const [, barY, , barHeight] = shot.controls["top-bar"];
  const below = barY + barHeight;
  return [(x - left) / (right - left) * PHONE.width, below + (top - y) / (top - bottom) * (PHONE.height - below)];
}

test("on a phone: a menu with thumb-sized buttons, walking by tap, chat and voice", { timeout: 420_000 }, async () => {
  const { browser } = running;
  const phoneBrowser = await launchBrowser({ scale: 3 });
  try {
    const [iP, iL] = await invites(2);
    const phone = await register(phoneBrowser, iP, "すまほ", 1, PHONE);
    assert.equal(await phone.evaluate(() => navigator.maxTouchPoints > 0 && window.devicePixelRatio), 3, "a touch phone at 3×");
    const canvas = await phone.evaluate(() => { const c = document.querySelector("canvas"); return [c.width, c.clientWidth]; });
    assert.deepEqual(canvas, [1170, 390], "the town is drawn at the phone's full resolution");

    // The top bar is one line and the ways to take part; the rest waits behind 「メニュー」.
    let controls = await eventually("the top bar drawn", async () => { const c = (await snapshot(phone)).controls; return c["step:見学"] && c; });
    assert.ok(controls.menu && !controls.settings && !controls.guide, `folded: ${Object.keys(controls)}`);
    await tapControl(phone, "menu");
    controls = await eventually("the menu open", async () => { const c = (await snapshot(phone)).controls; return c.settings && c; });
    for (const name of ["menu", "help-call", "settings", "guide", "programs", "step:見学", "step:聞くだけ", "step:声で参加", "step:カメラも"]) {
      const [x, , width, height] = controls[name] ?? assert.fail(`${name} shown`);
      assert.ok(height >= 44 && x >= 0 && x + width <= PHONE.width, `${name} is a touch target on the screen: ${controls[name]}`);
    }
    await phone.screenshot({ path: join(artifacts, "phone-menu-390.png") });
    await tapControl(phone, "guide");
    await eventually("the menu folds once a button is pressed", async () => !(await snapshot(phone)).controls.settings);

    // Walking by tapping the floor a few tiles away.
    const before = (await snapshot(phone)).me;
    const goal = { x: before.x + 96, y: before.y - 96 };
    await phone.touchscreen.tap(...onScreen(await snapshot(phone), goal));
    await eventually("walked to the tapped floor", async () => {
      const me = (await snapshot(phone)).me;
      return Math.hypot(me.x - goal.x, me.y - goal.y) < 24;
    }, 30_000);

    // A person on a laptop comes near; the phone's chat reaches them.
    const laptop = await register(browser, iL, "のーと", 2, { width: 1280, height: 800 });
    const me = (await snapshot(phone)).me;
    const near = { col: Math.floor(me.x / 32) + 2, row: 25 - Math.floor(me.y / 32) };
    await arrive(laptop, near.col, near.row);
    const laptopId = (await snapshot(laptop)).me.id;
    await eventually("introduced", async () => (await snapshot(phone)).introduced.includes(laptopId));
    await phone.tap("#chat-input");
    await phone.keyboard.insertText("スマホから、こんにちは");
    await phone.keyboard.press("Enter");
    await eventually("the laptop reads the phone's line", async () =>
      (await snapshot(laptop)).chat.some(([who, text]) => who === "すまほ" && text === "スマホから、こんにちは"));

    // Switching to voice with a thumb: the laptop hears the phone.
    await tapControl(phone, "step:声で参加");
    await eventually("the phone on voice", async () => (await snapshot(phone)).me.participation === "voice");
    const phoneId = (await snapshot(phone)).me.id;
    await eventually("the laptop hears the phone's voice", async () => {
      const heard = await rtp(laptop, phoneId);
      return heard && heard.audioIn > 5_000 && heard.audioLevel > 0;
    }, 60_000);
    await phone.screenshot({ path: join(artifacts, "phone-voice-390.png") });
    await Promise.all([phone.context().close(), laptop.context().close()]);
  } finally {
    await phoneBrowser.close();
  }
});

/**
 * Init script: lets the test open a phone's on-screen keyboard of `height` CSS pixels with
 * `window.__showKeyboard(height)`. Chromium's emulation has no on-screen keyboard; a real one
 * shrinks the visual viewport from below and fires its `resize`, which is what this does. The
 * person had turned on the thumb stick (設定 → 操作) on an earlier visit: the browser kept it.
 */
function pretendKeyboardAndStick() {
  const viewport = window.visualViewport;
  let keyboard = 0;
  Object.defineProperty(viewport, "height", { configurable: true, get: () => window.innerHeight - keyboard });
  window.__showKeyboard = (height) => {
    keyboard = height;
    viewport.dispatchEvent(new Event("resize"));
  };
  const comfort = { calm: false, text: "Standard", high_contrast: false, ambient: true, joystick: true };
  localStorage.setItem("ibasho-comfort", JSON.stringify(comfort));
}

test("on a phone, the chat stays above the on-screen keyboard, and the thumb stick walks", { timeout: 300_000 }, async () => {
  const phoneBrowser = await launchBrowser({ scale: 3 });
  try {
    await keyboardAndStick(phoneBrowser);
  } finally {
    await phoneBrowser.close();
  }
});

async function keyboardAndStick(phoneBrowser) {
  const [invite] = await invites(1);
  const phone = await register(phoneBrowser, invite, "きーぼーど", 3, PHONE, [pretendKeyboardAndStick, null]);
  const chatBottom = () => phone.evaluate(() => document.getElementById("chat").getBoundingClientRect().bottom);
  assert.ok(await chatBottom() > PHONE.height - 40, "the chat at the bottom of the screen");
  await phone.tap("#chat-input");
  await phone.evaluate(() => window.__showKeyboard(330));
  await eventually("the chat above the keyboard", async () => (await chatBottom()) <= PHONE.height - 330);
  await phone.keyboard.insertText("キーボードの上に見えています");
  await phone.screenshot({ path: join(artifacts, "phone-keyboard-390.png") });
  await phone.evaluate(() => window.__showKeyboard(0));
  await eventually("back at the bottom once the keyboard closes", async () => (await chatBottom()) > PHONE.height - 40);

  // The thumb stick, left of the zoom buttons: held up, the person walks up (from a spot with 12 free tiles above).
  await arrive(phone, 7, 20);
  const [x, y, width, height] = await eventually("the thumb stick shown", async () => (await snapshot(phone)).controls.joystick);
  assert.ok(width >= 88 && x >= 0 && x + width <= PHONE.width && y + height <= PHONE.height, `a thumb's size, on screen: ${[x, y, width, height]}`);
  await phone.screenshot({ path: join(artifacts, "phone-stick-390.png") });
  const me = async () => (await snapshot(phone)).me;
  const before = await me();
  const touch = await phone.context().newCDPSession(phone);
  const [cx, cy] = [x + width / 2, y + height / 2];
  await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x: cx, y: cy }] });
  for (let step = 1; step <= 5; step++) {
    await touch.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: cx, y: cy - step * 9 }] });
    await phone.waitForTimeout(50);
  }
  await phone.waitForTimeout(1_000);
  const held = await me();
  await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  assert.ok(held.y - before.y > 80 && Math.abs(held.x - before.x) < 16, `walked up: ${JSON.stringify([before, held])}`);
  // Let go, the person stops where they are (a slow machine may draw a few more frames of walking
  // first; a release taken for a tap on the town would walk them hundreds of pixels away). "Still"
  // is judged over frames the page has drawn, not over wall-clock time: a busy machine can go
  // 300 ms without drawing one.
  const stillOver = async (frames) => {
    const first = await snapshot(phone);
    let last = first;
    while (last.frame < first.frame + frames) {
      await phone.waitForTimeout(100);
      last = await snapshot(phone);
    }
    return { moved: Math.hypot(last.me.x - first.me.x, last.me.y - first.me.y), at: last.me, frames: last.frame - first.frame };
  };
  const stopped = await eventually("let go, the person stops", async () => {
    const over = await stillOver(10);
    return over.moved < 1 && over.at;
  });
  assert.ok(Math.hypot(stopped.x - held.x, stopped.y - held.y) < 96, `stopped near where the stick was let go: ${JSON.stringify([held, stopped])}`);
  const later = await stillOver(30);
  assert.ok(later.moved < 2, `and stays there: ${JSON.stringify([stopped, later])}`);
  await phone.context().close();
}

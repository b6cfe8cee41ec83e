// The town as a list, with the keyboard only: the first Tab reaches 「一覧で見る」, Enter opens a
// list of places with who is there; its buttons walk there and change how one takes part; the
// accessibility tree names every part; Escape closes it, and the chat is reached by Tab too.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { arrive, artifacts, eventually, inviter, register, snapshot, useServerAndBrowser } from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);

/** Presses Tab (or Shift+Tab, `back`) until the focused element matches `wanted`, as a keyboard user does. */
async function tabTo(page, what, wanted, back = false) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    if (await page.evaluate(wanted)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

test("with the keyboard only: the list of places, walking there, taking part, chatting", { timeout: 300_000 }, async () => {
  const { browser } = running;
  const [iA, iB] = await invites(2);
  const b = await register(browser, iB, "べに", 1);
  await arrive(b, 27, 16);
  const a = await register(browser, iA, "あおい", 0, { width: 1280, height: 800 });
  await a.evaluate(() => document.activeElement?.blur());

  await tabTo(a, "「一覧で見る」", () => document.activeElement?.id === "list-toggle");
  await a.keyboard.press("Enter");
  await eventually("the list open, its heading focused", () => a.evaluate(() =>
    !document.getElementById("town-list").hidden && document.activeElement?.id === "town-list-title"));
  await eventually("B listed in the free space", async () =>
    /フリースペース[\s\S]*べに/.test(await a.textContent("#town-list")));
  const tree = await a.locator("#town-list").ariaSnapshot();
  for (const part of ['heading "町の一覧"', 'group "参加のしかた"', 'button "聞くだけ" [pressed]', 'button "フリースペースへ行く"',
    'heading "個別相談 1"', 'button "話しかけないで"', 'list "場所"']) {
    assert.ok(tree.includes(part), `the accessibility tree has ${part}:\n${tree}`);
  }
  await a.screenshot({ path: join(artifacts, "list-view-1280.png") });

  // 「フリースペースへ行く」 walks there; the list then says A is there, with B.
  await tabTo(a, "「フリースペースへ行く」", () => document.activeElement?.textContent === "フリースペースへ行く");
  await a.keyboard.press("Enter");
  await eventually("A in the free space", async () => (await snapshot(a)).me.place === "フリースペース", 30_000);
  await eventually("the list says so", async () =>
    /現在地：フリースペース/.test(await a.textContent("#list-here"))
    && /あおい（あなた）/.test(await a.textContent("#town-list")));

  // 「声で参加」 from the list (above the places: Shift+Tab).
  await tabTo(a, "「声で参加」", () => document.activeElement?.dataset.action === "step:voice", true);
  await a.keyboard.press("Enter");
  await eventually("A on voice", async () => (await snapshot(a)).me.participation === "voice");
  await eventually("pressed in the list", () => a.evaluate(() =>
    document.querySelector('#town-list [data-action="step:voice"]').getAttribute("aria-pressed") === "true"));

  // Escape closes the list; Tab reaches the chat, and B (whom A walked up to) reads what A typed.
  const { id: idB, x: bx, y: by } = (await snapshot(b)).me;
  // Beside B: introduced (which happens from 12 tiles away) and near enough to chat (6 tiles).
  await eventually("A beside B and connected", async () => {
    const shot = await snapshot(a);
    return shot.introduced.includes(idB) && shot.connected_peers > 0 && Math.hypot(shot.me.x - bx, shot.me.y - by) < 160;
  }, 60_000);
  await a.keyboard.press("Escape");
  await eventually("closed, focus on the toggle", () => a.evaluate(() =>
    document.getElementById("town-list").hidden && document.activeElement?.id === "list-toggle"));
  await tabTo(a, "the chat field", () => document.activeElement?.id === "chat-input");
  await a.keyboard.insertText("キーボードだけで来ました");
  await a.keyboard.press("Enter");
  await eventually("B reads A's line", async () =>
    (await snapshot(b)).chat.some(([who, text]) => who === "あおい" && text === "キーボードだけで来ました"));
  await Promise.all([a.context().close(), b.context().close()]);
});

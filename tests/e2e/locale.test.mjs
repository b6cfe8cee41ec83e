// English, end to end: a browser whose language is English gets the registration page, its
// error messages and the town in English (the page's own text, the list of places with the
// places' English names); 設定's language switch brings Japanese back at once, and the choice is
// kept for the server's pages too; what the server words for everyone (a program on the guide
// board) follows the page's language. A Japanese browser is never shown English.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifacts, clickControl, eventually, inviter, plainPage, register, snapshot, useServerAndBrowser,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
const LAPTOP = { width: 1280, height: 800 };

test("an English browser registers and walks the town in English; the switch brings Japanese back", { timeout: 300_000 }, async () => {
  const { browser } = running;
  const [invite] = await invites(1);

  // The registration page, and a refusal on it, in English.
  const context = await browser.newContext({ viewport: LAPTOP, locale: "en-US" });
  const form = await context.newPage();
  await form.goto(invite);
  assert.equal(await form.getAttribute("html", "lang"), "en");
  assert.equal(await form.textContent("h1"), "Welcome to ibasho");
  assert.equal(await form.textContent("#enter"), "Start");
  await form.fill("#nickname", "スタッフ");
  await form.click("#enter");
  await eventually("a refused nickname explained in English", async () =>
    /mistaken for the staff/.test(await form.textContent("#error")));
  await form.screenshot({ path: join(artifacts, "register-en-1280.png") });
  await context.close();

  const page = await register(browser, invite, "Robin", 2, { ...LAPTOP, locale: "en-US" });
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.title(), "ibasho — the town");
  assert.equal(await page.getAttribute("#chat-input", "placeholder"), "To the people near you (Enter to send)");
  assert.equal(await page.textContent("#list-toggle"), "Show as a list");
  await page.focus("#list-toggle");
  await page.keyboard.press("Enter");
  await eventually("the list in English, with the places' English names", async () => {
    const [here, list] = [await page.textContent("#list-here"), await page.textContent("#town-list")];
    const english = /Here: Entrance/.test(here) && /Robin \(you\)/.test(list) && /Go to Free space/.test(list)
      && !/[ぁ-んァ-ン]/.test(list.replaceAll("スタッフ", "")); // (the staff page registered as 「スタッフ」)
    if (!english) throw new Error(`${here} | ${list}`);
    return true;
  });
  const tree = await page.locator("#town-list").ariaSnapshot();
  for (const part of ['heading "The town as a list"', 'group "How to take part"', 'button "Listen" [pressed]', 'button "Go to Counseling booth 1"', 'list "Places"']) {
    assert.ok(tree.includes(part), `the accessibility tree has ${part}:\n${tree}`);
  }
  await page.screenshot({ path: join(artifacts, "list-en-1280.png") });
  await page.keyboard.press("Escape");
  await eventually("the list closed", () => page.evaluate(() => document.getElementById("town-list").hidden));
  await page.screenshot({ path: join(artifacts, "town-en-1280.png") });
  const usedPage = await page.context().newPage();
  await usedPage.goto(invite);
  assert.equal(await usedPage.textContent("h1"), "This invite link cannot be used");
  assert.match(await usedPage.textContent("#problem"), /already been used/);
  await usedPage.close();

  // What the server words for everyone reaches this page in English: a program running now in hall A,
  // scheduled by a Japanese member of staff, is on the guide board with the hall's English name.
  const [staffInvite] = await invites(1, "staff");
  const staff = await plainPage(browser, staffInvite, "よていがかり", "/programs");
  const now = Math.floor(Date.now() / 1000);
  const created = await staff.evaluate(async (body) => (await fetch("/api/programs", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).status,
  { title: "Lunch", hall: "hall-1", starts_at: now - 600, ends_at: now + 3000, description: "" });
  assert.equal(created, 201);
  const board = await eventually("the program on the board, in English", async () => {
    const lines = (await snapshot(page)).programs.board;
    return lines.some((line) => /^\[On now\] \d+:\d\d–\d+:\d\d Lunch \(Program hall A\)$/.test(line)) && lines;
  });
  assert.ok(!board.join("").match(/[ぁ-んァ-ン一-龯]/), `no Japanese on the board: ${board}`);
  await staff.reload();
  assert.match(await staff.textContent("#programs"), /交流スペース A/, "the staff member reads it in Japanese");
  await staff.context().close();

  // 設定 → 日本語: the page's text turns Japanese at once, and the server's pages follow.
  await clickControl(page, "settings");
  // The language comes last in the window: scroll down to it, as a person would with the wheel.
  await eventually("the language switch in view", async () => {
    const { controls } = await snapshot(page);
    const [wx, wy, ww, wh] = controls["settings-window"] ?? [0, 0, 0, 0];
    await page.mouse.move(wx + ww / 2, wy + wh / 2);
    await page.mouse.wheel(0, 300);
    const [, y, , height] = controls["lang:ja"] ?? [0, Infinity, 0, 0];
    return wh > 0 && y >= wy && y + height <= wy + wh - 8;
  });
  await page.screenshot({ path: join(artifacts, "settings-en-1280.png") });
  await clickControl(page, "lang:ja");
  await eventually("the page in Japanese", async () =>
    (await page.getAttribute("html", "lang")) === "ja"
    && (await page.getAttribute("#chat-input", "placeholder")) === "近くの人へのメッセージ（Enter で送信）"
    && (await page.textContent("#list-toggle")) === "一覧で見る");
  assert.equal((await snapshot(page)).screen, "town", "still in the town: nothing reloaded");
  assert.ok((await snapshot(page)).programs.board.some((line) => line.includes("Lunch（交流スペース A）")),
    "the same program, now worded in Japanese without asking the server");
  const privacy = await page.context().newPage();
  await privacy.goto(new URL("/privacy", invite).href);
  assert.equal(await privacy.textContent("h1"), "プライバシーについて", "the kept choice wins over the browser's English");
  await privacy.close();
  // A used invite's refusal, in the kept language too.
  const again = await page.context().newPage();
  await again.goto(invite);
  const said = await again.textContent("#problem");
  assert.match(said, /すでに使われています/, `cookies: ${JSON.stringify(await page.context().cookies())}`);
  await again.close();
  await page.context().close();
});

test("a Japanese browser sees Japanese, and may choose English on the registration page", { timeout: 120_000 }, async () => {
  const { browser } = running;
  const [invite] = await invites(1);
  const context = await browser.newContext({ viewport: LAPTOP, locale: "ja-JP" });
  const form = await context.newPage();
  await form.goto(invite);
  assert.equal(await form.textContent("h1"), "ibasho へようこそ");
  assert.equal(await form.textContent("#lang-switch"), "English");
  await form.click("#lang-switch");
  await eventually("the page in English", async () => (await form.textContent("h1")) === "Welcome to ibasho");
  const cookies = await context.cookies();
  assert.ok(cookies.some((cookie) => cookie.name === "ibasho-lang" && cookie.value === "en"), JSON.stringify(cookies));
  await context.close();
});

// The walking skeleton end to end: staff open the printed invite, create invites on the staff
// page; three participants register in three browsers; A walks next to B and says
// 「こんにちは」; B sees A beside them and receives it; C, far away, does not.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  artifacts, createInvite, distance, eventually, register, snapshot, useServerAndBrowser, walkTo,
} from "./harness.mjs";

const running = useServerAndBrowser({ before, after });

test("three participants meet, and only the near one hears A", { timeout: 600_000 }, async () => {
  const { server, browser } = running;
  const staff = await register(browser, server.staffInvite, "スタッフ", 3);
  await staff.goto(`${server.url}/staff`);
  await staff.selectOption("#role", "participant");
  await staff.fill("#note", "Aさん用");
  await staff.click("#create");
  const inviteA = await staff.textContent("#invite-url");
  assert.match(inviteA, /\/invite\/[A-Za-z0-9_-]{43}$/);
  const inviteB = await createInvite(staff);
  const inviteC = await createInvite(staff);
  await staff.close();

  const a = await register(browser, inviteA, "あおい", 0);
  const b = await register(browser, inviteB, "ひかり", 1);
  const c = await register(browser, inviteC, "そら", 2);
  const [me_a, me_b, me_c] = await Promise.all([a, b, c].map(async (page) => (await snapshot(page)).me));
  assert.equal(me_a.nickname, "あおい");

  // Spread out: B into the free space, C to its far corner, then A right next to B.
  await walkTo(b, 24, 20);
  await walkTo(c, 45, 23);
  await eventually("B and C in place", async () => {
    const [sb, sc] = [await snapshot(b), await snapshot(c)];
    return sb.me.place === "フリースペース" && sc.me.x > 1400 && sb.me.x > 750;
  });
  await walkTo(a, 22, 20);
  const aNearB = await eventually("B's page showing A next to B", async () => {
    const sb = await snapshot(b);
    const aSeen = sb.people.find((p) => p.id === me_a.id);
    return aSeen && distance(aSeen, sb.me) < 80 && aSeen;
  });
  assert.equal(aNearB.nickname, "あおい");
  await eventually("A and B connected as peers", async () => {
    const [sa, sb] = [await snapshot(a), await snapshot(b)];
    return sa.connected_peers >= 1 && sb.connected_peers >= 1 && sa.introduced.includes(me_b.id);
  });
  const sc = await snapshot(c);
  assert.ok(!sc.introduced.includes(me_a.id), "C, far away, is not introduced to A");

  await a.click("#chat-input");
  await a.keyboard.insertText("こんにちは");
  await a.keyboard.press("Enter");
  assert.equal(await a.inputValue("#chat-input"), "", "the input clears after sending");
  await eventually("B receiving こんにちは", async () => (await b.textContent("#chat-log")).includes("あおい：こんにちは"));
  const bubble = await eventually("A's bubble on B's page", async () =>
    (await snapshot(b)).people.find((p) => p.id === me_a.id)?.bubble);
  assert.equal(bubble, "こんにちは");
  assert.ok((await a.textContent("#chat-log")).includes("あおい：こんにちは"), "A sees their own line");

  await b.screenshot({ path: join(artifacts, "town-b.png") });
  await a.screenshot({ path: join(artifacts, "town-a.png") });
  // Give a stray message time to arrive, then check C got nothing.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.equal((await c.textContent("#chat-log")).trim(), "", "C's chat log stays empty");
  assert.deepEqual((await snapshot(c)).chat, []);
  assert.equal((await snapshot(c)).people.find((p) => p.id === me_a.id)?.bubble ?? null, null);
  await c.screenshot({ path: join(artifacts, "town-c.png") });
  void me_c;
});

test("a used invite shows a clear Japanese page in the browser", { timeout: 120_000 }, async () => {
  const { server, browser } = running;
  const context = await browser.newContext({ locale: "ja-JP" }); // a Japanese browser (an English one reads English)
  const page = await context.newPage();
  const response = await page.goto(server.staffInvite);
  assert.equal(response.status(), 410);
  assert.match(await page.textContent("#problem"), /すでに使われています/);
  const home = await page.goto(server.url);
  assert.equal(home.status(), 401);
  assert.match(await page.textContent("#problem"), /招待リンクが必要です/);
  await context.close();
});

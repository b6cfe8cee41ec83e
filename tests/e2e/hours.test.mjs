// 開所時間 end to end in Chromium against the real server. Staff set today's hours on /hours with
// the plain form, to close ten minutes from now: A, in the town, sees today's hours in the top bar
// and on the guide board, and the gentle notice that ibasho closes soon, and puts it away. Staff
// then mark today closed: A's page thanks A and says when ibasho opens next; opened again, A's
// page is the calm closed page (next opening, schedule, staff's message), on a phone too, while
// staff still enter the town. Staff see A on いまの様子, live; A renames on わたしの設定, opened
// from the town's guide, and at last deletes the account: A's cookie no longer works and A is
// gone from 参加者 and いまの様子. Two invites are made at once for an event, printed with QR
// codes, and one is taken back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { artifacts, clickControl, eventually, inviter, plainPage, register, snapshot, useServerAndBrowser } from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);

/** The city's (Asia/Tokyo, UTC+9) date, weekday (0 = Sunday) and minute of the day now. */
function cityNow() {
  const d = new Date(Date.now() + 9 * 3600_000);
  const pad = (n) => String(n).padStart(2, "0");
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    weekday: d.getUTCDay(),
    minute: d.getUTCHours() * 60 + d.getUTCMinutes(),
  };
}

const clock = (minute) => `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

test("outside the open hours participants see when ibasho opens, staff still enter", { timeout: 600_000 }, async () => {
  const { browser } = running;
  const [staffInvite] = await invites(1, "staff");
  const [inviteA] = await invites(1);
  const staff = await plainPage(browser, staffInvite, "受付係", "/hours");
  staff.on("dialog", (dialog) => dialog.accept());
  assert.match(await staff.textContent("#hours-now"), /いつでも町に入れます/);
  const a = await register(browser, inviteA, "あおい", 1);

  // Every week on today's weekday, from an hour ago to ten minutes from now (a time input
  // stops at 23:59).
  const now = cityNow();
  await staff.selectOption("#weekday", String(now.weekday));
  await staff.fill("#rule-starts", clock(Math.max(0, now.minute - 60)));
  await staff.fill("#rule-ends", clock(Math.min(23 * 60 + 59, now.minute + 10)));
  await Promise.all([staff.waitForNavigation(), staff.click("#add-rule")]);
  assert.match(await staff.textContent("#rules"), /毎週.曜/);
  assert.match(await staff.textContent("#hours-now"), /いまは開いています/);

  const open = await eventually("A sees today's hours and the closing notice", async () => {
    const shot = await snapshot(a);
    return shot.hours.view.today.ja.startsWith("本日 ") && shot.controls["today-hours"] && shot.hours.closing_notice && shot;
  });
  assert.match(open.hours.closing_notice, /分で閉まります/);
  assert.ok(open.hours.board.some((line) => line.startsWith("開所時間：本日")), "the guide board lists today's hours");
  assert.ok(open.hours.board.some((line) => /^開所日：毎週.曜/.test(line)), "and the schedule");
  await a.screenshot({ path: join(artifacts, "hours-closing-notice-960.png") });
  await clickControl(a, "closing-notice-close");
  await eventually("the notice put away", async () => (await snapshot(a)).hours.closing_notice === null);

  // いまの様子: staff see A in the town, live.
  const live = await staff.context().newPage();
  await live.goto(`${running.server.url}/now`);
  await eventually("A on いまの様子", async () => /あおい.*参加者.*入口・案内.*聞くだけ/.test(await live.textContent("#people")));
  await live.setViewportSize({ width: 1280, height: 800 });
  await live.screenshot({ path: join(artifacts, "now-1280.png"), fullPage: true });
  await live.close();

  // わたしの設定, from the town's guide: A changes the nickname and comes back under it.
  await clickControl(a, "guide");
  await clickControl(a, "my-settings");
  await a.waitForURL((url) => url.pathname === "/me");
  await a.fill("#nickname", "みなと");
  await a.click("#save-profile");
  await eventually("the name saved", async () => (await a.textContent("#result")).startsWith("保存しました"));
  await a.screenshot({ path: join(artifacts, "me-960.png"), fullPage: true });
  await Promise.all([a.waitForURL((url) => url.pathname === "/"), a.click("text=町に戻る")]);
  await eventually("A back in the town as みなと", async () => (await snapshot(a))?.me?.nickname === "みなと", 90_000);

  // Today closed: A is thanked and told when ibasho opens next, at once.
  await staff.fill("#exception-day", now.date);
  await Promise.all([staff.waitForNavigation(), staff.click("#add-exception")]);
  assert.match(await staff.textContent("#exceptions"), /はお休み/);
  assert.match(await staff.textContent("#hours-now"), /いまは閉まっています。次に開くのは/);
  const closed = await eventually("A's page closed", async () => { const s = await snapshot(a); return s.screen === "closed" && s.closed; });
  assert.match(closed, /ありがとうございました/);
  assert.match(closed, /次に開くのは .+ です。/);
  await a.screenshot({ path: join(artifacts, "hours-closed-in-town-960.png") });

  // Opened again: the calm closed page, with staff's message; on a phone too.
  await staff.fill("#closed-message", "年末年始はお休みです。");
  await staff.click("#save-message");
  await eventually("the message saved", async () => (await staff.textContent("#result")) === "保存しました。");
  await a.reload();
  assert.match(await a.textContent("h1"), /ただいま閉まっています/);
  assert.match(await a.textContent("#next-opening"), /次に開くのは .+ です。/);
  assert.match(await a.textContent("#schedule"), /毎週.曜/);
  assert.match(await a.textContent("#closed-message"), /年末年始はお休みです。/);
  await a.setViewportSize({ width: 390, height: 844 });
  await a.screenshot({ path: join(artifacts, "hours-closed-page-390.png"), fullPage: true });
  const overflow = await a.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the closed page fits a phone (overflow ${overflow}px)`);

  // A deletes the account on わたしの設定 (asked once): A's cookie no longer works, and A is gone
  // from 参加者 and いまの様子.
  a.on("dialog", (dialog) => dialog.accept());
  await a.goto(`${running.server.url}/me`);
  await a.click("#delete-account");
  await eventually("the account deleted", async () => (await a.textContent("main")).includes("アカウントを削除しました"));
  await a.goto(`${running.server.url}/`);
  assert.match(await a.textContent("body"), /招待リンクが必要です/);
  const watch = await staff.context().newPage();
  await watch.goto(`${running.server.url}/accounts`);
  assert.doesNotMatch(await watch.textContent("#accounts"), /みなと|あおい/);
  await watch.goto(`${running.server.url}/now`);
  await eventually("いまの様子 shown", async () => /最終更新/.test(await watch.textContent("#live")));
  assert.doesNotMatch(await watch.textContent("#people"), /みなと|あおい/);
  await watch.setViewportSize({ width: 390, height: 844 });
  await watch.screenshot({ path: join(artifacts, "now-390.png"), fullPage: true });

  // Invites to hand over at an event: two at once, printed with QR codes; one taken back.
  const desk = await staff.context().newPage();
  desk.on("dialog", (dialog) => dialog.accept());
  await desk.goto(`${running.server.url}/staff`);
  await desk.fill("#count", "2");
  await desk.click("#create");
  await eventually("two links and two cards", async () =>
    (await desk.locator("#invite-urls li").count()) === 2 && (await desk.locator("#print-cards .card svg").count()) === 2);
  await desk.emulateMedia({ media: "print" });
  await desk.screenshot({ path: join(artifacts, "invite-cards-print.png"), fullPage: true });
  await desk.emulateMedia({ media: "screen" });
  await eventually("the invites listed", async () => (await desk.locator("#invites button.revoke").count()) >= 2);
  await desk.locator("#invites button.revoke").first().click();
  await eventually("one taken back", async () => (await desk.locator("#invites button.revoke").count()) === 1);

  // Staff still enter the town.
  await staff.goto(`${running.server.url}/`);
  await eventually("staff in the town", async () => (await snapshot(staff))?.screen === "town", 90_000);
  await Promise.all([a.context().close(), staff.context().close()]);
});

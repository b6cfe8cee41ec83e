// How the town looks, in each place, as a newcomer sees it: a counselor (who may walk into a
// booth) visits the entrance, the free space, the garden, the reading corner, a booth, the hall
// with the stage and the gallery at 1280×800, and a participant looks at the entrance on a
// 390×844 phone, where the guide board reads in full only from beside it.
// Each view is kept as an artifact (`place-*.png`; docs/screenshots has copies of them), and the
// test checks what the page shows there: the place's name, and furniture drawn around the person
// (the canvas is not one flat colour where a sofa, shelf or table stands).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { arrive, artifacts, eventually, inviter, register, snapshot, useServerAndBrowser } from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);

const PLACES = [
  { file: "entrance", name: "入口・案内", at: [3, 20] },
  { file: "free-space", name: "フリースペース", at: [31, 13] },
  { file: "garden", name: "お庭", at: [52, 13] },
  { file: "reading-corner", name: "読書コーナー（静かな場所）", at: [43, 21] },
  { file: "booth", name: "個別相談 1", at: [12, 4] },
  { file: "hall", name: "交流スペース A", at: [28, 4] },
  { file: "gallery", name: "ギャラリー", at: [5, 4] },
];

/** How many distinct colours the page shows in a square around a point (CSS pixels), as screenshotted. */
async function coloursAround(page, [x, y], half = 60) {
  const png = await page.screenshot({ clip: { x: Math.max(0, x - half), y: Math.max(0, y - half), width: half * 2, height: half * 2 } });
  return page.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [image.width, image.height];
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, image.width, image.height).data;
    const colours = new Set();
    for (let i = 0; i < data.length; i += 4) colours.add((data[i] >> 3) << 10 | (data[i + 1] >> 3) << 5 | data[i + 2] >> 3);
    return colours.size;
  }, png.toString("base64"));
}

/**
 * The guide board's text does not run under the chat field: while its box starts below the top
 * bar (the board is in view), it ends above the chat field.
 */
async function boardClearOfBars(page) {
  const shot = await snapshot(page);
  const board = shot.controls["board:ご案内"];
  if (!board) return;
  const [, y, , height] = board;
  const [, barY, , barHeight] = shot.controls["top-bar"];
  const chatTop = await page.evaluate(() => document.getElementById("chat").getBoundingClientRect().top);
  if (y >= barY + barHeight) assert.ok(y + height <= chatTop, `the board's text ${board} ends above the chat field (${chatTop})`);
}

test("each place looks like what it is for, on a laptop and on a phone", { timeout: 420_000 }, async () => {
  const { browser } = running;
  const [iK] = await invites(1, "counselor");
  const [iP] = await invites(1);
  const k = await register(browser, iK, "けい", 3, { width: 1280, height: 800 });
  for (const place of PLACES) {
    await arrive(k, ...place.at);
    const shot = await eventually(`K in ${place.name}`, async () => {
      const s = await snapshot(k);
      return s.me.place === place.name && s.me.screen && s;
    });
    // Let the camera settle on the person before the picture.
    await k.waitForTimeout(1_500);
    await k.screenshot({ path: join(artifacts, `place-${place.file}-1280.png`) });
    const colours = await coloursAround(k, (await snapshot(k)).me.screen ?? shot.me.screen);
    await boardClearOfBars(k);
    assert.ok(colours > 40, `${place.name} is drawn with its floor, furniture and the person (${colours} colours)`);
    if (place.file === "free-space") {
      // The garden is out of sight behind the east wall: its door's sign says what is there.
      const sign = (await snapshot(k)).controls["sign:お庭"];
      assert.ok(sign && sign[0] > 0 && sign[0] + sign[2] <= 1280 && sign[1] > 0 && sign[1] < 800,
        `the garden's door sign is on screen from the free space (${sign})`);
    }
  }

  const phone = await register(browser, iP, "すまほ", 1, { width: 390, height: 844 });
  // Clear of the guide board's text box (a flat colour), beside the bench and a plant.
  await arrive(phone, 6, 22);
  const here = await eventually("the phone shows the entrance", async () => {
    const s = await snapshot(phone);
    return s.me.place === "入口・案内" && s.me.screen && s;
  });
  await phone.waitForTimeout(1_500);
  await boardClearOfBars(phone);
  await phone.screenshot({ path: join(artifacts, "place-entrance-390.png") });
  assert.ok(await coloursAround(phone, here.me.screen) > 40, "the phone shows the entrance's floor and furniture");
  // From the door the guide board shows only its title (its text would cover the people around
  // it); beside the board it reads in full.
  const folded = (await snapshot(phone)).controls["board:ご案内"];
  assert.ok(folded && folded[3] < 48, `far from the board only its title shows (${folded})`);
  await arrive(phone, 5, 13);
  const beside = await eventually("the board reads in full beside it", async () => {
    const s = await snapshot(phone);
    return s.controls["board:ご案内"]?.[3] > 120 && s;
  });
  const [, boardTop, , boardHeight] = beside.controls["board:ご案内"];
  const [, readerY] = beside.me.screen;
  assert.ok(readerY - 40 > boardTop + boardHeight || readerY + 8 < boardTop,
    `the board's text (${boardTop}–${boardTop + boardHeight}) does not cover its reader (at ${readerY})`);
  await boardClearOfBars(phone);
  await phone.screenshot({ path: join(artifacts, "entrance-board-390.png") });
  await Promise.all([k.context().close(), phone.context().close()]);
});

// The town's camera as a newcomer meets it: walking into a corner of the town never shows the
// dark void beyond the map, on a desktop window (1280×800) or a phone (390×844); ＋ and − zoom in
// and out (a finger's size, at the bottom right), the mouse wheel zooms too, and however far one
// zooms out, the view stays on the map.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { arrive, artifacts, clickControl, eventually, inviter, register, snapshot, useServerAndBrowser } from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);
/** The map's rows of tiles (`assets/maps/town.ron`), and its size in world pixels (32 a tile). */
const ROWS = readFileSync(join(import.meta.dirname, "../../assets/maps/town.ron"), "utf8")
  .match(/^\s*"[#.]+",$/gm).map((row) => row.trim().slice(1, -2));
const MAP = { width: ROWS[0].length * 32, height: ROWS.length * 32 };
/** The easternmost column and the southernmost row inside the outer wall. */
const [EAST, SOUTH] = [ROWS[0].length - 2, ROWS.length - 2];

/** The view's [left, bottom, right, top] once it has settled (the camera glides). */
async function settledView(page) {
  let last = null;
  return eventually("the camera settled", async () => {
    const view = (await snapshot(page)).view;
    const steady = last && view.every((value, i) => Math.abs(value - last[i]) < 0.5);
    last = view;
    return steady && view;
  });
}

function assertOnMap(view, what) {
  const [left, bottom, right, top] = view;
  const on = left >= -0.5 && bottom >= -0.5 && right <= MAP.width + 0.5 && top <= MAP.height + 0.5;
  assert.ok(on, `${what}: the view ${JSON.stringify(view.map(Math.round))} stays on the map`);
}

test("the camera stays on the map in every corner, at every zoom, on a desktop and a phone", { timeout: 420_000 }, async () => {
  const { browser } = running;
  const [iA, iP] = await invites(2);
  const a = await register(browser, iA, "あおい", 0, { width: 1280, height: 800 });
  await arrive(a, 1, SOUTH);
  assertOnMap(await settledView(a), "desktop, bottom-left corner");
  const normal = await settledView(a);
  // ＋ twice: closer; the wheel away from oneself: closer still.
  for (const side of [["zoom-in", 44], ["zoom-out", 44]]) {
    const [, , width, height] = await eventually(`${side[0]} shown`, async () => (await snapshot(a)).controls[side[0]]);
    assert.ok(width >= side[1] && height >= side[1], `${side[0]} is a finger's size: ${width}×${height}`);
  }
  const widthOf = (view) => view[2] - view[0];
  await clickControl(a, "zoom-in");
  await eventually("one step closer", async () => Math.abs(widthOf((await snapshot(a)).view) - widthOf(normal) * 0.8) < 2);
  await clickControl(a, "zoom-in");
  await eventually("two steps closer", async () => Math.abs(widthOf((await snapshot(a)).view) - widthOf(normal) * 0.64) < 2);
  const closer = await settledView(a);
  assertOnMap(closer, "desktop, zoomed in, in the corner");
  await a.mouse.move(640, 500);
  await a.mouse.wheel(0, -100);
  await eventually("the wheel zooms in", async () => widthOf((await snapshot(a)).view) < widthOf(closer) - 50);
  await a.screenshot({ path: join(artifacts, "camera-zoomed-in-1280.png") });
  // Far out: the map fills the window and no more.
  for (let i = 0; i < 8; i++) await clickControl(a, "zoom-out");
  await arrive(a, EAST, 1);
  const far = await settledView(a);
  assertOnMap(far, "desktop, zoomed out, top-right corner");
  assert.ok(Math.abs((far[3] - far[1]) - MAP.height) < 2, `zoomed out as far as the map's height: ${JSON.stringify(far)}`);
  await a.screenshot({ path: join(artifacts, "camera-zoomed-out-1280.png") });

  // On a phone: every corner keeps the view on the map.
  const p = await register(browser, iP, "すまほ", 3, { width: 390, height: 844 });
  for (const [col, row] of [[1, SOUTH], [EAST, SOUTH], [EAST, 1], [1, 8]]) {
    await arrive(p, col, row);
    assertOnMap(await settledView(p), `phone at (${col}, ${row})`);
  }
  await p.screenshot({ path: join(artifacts, "camera-phone-corner-390.png") });
  await Promise.all([a.context().close(), p.context().close()]);
});

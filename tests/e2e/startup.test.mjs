// The page's start, end to end: what the page asks for as it starts so that the town opens
// sooner. Every file the game waits for is asked for once, by the page's preloads (index.html),
// not again by the game after its first frame; the connection to the server is opened by the
// page before the game starts, and the game takes it over (one socket, no second handshake);
// a page whose first connection fails still enters the town on a connection of its own.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, inviter, register, snapshot, useServerAndBrowser } from "./harness.mjs";

const running = useServerAndBrowser({ before, after });
const invites = inviter(running);

/** The page's requests for files under /assets/: path, who asked (link = a preload), when. */
function assetRequests(page) {
  return page.evaluate(() => {
    const town = performance.getEntriesByName("ibasho:town")[0]?.startTime ?? Infinity;
    return performance.getEntriesByType("resource")
      .filter((entry) => new URL(entry.name).pathname.startsWith("/assets/"))
      .map((entry) => ({ path: new URL(entry.name).pathname, by: entry.initiatorType, beforeTown: entry.startTime < town }));
  });
}

/** Counts the WebSockets a page creates from now on (Chromium's own record of them). */
async function countSockets(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const urls = [];
  cdp.on("Network.webSocketCreated", ({ url }) => urls.push(url));
  return urls;
}

test("the town's files and the connection are asked for as the page starts, once", { timeout: 300_000 }, async () => {
  const [invite] = await invites(1);
  // Notes when index.html hands its early socket to the page (the game then takes it away).
  const watchEarlySocket = () => {
    let held;
    Object.defineProperty(window, "ibashoEarlySocket", {
      configurable: true,
      get: () => held,
      set: (early) => { window.earlySocketGiven = Boolean(early?.socket); held = early; },
    });
  };
  const page = await register(running.browser, invite, "はじめて", 0, undefined, [watchEarlySocket]);
  const sockets = await countSockets(page);
  await page.reload();
  await eventually("the town after reloading", async () => (await snapshot(page))?.screen === "town", 240_000);

  const requests = await assetRequests(page);
  const beforeTown = requests.filter((request) => request.beforeTown);
  for (const file of ["/assets/maps/town.ron", "/assets/fonts/BIZUDPGothic-ui.ttf", "/assets/tiles/town.png", "/assets/avatars/avatar-0.png"]) {
    assert.ok(beforeTown.some(({ path, by }) => path === file && by === "link"), `${file} preloaded: ${JSON.stringify(requests)}`);
  }
  const askedByGame = beforeTown.filter(({ by }) => by !== "link");
  assert.deepEqual(askedByGame, [], "the game asked for no file the page had not preloaded");

  // The page's early socket was taken over by the game: one socket for the visit, and it works.
  assert.equal(await page.evaluate(() => window.earlySocketGiven), true, "index.html opened a socket as the page started");
  assert.equal(await page.evaluate(() => window.ibashoEarlySocket), undefined, "the game took the page's socket");
  assert.equal(sockets.length, 1, `one WebSocket for the visit: ${sockets.join(", ")}`);
  assert.match(sockets[0], /\/ws\?page=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const shot = await snapshot(page);
  assert.equal(shot.connection, "open");
  assert.equal(shot.me.nickname, "はじめて", "the server's welcome reached the game");
});

test("a page whose first connection fails still enters the town", { timeout: 300_000 }, async () => {
  const [invite] = await invites(1);
  // The page's own first socket is refused (its handshake goes to a path the server does not
  // serve, as when the server is restarting while the page starts); every later one goes where
  // it was asked to.
  const refuseFirst = () => {
    const Native = window.WebSocket;
    let first = true;
    window.WebSocket = class extends Native {
      constructor(url, protocols) {
        const refused = first && url.includes("/ws?page=");
        first = false;
        window.socketsMade = (window.socketsMade ?? 0) + 1;
        super(refused ? url.replace("/ws?", "/no-such-socket?") : url, protocols);
      }
    };
  };
  const page = await register(running.browser, invite, "つながりにくい", 0, undefined, [refuseFirst]);
  const shot = await snapshot(page);
  assert.equal(shot.screen, "town");
  assert.equal(shot.me.nickname, "つながりにくい");
  await eventually("the connection open", async () => (await snapshot(page)).connection === "open");
  assert.equal(await page.evaluate(() => window.socketsMade), 2, "the refused socket, then the game's own");
});

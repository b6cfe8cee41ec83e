// A voice peer in plain JavaScript, for benchmarks: it speaks ibasho's protocol like the game
// does (registers with an invite, presence over the WebSocket, the matchbox data channel
// handshake, then perfect negotiation of the audio connection over that channel) but has no
// game, no drawing and no wasm, and connects only to the one person it is told to talk with.
// Many of them fit beside a real client on a small machine, so the client's own cost can be
// measured with many people talking to it. It walks like a person too: along the map's floor
// tiles at walking speed, since the server refuses moves through walls or faster than walking.
//
//     const peer = await joinAsVoicePeer(browser, inviteUrl, "P1", { listenTo: personId });
//     await peer.moveToTile(24, 15);   // resolves once it stands there
//     await peer.figures();   // { links, connection, audioOut, audioIn }
//
// With `hall: true` it also takes part in the hall it stands in as the game does: it answers the
// SFU's feeds (`figures().hall` counts what each person's feed brought) and, when its turn to
// speak comes, publishes its microphone to the hall; `keepSending: true` makes it a modified
// client that never stops publishing on its own and offers again when told its turn ended.
// `hallRequest(request)` sends any hall request, `send(message)` any message; `rejections` lists
// what the server refused, `showings` the gallery showings it was sent.
// For benchmarks: `camera: true` publishes the fake camera with the voice, `shareScreen()`
// publishes a (fake) screen as a second feed, `decode: false` receives feeds' video without
// drawing it, and `timings()` says when the peer entered a hall and first heard the stage there.
//
// With `unreachable: true` its audio connection cannot be reached, as behind a network that
// drops it: it hides its own addresses and ignores the other side's, so the other side's ICE
// fails. With `silent: true` as well it gives no address at all, so the other side's connection
// never even starts checking. `peer.becomeReachable()` lifts both; the next negotiation (an ICE
// restart, or a fresh introduction) connects.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { answerWithin, eventually, NO_ANSWER } from "./harness.mjs";

const TILE = 32;
const ROWS = 26;
/** Pixels a second, as `protocol::WALK_SPEED`. */
const WALK_SPEED = 160;
/** Moves a second while walking, as `protocol::POSITION_UPDATES_PER_SECOND`. */
const MOVES_PER_SECOND = 10;

/**
 * Furniture that blocks walking, by kind: its size in tiles (as `protocol/src/map/prop.rs` says;
 * kinds not listed are sat or stood on).
 */
const BLOCKING_PROPS = {
  Sofa: [2, 1], Bookshelf: [2, 1], Table: [2, 1], Counter: [2, 1], Piano: [2, 1],
  LowTable: [1, 1], Plant: [1, 1], SmallTable: [1, 1], Lamp: [1, 1],
};

/**
 * The town's tile rows ('#' wall or blocking furniture, '.' floor; row 0 on top), read from the
 * map the server uses.
 */
function townTiles() {
  const root = process.env.IBASHO_ROOT ?? join(import.meta.dirname, "..", "..");
  const ron = readFileSync(join(root, "assets/maps/town.ron"), "utf8");
  const block = ron.slice(ron.indexOf("tiles:"), ron.indexOf("spawn:"));
  const rows = [...block.matchAll(/"([#.]+)"/g)].map((match) => [...match[1]]);
  const props = ron.slice(ron.indexOf("props:"));
  for (const [, kind, col, row] of props.matchAll(/\(kind: (\w+), col: (\d+), row: (\d+)\)/g)) {
    const [width, height] = BLOCKING_PROPS[kind] ?? [0, 0];
    for (let r = Number(row); r < Number(row) + height; r++) {
      for (let c = Number(col); c < Number(col) + width; c++) rows[r][c] = "#";
    }
  }
  return rows.map((row) => row.join(""));
}

/** How long one call into a peer's page may take before the test fails saying which (ms). */
const PEER_CALL_MS = 180_000;

/**
 * What `call` (a promise from a peer's page) gives; after `ms` without an answer, fails with what
 * was asked, of whom, and whether the server still answers HTTP at all: a call that never
 * returned (the twelve listeners' walk into the hall, in a few full runs) held the test until its
 * own timeout without a word.
 */
async function within(call, what, nickname, origin, ms = PEER_CALL_MS) {
  const answer = await answerWithin(call, ms);
  if (answer !== NO_ANSWER) return answer;
  const started = Date.now();
  const server = await fetch(`${origin}/api/me`, { signal: AbortSignal.timeout(5000) })
    .then((response) => `answered ${response.status} in ${Date.now() - started} ms`)
    .catch((error) => `gave no answer (${error.name})`);
  throw new Error(`${nickname}: ${what} gave no answer in ${ms / 1000} s; the server ${server}`);
}

/** Registers through the invite and enters the town with the fake microphone on (声で参加). */
export async function joinAsVoicePeer(browser, inviteUrl, nickname, {
  listenTo = null, avatar = 0, unreachable = false, silent = false, participation = "voice", hall = false, keepSending = false,
  camera = false, decode = true,
}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[${nickname}] page error:`, error.message));
  // The registration page gives the origin (cookies, WebSocket); the peer replaces its script.
  await page.goto(inviteUrl);
  const token = new URL(inviteUrl).pathname.split("/").pop();
  const tiles = townTiles();
  const options = { token, nickname, avatar, listenTo, unreachable, silent, participation, hall, keepSending, camera, decode };
  const origin = new URL(inviteUrl).origin;
  await within(page.evaluate(runVoicePeer, { ...options, tiles, walk: { TILE, ROWS, WALK_SPEED, MOVES_PER_SECOND } }),
    "registering and opening its connection", nickname, origin);
  await eventually(`${nickname} in the town`, () => page.evaluate(() => window.__voicePeer?.ready));
  return {
    page,
    moveToTile: (col, row) => within(page.evaluate(([col, row]) => window.__voicePeer.walkTo(col, row), [col, row]),
      `walking to (${col}, ${row})`, nickname, origin),
    figures: () => page.evaluate(() => window.__voicePeer.figures()),
    hallRequest: (request) => page.evaluate((request) => window.__voicePeer.hallRequest(request), request),
    hallView: () => page.evaluate(() => window.__voicePeer.hallView),
    rejections: () => page.evaluate(() => window.__voicePeer.rejections),
    showings: () => page.evaluate(() => window.__voicePeer.showings),
    send: (message) => page.evaluate((message) => window.__voicePeer.send(message), message),
    timings: () => page.evaluate(() => window.__voicePeer.timings),
    hallLines: () => page.evaluate(() => window.__voicePeer.hallLines),
    /** Publishes a screen (the browser's fake one) to the hall; getDisplayMedia wants a click first. */
    shareScreen: async () => {
      await page.mouse.click(2, 2);
      await page.evaluate(() => window.__voicePeer.shareScreen());
    },
    becomeReachable: () => page.evaluate(() => window.__voicePeer.becomeReachable()),
    close: () => context.close(),
  };
}

/** Runs in the page. Everything the peer does, as the game's `web/` modules do it. */
async function runVoicePeer({
  token, nickname, avatar, listenTo, unreachable, silent, participation, hall, keepSending, camera, decode, tiles, walk,
}) {
  const registered = await fetch("/api/register", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, nickname, avatar }),
  });
  if (!registered.ok) throw new Error(`register: ${registered.status} ${await registered.text()}`);
  // A microphone only for a peer that talks: the browser runs few audio sources at once.
  const talks = participation === "voice" || participation === "camera";
  const microphone = talks
    ? await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: camera,
    })
    : null;
  const cameraTrack = microphone?.getVideoTracks()[0] ?? null;
  const voice = microphone?.getAudioTracks()[0] ?? null;
  const socket = new WebSocket(`ws://${location.host}/ws`);
  const send = (message) => socket.send(JSON.stringify(message));
  /** link → { data, channel, media } for the one person listened to. */
  const links = new Map();
  const state = {
    ready: false, id: null, position: null, unreachable, hall: null, publication: null, screen: null, rejections: [], showings: [],
    timings: { hallAt: null, firstStageAudioAt: null }, hallLines: [],
  };
  /** feed → { pc, person } of the hall feeds received. */
  const feeds = new Map();
  /** Without ICE candidates, and with one nobody answers at (TEST-NET-1, RFC 5737). */
  const hideAddresses = (sdp, replacement) =>
    sdp.split("\r\n").filter((line) => !line.startsWith("a=candidate") && !line.startsWith("a=end-of-candidates"))
      .flatMap((line) => (replacement && line.startsWith("a=mid:") ? [line, replacement] : [line])).join("\r\n");
  const NOBODY = "a=candidate:1 1 udp 2122260223 192.0.2.1 40000 typ host";

  const waitGathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
  });

  /** matchbox's answering side: negotiated channel 0, reliable and ordered; full SDP, no trickle. */
  function accept(link) {
    const data = new RTCPeerConnection({ iceServers: [] });
    const channel = data.createDataChannel("matchbox_socket_0", { negotiated: true, id: 0, ordered: true });
    channel.binaryType = "arraybuffer";
    const entry = { data, channel, media: null, early: [] };
    links.set(link, entry);
    channel.onopen = () => {
      entry.media = openMedia(link, entry);
    };
    channel.onmessage = (event) => {
      const message = JSON.parse(new TextDecoder().decode(event.data));
      if (message.type === "media") entry.media?.receive(message.signal);
    };
    return entry;
  }

  async function signal(link, peerSignal) {
    const entry = links.get(link);
    if (!entry) return;
    if (peerSignal.Offer !== undefined) {
      await entry.data.setRemoteDescription({ type: "offer", sdp: peerSignal.Offer });
      await entry.data.setLocalDescription(await entry.data.createAnswer());
      await waitGathered(entry.data);
      send({ type: "signal", to: link, signal: { Answer: entry.data.localDescription.sdp } });
    } else if (peerSignal.IceCandidate !== undefined) {
      const candidate = JSON.parse(peerSignal.IceCandidate);
      await entry.data.addIceCandidate(candidate ?? undefined).catch(() => {});
    }
  }

  /** The audio connection: polite side of perfect negotiation (the game offers). */
  function openMedia(link, entry) {
    const pc = new RTCPeerConnection({ iceServers: [] });
    const mail = (signal) =>
      entry.channel.readyState === "open" &&
      entry.channel.send(new TextEncoder().encode(JSON.stringify({ type: "media", signal })));
    pc.onicecandidate = ({ candidate }) =>
      candidate && !state.unreachable && mail({ kind: "candidate", json: JSON.stringify(candidate.toJSON()) });
    pc.ontrack = ({ track }) => {
      // Played, as a person's browser would; muted so that the machine stays quiet.
      const audio = new Audio();
      audio.muted = true;
      audio.srcObject = new MediaStream([track]);
      audio.play().catch(() => {});
    };
    let queue = Promise.resolve();
    const receive = (signal) => {
      queue = queue.then(async () => {
        if (signal.kind === "offer") {
          const offer = state.unreachable ? hideAddresses(signal.sdp) : signal.sdp;
          await pc.setRemoteDescription({ type: "offer", sdp: offer });
          for (const transceiver of pc.getTransceivers()) {
            transceiver.direction = "sendrecv";
            if (transceiver.receiver.track.kind === "audio") await transceiver.sender.replaceTrack(voice);
          }
          await pc.setLocalDescription(await pc.createAnswer());
          const answer = pc.localDescription.sdp;
          mail({ kind: "answer", sdp: state.unreachable ? hideAddresses(answer, silent ? null : NOBODY) : answer });
        } else if (signal.kind === "candidate" && !state.unreachable) {
          await pc.addIceCandidate(JSON.parse(signal.json)).catch(() => {});
        }
      }).catch((error) => console.error("media negotiation failed:", error.message));
    };
    return { pc, receive };
  }

  const centre = (col, row) => ({ x: (col + 0.5) * walk.TILE, y: (walk.ROWS - 1 - row + 0.5) * walk.TILE });
  const tileOf = ({ x, y }) => [Math.floor(x / walk.TILE), walk.ROWS - 1 - Math.floor(y / walk.TILE)];
  const floor = (col, row) => tiles[row]?.[col] === ".";
  /** Breadth-first over floor tiles, four neighbours: the tiles after `from` up to `to`. */
  function findPath(from, to) {
    const key = ([c, r]) => `${c},${r}`;
    const came = new Map([[key(from), null]]);
    const queue = [from];
    while (queue.length) {
      const here = queue.shift();
      if (key(here) === key(to)) {
        const path = [];
        for (let at = here; at && key(at) !== key(from); at = came.get(key(at))) path.unshift(at);
        return path;
      }
      for (const [dc, dr] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
        const next = [here[0] + dc, here[1] + dr];
        if (floor(...next) && !came.has(key(next))) {
          came.set(key(next), here);
          queue.push(next);
        }
      }
    }
    return null;
  }

  /** Publishes the microphone to the hall, as the game does on the stage or during a turn. */
  async function publish() {
    state.publication?.close();
    const pc = new RTCPeerConnection({ iceServers: [] });
    state.publication = pc;
    state.live = true;
    pc.addTransceiver(voice, { direction: "sendonly" });
    if (cameraTrack) pc.addTransceiver(cameraTrack, { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await waitGathered(pc);
    send({ type: "hall", request: { kind: "publish", sdp: pc.localDescription.sdp } });
  }

  /** Publishes a screen as the hall's second feed of ours. */
  async function shareScreen() {
    const track = (await navigator.mediaDevices.getDisplayMedia({ video: true })).getVideoTracks()[0];
    const pc = new RTCPeerConnection({ iceServers: [] });
    state.screen = pc;
    pc.addTransceiver(track, { direction: "sendonly" });
    await pc.setLocalDescription(await pc.createOffer());
    await waitGathered(pc);
    send({ type: "hall", request: { kind: "publish", media: "screen", sdp: pc.localDescription.sdp } });
  }

  /** From entering a hall, looks every 20 ms for the first audio from its stage. */
  function timeFirstStageAudio() {
    const timer = setInterval(async () => {
      const stage = state.hall?.stage?.id;
      for (const { pc, person } of feeds.values()) {
        if (person !== stage) continue;
        (await pc.getStats()).forEach((s) => {
          if (s.type === "inbound-rtp" && s.kind === "audio" && s.bytesReceived > 0 && !state.timings.firstStageAudioAt) {
            state.timings.firstStageAudioAt = Date.now();
            clearInterval(timer);
          }
        });
      }
    }, 20);
  }

  function followTurn() {
    const speaking = hall && ["speaking", "on_stage"].includes(state.hall?.you) && talks;
    if (speaking && !state.live) {
      publish().catch((error) => console.error("hall publication failed:", error.message));
    } else if (!speaking && state.publication && !keepSending) {
      state.publication.close();
      state.publication = null;
      state.live = false;
    }
  }

  async function receiveFeed(feed, person, offer) {
    feeds.get(feed)?.pc.close();
    const pc = new RTCPeerConnection({ iceServers: [] });
    feeds.set(feed, { pc, person });
    pc.ontrack = ({ track }) => {
      if (track.kind === "video" && !decode) return;
      // Played (or shown) as a person's browser would; muted so that the machine stays quiet.
      const element = track.kind === "video" ? document.createElement("video") : new Audio();
      element.muted = true;
      element.srcObject = new MediaStream([track]);
      element.play().catch(() => {});
      if (track.kind === "video") document.body.append(element);
    };
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await waitGathered(pc);
    send({ type: "hall", request: { kind: "receive", feed, sdp: pc.localDescription.sdp } });
  }

  function separate(link) {
    const entry = links.get(link);
    if (!entry) return;
    entry.media?.pc.close();
    entry.data.close();
    links.delete(link);
  }

  socket.onmessage = (event) => {
    // Positions come as binary frames; this peer walks by itself and reads no one's position.
    if (typeof event.data !== "string") return;
    const message = JSON.parse(event.data);
    switch (message.type) {
      case "welcome":
        send({ type: "set_participation", participation });
        state.id = message.you.id;
        state.position = message.you.position;
        state.ready = true;
        break;
      // Only the person listened to; other introductions stay unanswered, like a peer that
      // never came close.
      case "introduce":
        if (message.person === listenTo && !message.offer) accept(message.link);
        break;
      case "signal":
        signal(message.from, message.signal).catch((error) => console.error("handshake failed:", error.message));
        break;
      case "separate":
        separate(message.link);
        break;
      case "placed":
        state.position = message.position;
        break;
      case "hall":
        state.hall = message.view;
        if (message.view && !state.timings.hallAt) {
          state.timings.hallAt = Date.now();
          timeFirstStageAudio();
        }
        followTurn();
        break;
      case "hall_published": {
        const pc = message.kind === "screen" ? state.screen : state.publication;
        pc?.setRemoteDescription({ type: "answer", sdp: message.sdp }).catch((e) => console.error("answer:", e.message));
        break;
      }
      case "hall_feed":
        if (hall) receiveFeed(message.feed, message.person, message.sdp).catch((e) => console.error("feed:", e.message));
        break;
      case "hall_said":
        state.hallLines.push([message.person, message.text]);
        break;
      case "hall_feed_ended":
        feeds.get(message.feed)?.pc.close();
        feeds.delete(message.feed);
        break;
      case "hall_turn_ended":
        // A modified client carries on sending and offers again.
        state.live = false;
        if (keepSending && state.publication) {
          const pc = state.publication;
          send({ type: "hall", request: { kind: "publish", sdp: pc.localDescription.sdp } });
        }
        break;
      case "rejected":
        state.rejections.push(message.code);
        break;
      case "showing":
        state.showings.push(message.showing);
        break;
    }
  };
  setInterval(() => socket.readyState === WebSocket.OPEN && send({ type: "keep_alive" }), 20_000);

  window.__voicePeer = {
    get ready() { return state.ready; },
    get id() { return state.id; },
    get hallView() { return state.hall; },
    get rejections() { return state.rejections; },
    get showings() { return state.showings; },
    get timings() { return state.timings; },
    get hallLines() { return state.hallLines; },
    shareScreen,
    hallRequest(request) {
      send({ type: "hall", request });
    },
    /** Sends any message, as a modified client could. */
    send(message) {
      send(message);
    },
    becomeReachable() {
      state.unreachable = false;
    },
    /** Walks along floor tiles to the centre of (col, row); resolves on arrival. */
    async walkTo(col, row) {
      const path = findPath(tileOf(state.position), [col, row]);
      if (!path) throw new Error(`no way to (${col}, ${row})`);
      const step = walk.WALK_SPEED / walk.MOVES_PER_SECOND;
      for (const target of [centre(...tileOf(state.position)), ...path.map(([c, r]) => centre(c, r))]) {
        while (Math.hypot(target.x - state.position.x, target.y - state.position.y) > 0.01) {
          const { x, y } = state.position;
          const left = Math.hypot(target.x - x, target.y - y);
          const t = Math.min(1, step / left);
          const next = { x: x + (target.x - x) * t, y: y + (target.y - y) * t };
          send({ type: "move", position: next });
          state.position = next;
          await new Promise((resolve) => setTimeout(resolve, 1000 / walk.MOVES_PER_SECOND));
        }
      }
    },
    async figures() {
      const [entry] = links.values();
      const figures = { links: links.size, connection: entry?.media?.pc.connectionState ?? "none", audioOut: 0, audioIn: 0 };
      // What each person's hall feed brought, and what our own publication sent.
      figures.hall = { feeds: feeds.size, from: {}, frames: {}, sent: 0, bytesIn: 0 };
      for (const { pc, person } of feeds.values()) {
        (await pc.getStats()).forEach((s) => {
          if (s.type === "inbound-rtp" && s.kind === "audio") figures.hall.from[person] = (figures.hall.from[person] ?? 0) + (s.bytesReceived ?? 0);
          if (s.type === "inbound-rtp" && s.kind === "video") figures.hall.frames[person] = (figures.hall.frames[person] ?? 0) + (s.framesDecoded ?? 0);
          if (s.type === "inbound-rtp") figures.hall.bytesIn += s.bytesReceived ?? 0;
        });
      }
      if (state.publication) {
        (await state.publication.getStats()).forEach((s) => {
          if (s.type === "outbound-rtp" && s.kind === "audio") figures.hall.sent = s.bytesSent ?? 0;
        });
      }
      if (!entry?.media) return figures;
      (await entry.media.pc.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp" && s.kind === "audio") figures.audioOut = s.bytesSent ?? 0;
        if (s.type === "inbound-rtp" && s.kind === "audio") figures.audioIn = s.bytesReceived ?? 0;
      });
      return figures;
    },
  };
}

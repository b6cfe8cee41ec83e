// A voice peer in plain JavaScript, for benchmarks: it speaks ibasho's protocol like the game
// does (registers with an invite, presence over the WebSocket, the matchbox data channel
// handshake, then perfect negotiation of the audio connection over that channel) but has no
// game, no drawing and no wasm, and connects only to the one person it is told to talk with.
// Many of them fit beside a real client on a small machine, so the client's own cost can be
// measured with many people talking to it.
//
//     const peer = await joinAsVoicePeer(browser, inviteUrl, "P1", { listenTo: personId });
//     await peer.moveToTile(24, 15);
//     await peer.figures();   // { links, connection, audioOut, audioIn }
//
// With `unreachable: true` its audio connection cannot be reached, as behind a network that
// drops it: it hides its own addresses and ignores the other side's, so the other side's ICE
// fails. With `silent: true` as well it gives no address at all, so the other side's connection
// never even starts checking. `peer.becomeReachable()` lifts both; the next negotiation (an ICE
// restart, or a fresh introduction) connects.
import { eventually } from "./harness.mjs";

const TILE = 32;
const ROWS = 26;

/** Registers through the invite and enters the town with the fake microphone on (声で参加). */
export async function joinAsVoicePeer(browser, inviteUrl, nickname, { listenTo, avatar = 0, unreachable = false, silent = false }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`[${nickname}] page error:`, error.message));
  // The registration page gives the origin (cookies, WebSocket); the peer replaces its script.
  await page.goto(inviteUrl);
  const token = new URL(inviteUrl).pathname.split("/").pop();
  await page.evaluate(runVoicePeer, { token, nickname, avatar, listenTo, unreachable, silent });
  await eventually(`${nickname} in the town`, () => page.evaluate(() => window.__voicePeer?.ready));
  return {
    page,
    moveToTile: (col, row) =>
      page.evaluate(([x, y]) => window.__voicePeer.move(x, y), [(col + 0.5) * TILE, (ROWS - 1 - row + 0.5) * TILE]),
    figures: () => page.evaluate(() => window.__voicePeer.figures()),
    becomeReachable: () => page.evaluate(() => window.__voicePeer.becomeReachable()),
    close: () => context.close(),
  };
}

/** Runs in the page. Everything the peer does, as the game's `web/` modules do it. */
async function runVoicePeer({ token, nickname, avatar, listenTo, unreachable, silent }) {
  const registered = await fetch("/api/register", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token, nickname, avatar }),
  });
  if (!registered.ok) throw new Error(`register: ${registered.status} ${await registered.text()}`);
  const microphone = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  const voice = microphone.getAudioTracks()[0];
  const socket = new WebSocket(`ws://${location.host}/ws`);
  const send = (message) => socket.send(JSON.stringify(message));
  /** link → { data, channel, media } for the one person listened to. */
  const links = new Map();
  const state = { ready: false, id: null, position: null, unreachable };
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

  function separate(link) {
    const entry = links.get(link);
    if (!entry) return;
    entry.media?.pc.close();
    entry.data.close();
    links.delete(link);
  }

  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    switch (message.type) {
      case "welcome":
        send({ type: "set_participation", participation: "voice" });
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
      case "rejected":
        console.error("the server refused a message:", message.code);
        break;
    }
  };
  setInterval(() => socket.readyState === WebSocket.OPEN && send({ type: "keep_alive" }), 20_000);

  window.__voicePeer = {
    get ready() { return state.ready; },
    get id() { return state.id; },
    becomeReachable() {
      state.unreachable = false;
    },
    move(x, y) {
      send({ type: "move", position: { x, y } });
      state.position = { x, y };
    },
    async figures() {
      const [entry] = links.values();
      const figures = { links: links.size, connection: entry?.media?.pc.connectionState ?? "none", audioOut: 0, audioIn: 0 };
      if (!entry?.media) return figures;
      (await entry.media.pc.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp" && s.kind === "audio") figures.audioOut = s.bytesSent ?? 0;
        if (s.type === "inbound-rtp" && s.kind === "audio") figures.audioIn = s.bytesReceived ?? 0;
      });
      return figures;
    },
  };
}

// An impaired network for one participant, made in user space. This machine's kernel has no
// netem (`tc qdisc add dev lo root netem …` in a network namespace answers "Specified qdisc kind
// is unknown"), so the loss, delay and outages come from two small relays on loopback that every
// packet of that one person passes through:
//
// - a TCP relay in front of the server: the person's page is opened through it, so the page
//   itself, its WebSocket (presence and signaling) and its requests are delayed;
// - a UDP relay in front of the TURN server: the person's peer connections are made to use only
//   relayed candidates through it (`forceRelayThrough`), so all of their media and data channel
//   packets cross it, and lose or wait there.
//
//     const network = impairment({ loss: 0.05, delayMs: 100, jitterMs: 20 });
//     const web = await tcpRelay({ host: "127.0.0.1", port: 8080 }, network);
//     const turn = await udpRelay({ host: "127.0.0.1", port: 3478 }, network);
//     network.cut(10_000); // an outage: connections reset, nothing passes for 10 s
import dgram from "node:dgram";
import net from "node:net";

/** The conditions on the person's network; `cut(ms)` takes it down for a while. */
export function impairment({ loss = 0, delayMs = 0, jitterMs = 0 } = {}) {
  const network = {
    loss, delayMs, jitterMs, down: false,
    /** Counts of what crossed, for the test to report. */
    counts: { sent: 0, lost: 0 },
    /** Called on a cut: relays reset the connections they hold. */
    onCut: [],
    /** A one-way delay for one packet or chunk, in ms. */
    delay: () => Math.max(0, delayMs + (Math.random() * 2 - 1) * jitterMs),
    cut(ms) {
      network.down = true;
      for (const reset of network.onCut) reset();
      return new Promise((resolve) => setTimeout(() => { network.down = false; resolve(); }, ms));
    },
  };
  return network;
}

/** A UDP relay: datagrams from each sender go on to `upstream` and back, each lost or delayed. */
export async function udpRelay(upstream, network) {
  const front = dgram.createSocket("udp4");
  /** sender "address:port" → its own socket towards upstream. */
  const senders = new Map();
  let closed = false;
  const pass = (deliver) => {
    network.counts.sent++;
    if (network.down || Math.random() < network.loss) {
      network.counts.lost++;
      return;
    }
    // Datagrams still on their way when the relay closes are lost, as on a network.
    setTimeout(() => {
      if (!closed) deliver();
    }, network.delay());
  };
  front.on("message", (message, from) => {
    const key = `${from.address}:${from.port}`;
    let back = senders.get(key);
    if (!back) {
      back = dgram.createSocket("udp4");
      back.on("message", (reply) => pass(() => front.send(reply, from.port, from.address)));
      back.on("error", () => {});
      back.bind(0, "127.0.0.1");
      senders.set(key, back);
    }
    pass(() => back.send(message, upstream.port, upstream.host));
  });
  front.on("error", () => {});
  await new Promise((resolve) => front.bind(0, "127.0.0.1", resolve));
  return {
    port: front.address().port,
    close() {
      closed = true;
      for (const back of senders.values()) back.close();
      front.close();
    },
  };
}

/** A TCP relay: each chunk goes on after the network's delay, in order; a cut resets them all. */
export async function tcpRelay(upstream, network) {
  const open = new Set();
  const forward = (from, to) => {
    // One queue per direction, drained in order by one timer: later chunks never overtake
    // earlier ones, as on one TCP connection (separate timers could fire out of order).
    const queue = [];
    let timer = null;
    let ended = false;
    const drain = () => {
      timer = null;
      while (queue.length && queue[0].due <= Date.now()) {
        const { chunk } = queue.shift();
        if (to.writable) to.write(chunk);
      }
      if (queue.length) timer = setTimeout(drain, queue[0].due - Date.now());
      else if (ended) to.end();
    };
    from.on("data", (chunk) => {
      const last = queue.length ? queue[queue.length - 1].due : 0;
      queue.push({ chunk, due: Math.max(last, Date.now() + network.delay()) });
      timer ??= setTimeout(drain, queue[0].due - Date.now());
    });
    from.on("end", () => {
      ended = true;
      timer ??= setTimeout(drain, 0);
    });
  };
  const server = net.createServer((client) => {
    if (network.down) return client.resetAndDestroy();
    const server = net.connect(upstream.port, upstream.host);
    const pair = [client, server];
    open.add(pair);
    for (const socket of pair) {
      socket.on("error", () => pair.forEach((s) => s.destroy()));
      socket.on("close", () => open.delete(pair));
    }
    forward(client, server);
    forward(server, client);
  });
  network.onCut.push(() => {
    for (const [client, server] of open) {
      client.resetAndDestroy();
      server.destroy();
    }
    open.clear();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: server.address().port,
    close() {
      for (const pair of open) pair.forEach((s) => s.destroy());
      server.close();
    },
  };
}

/**
 * An init script for the person's page: every peer connection it makes uses only relayed
 * candidates, through `relay` ("host:port") instead of the TURN server the server names, so that
 * none of its packets can go around the impaired network.
 */
export function forceRelayThrough(relay) {
  const Native = window.RTCPeerConnection;
  const through = (url) => url.replace(/^(turns?:)[^?]+/, `$1${relay}`);
  function Relayed(config = {}, ...rest) {
    const iceServers = (config.iceServers ?? []).map((server) => ({
      ...server, urls: [].concat(server.urls).map(through),
    }));
    return new Native({ ...config, iceServers, iceTransportPolicy: "relay" }, ...rest);
  }
  Relayed.prototype = Native.prototype;
  Object.setPrototypeOf(Relayed, Native);
  window.RTCPeerConnection = Relayed;
}

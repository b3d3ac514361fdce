// MQTT over WebSocket on an HTTP(S) server's /mqtt path: the upgrade is admitted (or refused with 401) by the caller,
// then the WebSocket becomes a duplex stream for an MQTT broker (aedes.handle). Used by the crew console in front of
// the local broker, and by the demo's hospital view in front of the stand-in hospital broker.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';

export const MQTT_PATH = '/mqtt';

/** A console draws waves at the screen's pace: 40 ms of gathering (25 frames/s at most) is not seen, and each frame
 * saved is a TLS record and a system call less per console. */
const FRAME_GATHER_MS = 40;

export interface MqttWebSocketOptions<U> {
  /** Who this upgrade request is; undefined refuses it with 401. */
  admit(req: IncomingMessage): U | undefined;
  /** Serves MQTT on the WebSocket's stream. */
  serve(stream: Duplex, user: U): void;
}

export class MqttWebSocket<U> {
  private readonly wss = new WebSocketServer({
    noServer: true,
    // MQTT packets are small; a browser has no business sending megabytes.
    maxPayload: 256 * 1024,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });

  constructor(private readonly options: MqttWebSocketOptions<U>) {}

  get clients(): number {
    return this.wss.clients.size;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const user = path === MQTT_PATH ? this.options.admit(req) : undefined;
      if (!user) {
        socket.end(`HTTP/1.1 ${path === MQTT_PATH ? '401 Unauthorized' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // ws's stream sends every write as its own WebSocket frame, and mqtt-packet writes a PUBLISH in four to six
        // pieces: one frame, one TLS record and one system call per piece, per console, for every record. Instead,
        // a frame leaves at most every FRAME_GATHER_MS with all that was written meanwhile (MQTT over WebSocket lets
        // packets span and share frames, MQTT 3.1.1 section 6); after a quiet spell, at once (so a CONNACK is not
        // held back, nor lost to a connection the broker ends). Writes that come meanwhile wait in the stream's
        // buffer, large enough for a burst of waves so the broker is not held back.
        const stream = createWebSocketStream(ws, { writableHighWaterMark: 1 << 20 });
        let lastFrameAt = -Infinity;
        const gather = (data: Buffer, callback: (err?: Error | null) => void) => {
          const send = () => {
            lastFrameAt = performance.now();
            ws.send(data, callback);
          };
          const wait = lastFrameAt + FRAME_GATHER_MS - performance.now();
          if (wait <= 0) send();
          else setTimeout(send, wait);
        };
        stream._write = (chunk: Buffer, _encoding, callback) => gather(chunk, callback);
        stream._writev = (chunks, callback) => gather(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), callback);
        stream.on('error', () => ws.terminate());
        this.options.serve(stream, user);
      });
    });
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

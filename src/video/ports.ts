// Loopback UDP ports for the hand-over between a camera's processes (recorder → shaper → SRT sender).
import dgram from 'node:dgram';

/** A UDP port that is free on 127.0.0.1 right now (the kernel picks it; the caller binds it soon after). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

// Measured uplink conditions, whoever measures them. Today the SRT sender's own statistics feed it; the MQTT uplink
// can feed its RTT and throughput through the same shape (VideoService.observeUplink).
export interface LinkSample {
  /** Round-trip time, ms. */
  rttMs: number;
  /** Data waiting in the sender's buffer, ms (SRT: send.msBuf). Grows when the link cannot carry the stream. */
  sendBufferMs?: number;
  /** Fraction of packets lost in the interval, 0..1. */
  lossRatio?: number;
  /** What the link carried in the interval, kb/s. */
  throughputKbps?: number;
  /** Who measured it, e.g. "srt" or "mqtt". */
  source: string;
}

/** One line of `srt-live-transmit -statspf:json` output, as a LinkSample (undefined for anything else). */
export function parseSrtStats(line: string): LinkSample | undefined {
  if (!line.startsWith('{')) return undefined;
  let j: {
    link?: { rtt?: number };
    send?: { msBuf?: number; packets?: number; packetsLost?: number; packetsRetransmitted?: number; mbitRate?: number };
  };
  try {
    j = JSON.parse(line) as typeof j;
  } catch {
    return undefined;
  }
  const rtt = j.link?.rtt;
  if (typeof rtt !== 'number' || !j.send) return undefined;
  const sent = j.send.packets ?? 0;
  const lost = j.send.packetsLost ?? 0;
  return {
    rttMs: rtt,
    ...(typeof j.send.msBuf === 'number' ? { sendBufferMs: j.send.msBuf } : {}),
    lossRatio: sent + lost > 0 ? lost / (sent + lost) : 0,
    ...(typeof j.send.mbitRate === 'number' ? { throughputKbps: Math.round(j.send.mbitRate * 1000) } : {}),
    source: 'srt',
  };
}

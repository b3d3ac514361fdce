// How often the console's feed is sent (batched-feed.ts), in its own file because the page reads it too (its waves are
// drawn one batch behind, playout.ts) and must not bundle the feed's Node code.
// 250 ms, not 100: what a console costs the daemon is mostly one TLS write per WebSocket frame, nearly whatever its size
// (a CPU profile of the demo with two consoles: 172 ms of socket writes a minute at 100 ms, 108 ms at 250 ms, frames
// 9.1 a second per console against 4.3). A numeric or an alarm reaches the console at most a quarter second after the
// local broker, which a crew standing beside the monitor does not notice; waves are drawn 0.35 s behind.
export const FEED_MS = 250;

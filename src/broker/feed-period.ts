// How often the console's feed is sent (batched-feed.ts), in its own file because the page reads it too (its waves are
// drawn one batch behind, playout.ts) and must not bundle the feed's Node code.
export const FEED_MS = 100;

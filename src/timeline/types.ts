// The types the timeline shares with the schema and the config, in one place.
export type { MilestoneName, MilestoneRecord, TimelineInterval } from '../schema/index.js';
export type { GeofenceConfig, TimelineConfig } from '../config/index.js';

// GPS geofences from the vehicle YAML: entering a scene fence is "arrived at scene", leaving it afterwards "left
// scene", entering a hospital fence "arrived at hospital". Leaving needs the fix to be clearly outside (radius × 1.25)
// so that GPS jitter at the edge of a fence does not read as leaving. Pure: fixes in, milestones out.
import type { GeofenceConfig, MilestoneName } from './types.js';

const EARTH_RADIUS_M = 6_371_008.8;
const LEAVE_FACTOR = 1.25;

/** Great-circle distance in metres (haversine; ample for fences of a few hundred metres). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface GeofenceEvent {
  milestone: Extract<MilestoneName, 'arrived-scene' | 'left-scene' | 'arrived-hospital'>;
  fence: GeofenceConfig;
  distanceM: number;
}

export class GeofenceTracker {
  /** The scene fence the vehicle arrived at, until it leaves. */
  private atScene: GeofenceConfig | undefined;

  constructor(private readonly fences: readonly GeofenceConfig[]) {}

  /** The milestones this fix makes happen (the timeline keeps only the first of each). */
  fix(lat: number, lon: number): GeofenceEvent[] {
    const out: GeofenceEvent[] = [];
    if (this.atScene) {
      const d = distanceM(lat, lon, this.atScene.lat, this.atScene.lon);
      if (d > this.atScene.radiusM * LEAVE_FACTOR) {
        out.push({ milestone: 'left-scene', fence: this.atScene, distanceM: Math.round(d) });
        this.atScene = undefined;
      }
    }
    for (const fence of this.fences) {
      const d = distanceM(lat, lon, fence.lat, fence.lon);
      if (d > fence.radiusM) continue;
      if (fence.kind === 'hospital') out.push({ milestone: 'arrived-hospital', fence, distanceM: Math.round(d) });
      else if (!this.atScene) {
        this.atScene = fence;
        out.push({ milestone: 'arrived-scene', fence, distanceM: Math.round(d) });
      }
    }
    return out;
  }

  /** The vehicle is (or was marked by the crew) at a scene, with no fence: leaving is then for the crew to mark. */
  reset(): void {
    this.atScene = undefined;
  }
}

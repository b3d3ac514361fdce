// The video folder's public face.
export { VideoService, type VideoStatus, type VideoServiceOptions } from './video-service.js';
export { verifyCamera, type VerifyReport, type VerifyProblem } from './verify.js';
export type { CameraHealth } from './camera-pipeline.js';
export type { LinkSample } from './link-conditions.js';

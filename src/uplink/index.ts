// The MQTT uplink to the hospital. Other parts of the gateway reach it through the controller
// (`controller.uplink.link`): `subscribe(filter, handler)` delivers hospital → vehicle messages (setpoint commands)
// with the packet facts a safety service needs; what goes to the hospital goes through the outbox.
export { Uplink, type LinkStats, type LinkState, type UplinkOptions } from './uplink.js';
export { UplinkExtension } from './extension.js';
export type { InboundMessage, InboundHandler } from './inbound.js';
export type { MessageSource, OutgoingMessage, TakeLimits } from './source.js';

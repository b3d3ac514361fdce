// Hospital → vehicle: subscriptions other parts of the gateway make on the uplink (setpoint commands). Each handler
// gets the topic, the payload and the packet facts a safety service needs to judge a command (retain, dup, message
// id, QoS, MQTT 5 properties). Subscriptions are renewed on every connection.
import type { IPublishPacket } from 'mqtt';
import type { InboundCommand } from '../core/hospital-channel.js';
import type { Logger } from '../core/logger.js';
import { topicMatches } from '../core/topics.js';

/** A command channel's message (topic, payload, retain, dup, message id, QoS), with what the connection adds. */
export interface InboundMessage extends InboundCommand {
  /** The MQTT version of the connection it arrived on: 5 carries properties, 4 (3.1.1) none. */
  protocolVersion: 4 | 5;
  properties: {
    userProperties?: Record<string, string | string[]>;
    contentType?: string;
    responseTopic?: string;
    correlationData?: Buffer;
    messageExpiryInterval?: number;
  };
}

export type InboundHandler = (message: InboundMessage) => void;

interface Subscription {
  filter: string;
  handler: InboundHandler;
}

export class InboundRouter {
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly log: Logger) {}

  add(filter: string, handler: InboundHandler): Subscription {
    const sub = { filter, handler };
    this.subscriptions.push(sub);
    return sub;
  }

  /** Removes one subscription; true when no other subscription uses its filter any more. */
  remove(sub: Subscription): boolean {
    const i = this.subscriptions.indexOf(sub);
    if (i >= 0) this.subscriptions.splice(i, 1);
    return !this.subscriptions.some((s) => s.filter === sub.filter);
  }

  filters(): string[] {
    return [...new Set(this.subscriptions.map((s) => s.filter))];
  }

  deliver(packet: IPublishPacket, protocolVersion: 4 | 5): void {
    const p = packet.properties;
    const message: InboundMessage = {
      topic: packet.topic,
      payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
      dup: packet.dup,
      messageId: packet.messageId,
      protocolVersion,
      properties: {
        ...(p?.userProperties ? { userProperties: p.userProperties } : {}),
        ...(p?.contentType ? { contentType: p.contentType } : {}),
        ...(p?.responseTopic ? { responseTopic: p.responseTopic } : {}),
        ...(p?.correlationData ? { correlationData: p.correlationData } : {}),
        ...(p?.messageExpiryInterval !== undefined ? { messageExpiryInterval: p.messageExpiryInterval } : {}),
      },
    };
    for (const s of this.subscriptions) {
      if (!topicMatches(s.filter, packet.topic)) continue;
      try {
        s.handler(message);
      } catch (err) {
        this.log.error({ filter: s.filter, topic: packet.topic, err: (err as Error).message }, 'uplink: inbound handler failed');
      }
    }
  }
}

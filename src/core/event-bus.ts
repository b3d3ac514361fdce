// A typed event bus: extensions publish and subscribe by event name, and the compiler checks the payloads.
// Listeners are owned per extension so that stopping one removes all of its listeners at once.
import { EventEmitter } from 'node:events';

export class TypedBus<Events extends { [K in keyof Events]: unknown }> {
  private readonly emitter = new EventEmitter();
  private readonly owned = new Map<object, Array<[string, (payload: never) => void]>>();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    this.emitter.emit(event, payload);
  }

  on<K extends keyof Events & string>(owner: object, event: K, listener: (payload: Events[K]) => void): void {
    this.emitter.on(event, listener);
    let list = this.owned.get(owner);
    if (!list) this.owned.set(owner, (list = []));
    list.push([event, listener as (payload: never) => void]);
  }

  removeListeners(owner: object): void {
    for (const [event, listener] of this.owned.get(owner) ?? []) this.emitter.off(event, listener as () => void);
    this.owned.delete(owner);
  }

  listenerCount(event: keyof Events & string): number {
    return this.emitter.listenerCount(event);
  }
}

// Calling the running daemon from a CLI command, with the exit codes the README documents.
import { callDaemon, DaemonError, DaemonNotRunning, resolveSocket } from '../control/client.js';
import { EXIT, fail } from './output.js';

export async function ask<T>(method: string, socket: string | undefined, params: Record<string, unknown> = {}): Promise<T> {
  try {
    return (await callDaemon(resolveSocket(socket), method, params)) as T;
  } catch (err) {
    if (err instanceof DaemonNotRunning) fail(err.message, EXIT.notRunning);
    if (err instanceof DaemonError) fail(err.message, err.code === 'permission' ? EXIT.notRunning : EXIT.failure);
    throw err;
  }
}

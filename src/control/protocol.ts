// The local control protocol: newline-delimited JSON over a Unix socket. A request gets exactly one response; a
// streaming method sends events with the request's id until the client hangs up.
export interface ControlRequest {
  id: number;
  method: string;
  params?: Record<string, unknown>;
}

export type ControlResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } }
  | { id: number; event: unknown };

export const DEFAULT_SOCKET = '/run/ambulink/control.sock';

// Delivers one FHIR Bundle to the hospital's FHIR server over HTTPS (HTTP only for a local stand-in): a transaction to
// the base URL, a document to [base]/Bundle with If-None-Exist on its identifier. What the server answered becomes a
// DeliveryOutcome; the queue decides what follows. Every retry is safe: each write in the Bundle is conditional on a
// stable identifier (ids.ts), so a Bundle that reached the server before the answer was lost creates nothing twice.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import { displayUrl } from '../../uplink/credentials.js';
import type { DeliveryOutcome, HandoverMessage, HandoverTransport } from '../destination.js';
import type { FhirOptions } from './options.js';

export type FhirTransportOptions = Pick<FhirOptions, 'baseUrl' | 'caFile' | 'certFile' | 'keyFile' | 'bearerTokenFile' | 'timeoutMs'>;

/** An answer larger than this is not a transaction response of ours: read no further. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export class FhirTransportError extends Error {}

function readSecret(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FhirTransportError(`fhir-r4: cannot read ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

type Attempt = { reply: Reply } | { failure: string };

interface Target {
  readonly path: string;
  /** Entries in the Bundle sent: a transaction response must answer each. */
  readonly entries: number;
  readonly ifNoneExist?: string;
}

export class FhirHttpsTransport implements HandoverTransport {
  private agent: http.Agent | undefined;
  private token: string | undefined;
  private state = 'idle';

  constructor(private readonly options: FhirTransportOptions) {}

  get linkState(): string {
    return this.state;
  }

  /** Reads the TLS material and the token once; a missing file is an error at start, naming the file. */
  async start(): Promise<void> {
    const { baseUrl, caFile, certFile, keyFile, bearerTokenFile } = this.options;
    if (Boolean(certFile) !== Boolean(keyFile)) throw new FhirTransportError('fhir-r4: certFile and keyFile go together (mutual TLS needs both)');
    if (bearerTokenFile) this.token = readSecret(bearerTokenFile, 'bearerTokenFile').toString('utf8').trim();
    if (baseUrl.startsWith('https:')) {
      this.agent = new https.Agent({
        keepAlive: true,
        ...(caFile ? { ca: readSecret(caFile, 'caFile') } : {}),
        ...(certFile ? { cert: readSecret(certFile, 'certFile') } : {}),
        ...(keyFile ? { key: readSecret(keyFile, 'keyFile') } : {}),
      });
    } else {
      this.agent = new http.Agent({ keepAlive: true });
    }
    this.state = `ready (${displayUrl(baseUrl)})`;
  }

  async stop(): Promise<void> {
    this.agent?.destroy();
    this.agent = undefined;
    this.state = 'stopped';
  }

  async send(message: HandoverMessage, signal: AbortSignal): Promise<DeliveryOutcome> {
    let target: Target;
    try {
      target = this.targetOf(message);
    } catch (err) {
      return { kind: 'rejected', reason: `not a FHIR Bundle this transport can send: ${(err as Error).message}` };
    }
    const attempt = await this.post(target, message.body, signal);
    if ('failure' in attempt) {
      this.state = `down: ${attempt.failure}`;
      return { kind: 'retry', reason: attempt.failure, linkFailure: true };
    }
    this.state = 'connected';
    return outcomeOf(attempt.reply, message.type, target.entries);
  }

  /** A transaction goes to the base URL; a document is a Bundle resource created once (If-None-Exist). */
  private targetOf(message: HandoverMessage): Target {
    const base = this.options.baseUrl.replace(/\/+$/, '');
    const bundle = JSON.parse(message.body) as Bundle;
    if (bundle.resourceType !== 'Bundle') throw new Error(`resourceType ${String(bundle.resourceType)}`);
    const entries = bundle.entry?.length ?? 0;
    if (message.type === 'transaction' || message.type === 'batch') return { path: base, entries };
    const id = bundle.identifier;
    return { path: `${base}/Bundle`, entries, ...(id?.system && id.value ? { ifNoneExist: `identifier=${id.system}|${id.value}` } : {}) };
  }

  private post(target: Target, body: string, signal: AbortSignal): Promise<Attempt> {
    const agent = this.agent;
    if (!agent) return Promise.resolve({ failure: 'transport not started' });
    const url = new URL(target.path);
    const lib = url.protocol === 'https:' ? https : http;
    const { timeoutMs } = this.options;
    return new Promise<Attempt>((resolve) => {
      let settled = false;
      const done = (a: Attempt): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(a);
      };
      const req = lib.request(url, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/fhir+json; charset=utf-8',
          accept: 'application/fhir+json',
          'content-length': Buffer.byteLength(body),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(target.ifNoneExist ? { 'if-none-exist': target.ifNoneExist } : {}),
        },
      });
      // One deadline for the whole exchange: a server that accepts the connection and never answers is a retry.
      const timer = setTimeout(() => {
        req.destroy();
        done({ failure: `no answer within ${timeoutMs} ms` });
      }, timeoutMs);
      const onAbort = (): void => {
        req.destroy();
        done({ failure: 'aborted (shutting down)' });
      };
      req.on('error', (err: NodeJS.ErrnoException) => done({ failure: err.code ?? err.message }));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy();
            done({ failure: `answer larger than ${MAX_RESPONSE_BYTES} bytes` });
          } else chunks.push(c);
        });
        res.on('error', (err: NodeJS.ErrnoException) => done({ failure: err.code ?? err.message }));
        res.on('end', () => done({ reply: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') } }));
      });
      req.end(body);
    });
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The OperationOutcome's diagnostics (or the start of whatever the body was), for the dead-letter reason. */
export function diagnosticsOf(body: string): string {
  try {
    const oo = JSON.parse(body) as OperationOutcome;
    if (oo.resourceType === 'OperationOutcome' && Array.isArray(oo.issue)) {
      return oo.issue
        .map((i) => [i.severity, i.expression?.[0] ?? i.location?.[0], i.diagnostics ?? i.details?.text].filter(Boolean).join(' '))
        .join('; ');
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 300).replace(/\s+/g, ' ').trim() || '(empty body)';
}

export function outcomeOf(reply: Reply, type: string, entries: number): DeliveryOutcome {
  const { status, headers, body } = reply;
  const after = retryAfterMs(headers['retry-after']);
  const wait = after !== undefined ? { retryAfterMs: after } : {};
  // Timeout and rate limit are the server's state, not the message's fault: resent without counting towards parking.
  if (status === 408 || status === 429) return { kind: 'retry', reason: `HTTP ${status}: ${diagnosticsOf(body)}`, linkFailure: true, ...wait };
  if (status >= 500) return { kind: 'retry', reason: `HTTP ${status}: ${diagnosticsOf(body)}`, ...wait };
  if (status >= 300 && status < 400) {
    return { kind: 'rejected', reason: `HTTP ${status} redirect to ${String(headers.location ?? '?')}: set baseUrl to the server's own base` };
  }
  if (status >= 400) return { kind: 'rejected', reason: `HTTP ${status}: ${diagnosticsOf(body)}` };
  if (status !== 200 && status !== 201) return { kind: 'retry', reason: `HTTP ${status}: not an answer a FHIR server gives to a create` };
  if (type !== 'transaction' && type !== 'batch') return { kind: 'committed', detail: `HTTP ${status}${headers.location ? ` ${String(headers.location)}` : ''}` };
  return transactionOutcome(status, body, entries);
}

/**
 * A transaction is committed only when the server says every entry was: a transaction-response Bundle whose entries
 * all answer 2xx. Anything else is retried (safe, see above) rather than believed.
 */
function transactionOutcome(status: number, body: string, sent: number): DeliveryOutcome {
  let response: Bundle;
  try {
    response = JSON.parse(body) as Bundle;
  } catch {
    return { kind: 'retry', reason: `HTTP ${status} without a JSON transaction-response Bundle` };
  }
  if (response.resourceType !== 'Bundle' || response.type !== 'transaction-response') {
    return { kind: 'retry', reason: `HTTP ${status} but the body is not a transaction-response Bundle` };
  }
  const statuses = (response.entry ?? []).map((e) => e.response?.status ?? '');
  if (statuses.length !== sent) {
    return { kind: 'retry', reason: `HTTP ${status} but the response answers ${statuses.length} of the ${sent} entries sent` };
  }
  const failed = statuses.filter((s) => !/^2\d\d/.test(s));
  if (failed.length) {
    return { kind: 'rejected', reason: `HTTP ${status} but ${failed.length} of ${statuses.length} entries failed: ${failed.slice(0, 5).join(', ')}` };
  }
  const created = statuses.filter((s) => s.startsWith('201')).length;
  return { kind: 'committed', detail: `HTTP ${status}: ${statuses.length} entries, ${created} created, ${statuses.length - created} already there or updated` };
}

// A stand-in for the hospital's FHIR server, for the tests and the demo: HTTPS (or HTTP), it validates every posted
// Bundle with the same validator the gateway uses and answers as an R4 server does — a transaction-response Bundle
// (201 for what it created, 200 for what it already had: ifNoneExist and conditional update are honoured, so a resend
// duplicates nothing), 400 for what is not JSON or not a Bundle, 422 with the validator's OperationOutcome for an
// invalid one, 401 without the expected bearer token. Test hooks make it answer a status (5xx, 429 with Retry-After …)
// or hang without answering, for the next requests. It keeps what it stored in memory, searchable by identifier.
// The validator runs in its own thread (validator-thread.ts): in the demo the stand-in shares its process with the
// device simulators, and its first Bundle (the definitions indexed, 1.5 s) made the ventilator simulator miss a write's
// timeout.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from 'fhir/r4.js';
import type { FhirValidation } from './validate.js';
import { ValidatorThread } from './validator-thread.js';

export interface StandInOptions {
  /** PEM key and certificate for HTTPS; absent: plain HTTP (the demo on one box). */
  readonly tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer; requestCert?: boolean };
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly bearerToken?: string;
  readonly host?: string;
  readonly port?: number;
  /** Called with every Bundle it accepted and the status it answered (the demo writes them to a file). */
  readonly onAccepted?: (bundle: Bundle, status: number) => void;
}

export type Fault = { readonly status: number; readonly retryAfter?: string } | { readonly hang: true };

export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly status: number | 'hung';
}

const MAX_BODY = 32 * 1024 * 1024;

type IssueCode = OperationOutcome['issue'][number]['code'];

function outcome(severity: 'error' | 'fatal' | 'information', code: IssueCode, diagnostics: readonly string[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: diagnostics.map((d) => ({ severity, code, diagnostics: d })) };
}

/** `identifier=system|value` → its two parts (the value may itself contain `|`-free urns). */
function identifierQuery(query: string): { system: string; value: string } | undefined {
  const params = new URLSearchParams(query);
  const id = params.get('identifier');
  if (!id) return undefined;
  const bar = id.indexOf('|');
  return bar < 0 ? { system: '', value: id } : { system: id.slice(0, bar), value: id.slice(bar + 1) };
}

function identifiersOf(r: Resource): Array<{ system?: string; value?: string }> {
  const id = (r as { identifier?: unknown }).identifier;
  if (Array.isArray(id)) return id as Array<{ system?: string; value?: string }>;
  return id && typeof id === 'object' ? [id as { system?: string; value?: string }] : [];
}

/** Rewrites every `reference` that names a fullUrl of the transaction to the id the server gave it. */
function resolveReferences(node: unknown, ids: ReadonlyMap<string, string>): void {
  if (Array.isArray(node)) return node.forEach((n) => resolveReferences(n, ids));
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'reference' && typeof v === 'string' && ids.has(v)) o[k] = ids.get(v);
    else resolveReferences(v, ids);
  }
}

export class FhirStandIn {
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly store = new Map<string, Map<string, Resource>>();
  private readonly faults: Fault[] = [];
  private readonly validator = new ValidatorThread();
  /** Every request, in order, with what it was answered. */
  readonly requests: RequestLog[] = [];

  constructor(private readonly options: StandInOptions = {}) {}

  /** Starts listening; resolves to the base URL. */
  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res);
    const { tls } = this.options;
    const server = tls
      ? https.createServer({ key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}), requestCert: tls.requestCert ?? false, rejectUnauthorized: tls.requestCert ?? false }, handler)
      : http.createServer(handler);
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    // Once listening (a port taken leaves no thread behind), before any request can be read.
    this.validator.start();
    const { port } = server.address() as AddressInfo;
    return `${tls ? 'https' : 'http'}://${this.options.host ?? '127.0.0.1'}:${port}/fhir`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), this.validator.stop()]);
  }

  /** Test hook: the next requests get these answers (in order) instead of being processed. */
  inject(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  /** Stored resources of a type. */
  all(type: string): Resource[] {
    return [...(this.store.get(type)?.values() ?? [])];
  }

  /** Stored resources of a type with this identifier. */
  find(type: string, system: string, value: string): Resource[] {
    return this.all(type).filter((r) => identifiersOf(r).some((i) => (i.system ?? '') === system && i.value === value));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname.replace(/^\/fhir/, '') || '/';
    const method = req.method ?? 'GET';
    const fault = this.faults.shift();
    if (fault && 'hang' in fault) {
      this.requests.push({ method, path, status: 'hung' });
      return; // no answer: the socket stays open until the client gives up or the stand-in stops
    }
    const answer = (status: number, body: Resource, headers: Record<string, string> = {}): void => {
      this.requests.push({ method, path, status });
      res.writeHead(status, { 'content-type': 'application/fhir+json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (fault) {
      return answer(fault.status, outcome('error', 'transient', [`stand-in told to answer ${fault.status}`]), fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    }
    if (this.options.bearerToken && req.headers.authorization !== `Bearer ${this.options.bearerToken}`) {
      return answer(401, outcome('error', 'login', ['missing or wrong bearer token']));
    }
    if (method === 'GET') return this.read(path, url.search, answer);
    if (method !== 'POST') return answer(405, outcome('error', 'not-supported', [`${method} is not supported here`]));

    let text: string;
    try {
      text = await readBody(req);
    } catch (err) {
      return answer(413, outcome('error', 'too-costly', [(err as Error).message]));
    }
    let bundle: Bundle;
    try {
      bundle = JSON.parse(text) as Bundle;
    } catch {
      return answer(400, outcome('error', 'structure', ['the body is not JSON']));
    }
    if (bundle?.resourceType !== 'Bundle') return answer(400, outcome('error', 'structure', ['the body is not a Bundle']));
    let v: FhirValidation;
    try {
      v = (await this.validator.validate([{ bundle, entryProfiles: true }]))[0]!;
    } catch (err) {
      return answer(500, outcome('fatal', 'exception', [`the stand-in could not validate: ${(err as Error).message}`]));
    }
    if (!this.server) return; // stopped meanwhile: its sockets are gone
    if (!v.ok) return answer(422, outcome('error', 'invalid', v.errors));

    if (path === '/' && (bundle.type === 'transaction' || bundle.type === 'batch')) {
      this.options.onAccepted?.(bundle, 200);
      return answer(200, this.transaction(bundle));
    }
    if (path === '/Bundle') {
      const cond = identifierQuery(String(req.headers['if-none-exist'] ?? ''));
      const existing = cond ? this.find('Bundle', cond.system, cond.value)[0] : undefined;
      if (existing) return answer(200, existing, { location: `Bundle/${existing.id}/_history/1` });
      const stored = this.put({ ...bundle, id: randomUUID() });
      this.options.onAccepted?.(bundle, 201);
      return answer(201, stored, { location: `Bundle/${stored.id}/_history/1` });
    }
    return answer(400, outcome('error', 'not-supported', [`POST ${path} of a ${bundle.type} Bundle is not supported here`]));
  }

  private read(path: string, search: string, answer: (s: number, b: Resource) => void): void {
    const [, type, id] = path.split('/');
    if (type && id) {
      const r = this.store.get(type)?.get(id);
      return r ? answer(200, r) : answer(404, outcome('error', 'not-found', [`${type}/${id} not found`]));
    }
    if (type) {
      const cond = identifierQuery(search.slice(1));
      const matches = cond ? this.find(type, cond.system, cond.value) : this.all(type);
      const searchset: Bundle = { resourceType: 'Bundle', type: 'searchset', total: matches.length, entry: matches.map((resource) => ({ resource })) };
      return answer(200, searchset);
    }
    return answer(404, outcome('error', 'not-found', ['no such path']));
  }

  private put(r: Resource): Resource & { id: string } {
    const id = r.id ?? randomUUID();
    const stored = { ...r, id };
    let byId = this.store.get(r.resourceType);
    if (!byId) this.store.set(r.resourceType, (byId = new Map()));
    byId.set(id, stored);
    return stored;
  }

  /**
   * All entries or none (it is one request): ids are decided first (existing ones found by their condition), the
   * fullUrls rewritten to them, then everything is stored.
   */
  private transaction(bundle: Bundle): Bundle {
    const plan: Array<{ entry: BundleEntry; id: string; status: '200 OK' | '201 Created'; write: boolean }> = [];
    const ids = new Map<string, string>();
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource!;
      const req = entry.request!;
      const cond = req.method === 'POST' ? identifierQuery(req.ifNoneExist ?? '') : identifierQuery(req.url.split('?')[1] ?? '');
      const existing = cond ? this.find(r.resourceType, cond.system, cond.value)[0] : undefined;
      const id = existing?.id ?? randomUUID();
      // POST with ifNoneExist leaves an existing resource as it is; a conditional PUT updates it.
      plan.push({ entry, id, status: existing ? '200 OK' : '201 Created', write: !existing || req.method === 'PUT' });
      if (entry.fullUrl) ids.set(entry.fullUrl, `${r.resourceType}/${id}`);
    }
    const response: BundleEntry[] = [];
    for (const { entry, id, status, write } of plan) {
      const r = structuredClone(entry.resource!);
      resolveReferences(r, ids);
      if (write) this.put({ ...r, id });
      response.push({ response: { status, location: `${r.resourceType}/${id}/_history/1` } });
    }
    return { resourceType: 'Bundle', id: randomUUID(), type: 'transaction-response', entry: response };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

import { readFileSync } from 'node:fs';
import { parse, print } from 'graphql';
import type { Request, RequestHandler, Response } from 'express';
import { createHash } from 'node:crypto';
import { sendError } from './locals';

/**
 * Persisted operations. A request may name a registered operation by hash alone
 * (`extensions.persistedQuery.sha256Hash`, the APQ shape), by POST body or GET parameters; with
 * SAFELIST=enforce only registered operations run, matched by hash of the exact text or of its
 * normalised form, whichever the method, and no client can register a new APQ hash.
 */
export interface PersistedOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function loadManifest(file: string): PersistedOperation[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { operations: PersistedOperation[] };
  return json.operations;
}

function normalisedHash(query: string): string | null {
  try {
    return sha256(print(parse(query, { noLocation: true })));
  } catch {
    return null;
  }
}

/** What a request asks to run: its text and its APQ hash, from a POST body or GET parameters. */
export interface Asked {
  query: string | undefined;
  hash: string | undefined;
  /** Sets the text of a hash-only request, in the place the request carries it. */
  setQuery(text: string): void;
}

export function asked(req: Request): Asked | null {
  if (req.method === 'GET') {
    const at = req.url.indexOf('?');
    const params = new URLSearchParams(at >= 0 ? req.url.slice(at + 1) : '');
    let hash: unknown;
    const ext = params.get('extensions');
    if (ext) {
      try {
        hash = (JSON.parse(ext) as { persistedQuery?: { sha256Hash?: unknown } } | null)?.persistedQuery?.sha256Hash;
      } catch {
        /* Apollo answers malformed extensions with 400 */
      }
    }
    return {
      query: params.get('query') ?? undefined,
      hash: typeof hash === 'string' ? hash : undefined,
      setQuery(text) {
        params.set('query', text);
        // @as-integrations/express5 reads GET parameters from req.url.
        req.url = `${at >= 0 ? req.url.slice(0, at) : req.url}?${params.toString()}`;
      },
    };
  }
  return bodyAsked(req.body);
}

/** What a JSON body (or a WebSocket subscribe payload) asks to run. */
export function bodyAsked(raw: unknown): Asked | null {
  const body = raw as { query?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } } | undefined;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const hash = body.extensions?.persistedQuery?.sha256Hash;
  return {
    query: typeof body.query === 'string' ? body.query : undefined,
    hash: typeof hash === 'string' ? hash : undefined,
    setQuery(text) {
      body.query = text;
    },
  };
}

function refuse(res: Response, code: string, message: string): void {
  sendError(res, 403, code, message);
}

export interface Refusal {
  code: 'OPERATION_NOT_IN_SAFELIST' | 'PERSISTED_QUERY_REGISTRATION_REFUSED';
  message: string;
}

/**
 * The check itself, for HTTP requests and WebSocket subscribes alike: fills in the text of a
 * registered id; with SAFELIST=enforce, refuses anything outside the manifest.
 */
export function persistedCheck(operations: PersistedOperation[], mode: 'off' | 'enforce'): (op: Asked) => Refusal | null {
  const byId = new Map(operations.map((o) => [o.id, o]));
  const normalised = new Set(operations.map((o) => normalisedHash(o.body)));
  return (op) => {
    if (op.query === undefined && op.hash !== undefined && byId.has(op.hash)) {
      op.setQuery(byId.get(op.hash)!.body);
      return null;
    }
    if (mode !== 'enforce') return null;
    if (op.query === undefined) {
      // Without the safelist an unknown hash goes on to APQ (PERSISTED_QUERY_NOT_FOUND, then the
      // client registers it); here nothing outside the manifest may run, so say so at once.
      return op.hash !== undefined ? { code: 'OPERATION_NOT_IN_SAFELIST', message: 'No registered operation has this hash.' } : null;
    }
    // Text with an APQ hash registers that hash for later hash-only requests: refused unless the
    // hash is the manifest's own (then the text must match it, as Apollo checks).
    if (op.hash !== undefined && !byId.has(op.hash)) {
      return {
        code: 'PERSISTED_QUERY_REGISTRATION_REFUSED',
        message: 'Automatic persisted queries cannot be registered on this endpoint; use a registered operation id.',
      };
    }
    if (!byId.has(sha256(op.query)) && !normalised.has(normalisedHash(op.query))) {
      return { code: 'OPERATION_NOT_IN_SAFELIST', message: 'Only registered operations may run on this endpoint.' };
    }
    return null;
  };
}

export function persistedOperations(operations: PersistedOperation[], mode: 'off' | 'enforce'): RequestHandler {
  const check = persistedCheck(operations, mode);
  return (req, res, next) => {
    const op = asked(req);
    if (!op) return next();
    const refusal = check(op);
    if (refusal) return refuse(res, refusal.code, refusal.message);
    next();
  };
}

import { readFileSync } from 'node:fs';
import { parse, print } from 'graphql';
import type { RequestHandler } from 'express';
import { createHash } from 'node:crypto';

/**
 * Persisted operations. A request may name a registered operation by hash alone
 * (`extensions.persistedQuery.sha256Hash`, the APQ shape); with SAFELIST=enforce only registered
 * operations run, matched by hash of the exact text or of its normalised form.
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

export function persistedOperations(operations: PersistedOperation[], mode: 'off' | 'enforce'): RequestHandler {
  const byId = new Map(operations.map((o) => [o.id, o]));
  const normalised = new Set(operations.map((o) => normalisedHash(o.body)));
  return (req, res, next) => {
    const body = req.body as { query?: unknown; extensions?: { persistedQuery?: { sha256Hash?: unknown } } } | undefined;
    if (!body || typeof body !== 'object') return next();
    const hash = body.extensions?.persistedQuery?.sha256Hash;
    if (typeof body.query !== 'string' && typeof hash === 'string' && byId.has(hash)) {
      body.query = byId.get(hash)!.body;
    }
    if (mode === 'enforce') {
      const query = typeof body.query === 'string' ? body.query : undefined;
      const allowed = query !== undefined && (byId.has(sha256(query)) || normalised.has(normalisedHash(query)));
      // A hash-only request for an unknown id goes on to APQ, which answers PERSISTED_QUERY_NOT_FOUND.
      if (!allowed && query !== undefined) {
        res.status(403).json({
          errors: [{ message: 'Only registered operations may run on this endpoint.', extensions: { code: 'OPERATION_NOT_IN_SAFELIST' } }],
        });
        return;
      }
    }
    next();
  };
}

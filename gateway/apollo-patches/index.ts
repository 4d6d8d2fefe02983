import type { Experimental_DidResolveQueryPlanCallback } from '@apollo/gateway';
import type { Logger } from '../../platform/logger';

/**
 * The one way in to everything Marquee replaces or reads inside Apollo's federation packages
 * (README.md in this folder lists each, and every deep import into a package's dist/). They
 * depend on those packages' internals, which any release may change, so:
 *
 * - `APOLLO_PATCHES=off` installs none of them: Apollo's own code paths run unchanged;
 * - they are installed only over the exact versions they were tested against (TESTED_VERSIONS);
 *   any other installed version is logged in one line and runs unpatched;
 * - each install's outcome is logged once.
 *
 * `installApolloPatches` must run before anything loads @apollo/gateway (the export flattening
 * replaces package indexes in the module cache).
 */

/** The versions the patches were written and tested against (package.json pins them exactly). */
export const TESTED_VERSIONS: Readonly<Record<string, string>> = {
  '@apollo/gateway': '2.14.4',
  '@apollo/federation-internals': '2.14.4',
  '@apollo/query-planner': '2.14.4',
  '@apollo/query-graphs': '2.14.4',
};

export type PatchesSetting = 'on' | 'off';

/** Every patch, in the order they install. */
export const PATCH_NAMES = ['flatten-exports', 'result-shaping', 'deep-merge', 'execute-plan', 'operation-cache', 'answer-sharing'] as const;
export type PatchName = (typeof PATCH_NAMES)[number];

export interface PatchOutcome {
  patch: PatchName;
  installed: boolean;
  reason?: string;
}

/** Installed versions that differ from the tested ones (empty when all match). */
export function versionMismatches(read: (pkg: string) => string | undefined = installedVersion): string[] {
  return Object.entries(TESTED_VERSIONS).flatMap(([pkg, tested]) => {
    const installed = read(pkg);
    return installed === tested ? [] : [`${pkg} ${installed ?? 'missing'} (tested: ${tested})`];
  });
}

function installedVersion(pkg: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the path is computed at run time (one per pinned package)
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

let active: boolean | undefined;

/** Whether the patches run in this process: on, and over the tested versions (checked once). */
export function patchesActive(setting: PatchesSetting): boolean {
  if (setting === 'off') return false;
  active ??= versionMismatches().length === 0;
  return active;
}

/**
 * Installs every patch (or none), logging each outcome once. Returns the outcomes, for tests
 * and the start-up log.
 */
export function installApolloPatches(
  setting: PatchesSetting,
  logger: Pick<Logger, 'info' | 'warn'>,
  /** Tests: where installed versions are read from. */
  read: (pkg: string) => string | undefined = installedVersion,
  /** APOLLO_PATCHES_SKIP: patches left out one by one (to measure what each buys, or to rule one out). */
  skip: readonly PatchName[] = [],
): PatchOutcome[] {
  if (setting === 'off') {
    logger.info({ apolloPatches: 'off' }, 'Apollo patches off (APOLLO_PATCHES=off): Apollo’s own code paths run unchanged');
    return [];
  }
  const mismatches = versionMismatches(read);
  if (mismatches.length > 0) {
    active = false;
    logger.warn(
      { mismatches },
      `Apollo patches not installed: installed versions differ from the tested ones (${mismatches.join(', ')}); running Apollo unpatched`,
    );
    return [];
  }
  active = true;
  /* eslint-disable @typescript-eslint/no-require-imports -- each loaded only when installed */
  const outcomes: PatchOutcome[] = [];
  const attempt = (patch: PatchName, install: () => true | string) => {
    if (skip.includes(patch)) {
      outcomes.push({ patch, installed: false, reason: 'skipped (APOLLO_PATCHES_SKIP)' });
      logger.info({ patch }, `Apollo patch ${patch} skipped (APOLLO_PATCHES_SKIP): Apollo's own code runs there`);
      return;
    }
    let outcome: PatchOutcome;
    try {
      const r = install();
      outcome = r === true ? { patch, installed: true } : { patch, installed: false, reason: r };
    } catch (err) {
      outcome = { patch, installed: false, reason: err instanceof Error ? err.message : String(err) };
    }
    outcomes.push(outcome);
    if (outcome.installed) logger.info({ patch }, `Apollo patch ${patch} installed`);
    else logger.warn({ patch, reason: outcome.reason }, `Apollo patch ${patch} not installed: ${outcome.reason}`);
  };
  // First: before @apollo/gateway loads (see flatten-exports.ts).
  attempt('flatten-exports', () => {
    const flattened = (require('./flatten-exports') as typeof import('./flatten-exports')).flattenExports();
    return flattened.length > 0 || 'no package index was in the module cache';
  });
  attempt('result-shaping', () => {
    (require('./result-shaping') as typeof import('./result-shaping')).install();
    return true;
  });
  attempt('deep-merge', () => {
    (require('./deep-merge') as typeof import('./deep-merge')).install();
    return true;
  });
  // After flattenExports: it keeps federation-internals' (flattened) export object, read at call time.
  attempt('execute-plan', () => {
    (require('./execute-plan') as typeof import('./execute-plan')).install();
    return true;
  });
  // After flattenExports: it writes to the flattened (plain) export object.
  attempt(
    'operation-cache',
    () => (require('./operation-cache') as typeof import('./operation-cache')).install() || 'the package exports are getters (OpenTelemetry’s copy?)',
  );
  // Read by the gateway's didResolveQueryPlan hook (planReader below); nothing to install.
  attempt('answer-sharing', () => true);
  /* eslint-enable @typescript-eslint/no-require-imports */
  return outcomes;
}

type DidResolveQueryPlan = Experimental_DidResolveQueryPlanCallback;

/**
 * The gateway's didResolveQueryPlan hook: puts on the request context where this plan writes
 * into subgraph answers (answer-sharing.ts), read from the plan's internal shape. Undefined when
 * the patches are off: the subgraph clients then give each taker a whole copy, as before.
 */
export function planReader(
  setting: PatchesSetting,
  write: (context: unknown, recipes: import('./answer-sharing').PlanRecipes | null) => void,
  skip: readonly PatchName[] = [],
): DidResolveQueryPlan | undefined {
  if (!patchesActive(setting) || skip.includes('answer-sharing')) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the patches are active
  const { recipesOf } = require('./answer-sharing') as typeof import('./answer-sharing');
  return ({ queryPlan, requestContext }) => write(requestContext.context, recipesOf(queryPlan));
}

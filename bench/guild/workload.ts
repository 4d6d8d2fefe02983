/** The Guild workload: its one query, anonymous, from every connection; the reference answer expected byte for byte. */
import type { Workload } from '../workloads';
import { GUILD_QUERY } from '../../workloads/guild/query';
import { referenceAnswer } from '../../workloads/guild/reference';

export function guildWorkload(): Workload {
  const body = JSON.stringify({ query: GUILD_QUERY });
  return {
    id: 'guild',
    name: 'Guild users/topProducts, deep',
    auth: false,
    mutation: false,
    body: () => body,
    user: () => null,
    prime: () => [{ body, user: null }],
    expect: referenceAnswer(GUILD_QUERY),
  };
}

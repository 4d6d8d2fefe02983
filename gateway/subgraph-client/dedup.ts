import type { Counter } from 'prom-client';
import type { Answer } from './answer';

/**
 * In-flight deduplication: identical subgraph queries in flight at the same moment share one
 * call — for the same caller always, and across callers when the subgraph marks the answer
 * `Cache-Control: public` (it says the answer depends on no one's identity). Never mutations (the
 * client does not bring them here).
 */
export class InFlight {
  /** In flight, by caller and body. */
  private readonly byCaller = new Map<string, Promise<Answer>>();
  /** In flight, by body alone: the first such call, whose answer other callers may share if it is public. */
  private readonly byBody = new Map<string, Promise<Answer>>();

  constructor(
    private readonly subgraph: string,
    private readonly deduped?: Counter<'subgraph' | 'scope'>,
  ) {}

  /**
   * The answer to `body` for `caller`: a call already in flight, or `call()`. `publicLastTime`
   * says whether this operation's last answer was public: only then is another caller's call
   * waited for, since waiting for an answer that then is not ours would cost a round trip and
   * lose this call's place in its batch.
   */
  async share(body: string, caller: string, publicLastTime: boolean, call: () => Promise<Answer>): Promise<Answer> {
    const key = `${caller}|${body}`;
    const mine = this.byCaller.get(key);
    if (mine) {
      this.deduped?.inc({ subgraph: this.subgraph, scope: 'caller' });
      return mine;
    }
    const other = publicLastTime ? this.byBody.get(body) : undefined;
    if (other) {
      // Wait for the other caller's answer: if the subgraph made it public, it is ours too.
      const theirs = await other.catch(() => undefined);
      if (theirs?.isPublic) {
        this.deduped?.inc({ subgraph: this.subgraph, scope: 'public' });
        return theirs;
      }
      const sameCallerMeanwhile = this.byCaller.get(key);
      if (sameCallerMeanwhile) return sameCallerMeanwhile;
    }
    const sent = call();
    this.byCaller.set(key, sent);
    if (!this.byBody.has(body)) this.byBody.set(body, sent);
    const forget = () => {
      this.byCaller.delete(key);
      if (this.byBody.get(body) === sent) this.byBody.delete(body);
    };
    sent.then(forget, forget);
    return sent;
  }
}

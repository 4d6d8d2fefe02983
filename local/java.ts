import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** The java binary to run DynamoDB Local with: JAVA_HOME first, then PATH. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : null, 'java'].filter(Boolean) as string[];
  for (const c of candidates) {
    const r = spawnSync(c, ['-version'], { stdio: 'ignore', env });
    if (r.status === 0) return c;
  }
  return null;
}

export const JAVA_MISSING =
  "Java 11+ is required to run DynamoDB Local: install it with 'sudo apt-get install -y default-jre-headless' (Debian/Ubuntu) or 'brew install openjdk', or set DYNAMODB_ENDPOINT to a real DynamoDB.";

export function requireJava(env: NodeJS.ProcessEnv = process.env): string {
  const java = findJava(env);
  if (!java) throw new Error(JAVA_MISSING);
  return java;
}

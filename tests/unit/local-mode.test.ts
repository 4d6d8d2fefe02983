import { createPartnerLookup } from '../../gateway/pipeline/partner-key';
import { LOCAL_PROVIDER } from '../../local/defaults';
import { findJava, requireJava, JAVA_MISSING } from '../../local/java';
import { localModeEnv } from '../../scripts/start-local';

describe('local mode without Java', () => {
  it('says so in one line, with how to install it', () => {
    const noJava = { PATH: '/nonexistent', JAVA_HOME: '/nonexistent' };
    expect(findJava(noJava)).toBeNull();
    expect(() => requireJava(noJava)).toThrow(JAVA_MISSING);
    expect(JAVA_MISSING).not.toContain('\n');
    expect(JAVA_MISSING).toMatch(/apt-get install -y default-jre-headless/);
  });
});

describe("npm start's provider key", () => {
  it('is a partner key with the provider role when PARTNER_KEYS is unset, and never replaces real partners', () => {
    const lookup = createPartnerLookup(localModeEnv({}).PARTNER_KEYS);
    expect(lookup(LOCAL_PROVIDER.key)).toEqual({ id: LOCAL_PROVIDER.id, tier: 'standard', roles: ['provider'] });
    expect(lookup('mq_some_other_key')).toBeNull();
    const real = JSON.stringify([{ id: 'acme', tier: 'premium', sha256: 'a'.repeat(64) }]);
    expect(localModeEnv({ PARTNER_KEYS: real }).PARTNER_KEYS).toBe(real);
    expect(createPartnerLookup(localModeEnv({ PARTNER_KEYS: real }).PARTNER_KEYS)(LOCAL_PROVIDER.key)).toBeNull();
  });
});

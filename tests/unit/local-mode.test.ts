import { findJava, requireJava, JAVA_MISSING } from '../../local/java';

describe('local mode without Java', () => {
  it('says so in one line, with how to install it', () => {
    const noJava = { PATH: '/nonexistent', JAVA_HOME: '/nonexistent' };
    expect(findJava(noJava)).toBeNull();
    expect(() => requireJava(noJava)).toThrow(JAVA_MISSING);
    expect(JAVA_MISSING).not.toContain('\n');
    expect(JAVA_MISSING).toMatch(/apt-get install -y default-jre-headless/);
  });
});

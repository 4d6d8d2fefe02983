import { findJava, requireJava, JAVA_MISSING } from '../../local/java';

describe('local mode without Java', () => {
  const saved = { PATH: process.env.PATH, JAVA_HOME: process.env.JAVA_HOME };
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.JAVA_HOME === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = saved.JAVA_HOME;
  });

  it('says so in one line, with how to install it', () => {
    process.env.PATH = '/nonexistent';
    process.env.JAVA_HOME = '/nonexistent';
    expect(findJava()).toBeNull();
    expect(() => requireJava()).toThrow(JAVA_MISSING);
    expect(JAVA_MISSING).not.toContain('\n');
    expect(JAVA_MISSING).toMatch(/apt-get install -y default-jre-headless/);
  });

  it('finds the machine’s Java when there is one', () => {
    expect(findJava()).not.toBeNull();
  });
});

// Needs the Java that DynamoDB Local runs on (the unit tests run without one: tests/unit/local-mode.test.ts).
import { findJava } from '../../local/java';

describe('local mode with Java', () => {
  it('finds the machine’s Java', () => {
    expect(findJava()).not.toBeNull();
  });
});

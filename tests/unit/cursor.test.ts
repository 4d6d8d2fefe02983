import { generateGatewayKeys } from '../../platform/identity';
import { cursorKey, decodeCursor, encodeCursor } from '../../platform/cursor';

const GATEWAY_SECRET = generateGatewayKeys().signingKey;

describe('cursor key', () => {
  it('is CURSOR_SECRET when set, else derived from the gateway key but never equal to it', () => {
    expect(cursorKey('c'.repeat(32), GATEWAY_SECRET)).toBe('c'.repeat(32));
    const derived = cursorKey(undefined, GATEWAY_SECRET);
    expect(derived).not.toBe(GATEWAY_SECRET);
    expect(derived).toMatch(/^[0-9a-f]{64}$/);
    expect(cursorKey(undefined, GATEWAY_SECRET)).toBe(derived);
  });

  it('refuses a cursor signed with the gateway secret', () => {
    const key = { pk: 'MOVIE#550', sk: 'USER#u1' };
    const good = encodeCursor(cursorKey(undefined, GATEWAY_SECRET), 'reviews:550:NEWEST', key);
    expect(decodeCursor(cursorKey(undefined, GATEWAY_SECRET), 'reviews:550:NEWEST', good)).toEqual(key);
    const signedWithGatewaySecret = encodeCursor(GATEWAY_SECRET, 'reviews:550:NEWEST', key);
    expect(() => decodeCursor(cursorKey(undefined, GATEWAY_SECRET), 'reviews:550:NEWEST', signedWithGatewaySecret)).toThrow(/not a valid cursor/);
  });
});

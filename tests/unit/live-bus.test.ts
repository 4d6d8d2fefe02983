import { SignJWT } from 'jose';
import { ConnectionLimits, tokenExpiry } from '../../gateway/live/limits';
import { compareStreamIds, parseLiveMessage, parseStreamId } from '../../platform/live-bus';

test('stream ids: only <ms>-<seq> is accepted back from clients, and they compare by stream order', () => {
  expect(parseStreamId('1764765000123-0')).toBe('1764765000123-0');
  for (const bad of ['', 'abc', '1-2-3', '1764765000123', '(1-0', '1-0\n']) expect(parseStreamId(bad)).toBeUndefined();
  expect(compareStreamIds('9-5', '10-0')).toBeLessThan(0);
  expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
  expect(compareStreamIds('10-3', '10-3')).toBe(0);
  expect(compareStreamIds('11-0', '10-99')).toBeGreaterThan(0);
});

test('channel messages: id, topic and event back; anything else is ignored', () => {
  const event = { type: 'notification', userId: 'alice', movieId: '603', eventId: 'e1' };
  expect(parseLiveMessage(`5-1\nuser:alice\n${JSON.stringify(event)}`)).toEqual({ id: '5-1', topic: 'user:alice', event });
  expect(parseLiveMessage('5-1\nuser:alice\n{"type":"other"}')).toBeUndefined();
  expect(parseLiveMessage('5-1\nuser:alice\nnot json')).toBeUndefined();
  expect(parseLiveMessage('no newlines')).toBeUndefined();
});

test('connection limits: per user and per replica, places given back once', () => {
  const limits = new ConnectionLimits(2, 3);
  const a1 = limits.acquire('alice');
  const a2 = limits.acquire('alice');
  expect(limits.acquire('alice')).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', scope: 'user' });
  const anonymous = limits.acquire(null);
  expect(limits.acquire('bob')).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', scope: 'replica' });
  if ('code' in a1 || 'code' in a2 || 'code' in anonymous) throw new Error('refused');
  a1.release();
  a1.release();
  expect(limits.open).toBe(2);
  expect('release' in limits.acquire('alice')).toBe(true);
});

test('token expiry is read from the bearer token (after verification elsewhere)', async () => {
  const exp = Math.floor(Date.now() / 1000) + 60;
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode('x'.repeat(32)));
  expect(tokenExpiry(`Bearer ${jwt}`)).toBe(exp * 1000);
  expect(tokenExpiry(undefined)).toBeUndefined();
  expect(tokenExpiry('Bearer garbage')).toBeUndefined();
});

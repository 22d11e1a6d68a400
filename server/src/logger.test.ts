import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as never);
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}

describe('createLogger', () => {
  it('redacts the fields a secret could travel in', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        token: 'ul1.acme.dev_1.secret',
        authorization: 'Bearer eyJ...',
        cookie: 'sid=1',
        enrollmentCode: 'ABCD-EFGH-JKMN',
        session: { cookies: [{ name: 'sid', value: 'secret' }] },
        body: '{"code":"ABCD-EFGH-JKMN"}',
        headers: { authorization: 'Bearer eyJ...', cookie: 'sid=1', 'user-agent': 'okta' },
        req: { headers: { authorization: 'Bearer eyJ...', cookie: 'sid=1' } },
      },
      'line',
    );
    expect(lines[0]).toMatchObject({
      token: '[redacted]',
      authorization: '[redacted]',
      cookie: '[redacted]',
      enrollmentCode: '[redacted]',
      session: '[redacted]',
      body: '[redacted]',
      headers: { authorization: '[redacted]', cookie: '[redacted]', 'user-agent': 'okta' },
      req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } },
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/secret|eyJ|ABCD|sid=1/);
  });

  it('keeps error codes: the one field a warning is read by', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    logger.warn({ requestId: 'r1', code: 'ERR_UNAUTHENTICATED', reason: 'token expired', err: error }, 'rejected');
    expect(lines[0]).toMatchObject({
      requestId: 'r1',
      code: 'ERR_UNAUTHENTICATED',
      reason: 'token expired',
      err: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' },
    });
  });
});

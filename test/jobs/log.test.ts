import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../jobs/log.ts';

const capture = (level: 'debug' | 'info' | 'warn' | 'error' | 'silent', secrets: string[] = []) => {
  const lines: string[] = [];
  const log = createLogger({ level, secrets, write: (l) => lines.push(l), now: () => new Date(0) });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
};

describe('logger', () => {
  it('writes one JSON object per line with level, message and fields', () => {
    const { log, parsed } = capture('info');
    log.info('job done', { job: 'j-1', ms: 12 });
    expect(parsed()).toEqual([
      { t: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'job done', job: 'j-1', ms: 12 },
    ]);
  });

  it('drops lines below its level; silent writes nothing', () => {
    const a = capture('warn');
    a.log.debug('d');
    a.log.info('i');
    a.log.warn('w');
    a.log.error('e');
    expect(a.parsed().map((l) => l.level)).toEqual(['warn', 'error']);
    const s = capture('silent');
    s.log.error('e');
    expect(s.lines).toEqual([]);
    silentLogger.error('nothing happens');
  });

  it('masks configured secrets anywhere in the line, ignoring short ones', () => {
    const { log, lines } = capture('debug', ['hunter2-password', 'abc', '']);
    log.info('connecting with hunter2-password', {
      url: 'redis://:hunter2-password@redis:6379',
      code: 'abc',
    });
    expect(lines[0]).not.toContain('hunter2-password');
    expect(lines[0]).toContain('[redacted]');
    expect(JSON.parse(lines[0]!).code).toBe('abc');
  });

  it('masks a secret that JSON escapes (quotes, backslashes)', () => {
    const secret = 'pa"ss\\word';
    const { log, lines } = capture('info', [secret]);
    log.info('x', { s: `before ${secret} after` });
    expect(JSON.parse(lines[0]!).s).toBe('before [redacted] after');
  });

  it('masks token-looking values whoever configured them', () => {
    const { log, parsed } = capture('info');
    log.warn('slack said no to xoxb-123-456-abcDEF', {
      app: 'xapp-1-A0-123-abc',
      key: 'sk-ant-api03-AbC_d-e',
      header: 'Authorization: Bearer eyJhbGciOi.J9.x',
      user: 'xoxp-9-9-9',
    });
    const [l] = parsed();
    expect(l).toMatchObject({
      msg: 'slack said no to [redacted]',
      app: '[redacted]',
      key: '[redacted]',
      header: 'Authorization: [redacted]',
      user: '[redacted]',
    });
  });

  it('strips control characters from messages', () => {
    const { log, parsed } = capture('info');
    log.info('line one\nline two\t\u001b[31mred\u0007');
    expect(parsed()[0]!.msg).toBe('line one line two [31mred');
  });

  it('child loggers add their fields; a field cannot replace level or msg', () => {
    const { log, parsed } = capture('info');
    log.child({ queue: 'turns' }).child({ job: 'a' }).info('x', { level: 'fake', n: 1 });
    expect(parsed()[0]).toMatchObject({
      level: 'info',
      msg: 'x',
      queue: 'turns',
      job: 'a',
      _level: 'fake',
      n: 1,
    });
  });

  it('serialises errors, bigints, bytes and cycles without throwing', () => {
    const { log, parsed } = capture('info');
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    log.error('boom', { error: new Error('bad thing'), big: 10n, bytes: new Uint8Array(3), cyc });
    expect(parsed()[0]).toMatchObject({
      error: { name: 'Error', message: 'bad thing' },
      big: '10',
      bytes: '[3 bytes]',
      cyc: { a: 1, self: '[circular]' },
    });
  });
});

/**
 * Cron expressions of the inventory are checked field by field at start-up (tools/inventory/cron.ts): an
 * out-of-range value used to pass and then kill the worker with BullMQ's "Constraint error" (exit 1)
 * instead of the inventory's one line naming the entry and field (exit 2).
 */
import { getNextMillis } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { cronProblem } from '../../tools/inventory/cron.ts';
import { InventoryError, parseInventory } from '../../tools/inventory/load.ts';

const FP = `SHA256:${'A'.repeat(43)}`;
const inventory = (cron: string) =>
  [
    'hosts:',
    `  - { name: a, address: 10.0.0.1, user: u, key: /k, hostKey: "${FP}", groups: [gpu] }`,
    'channels:',
    `  - { surface: slack, id: C01, groups: [gpu], digest: { cron: "${cron}", tz: Asia/Seoul } }`,
  ].join('\n');

describe('cron expressions', () => {
  const good = [
    '0 9 * * *',
    '*/15 * * * *',
    '0 9 * * MON-FRI',
    '30 8 1,15 * *',
    '0 0 L * *',
    '0 9 * * 1#2',
    '0 9 * * 5L',
    '0 0 1 JAN,jul *',
    '*/1 * * * * *',
    '0 10-50/10 9 * * ?',
    '0 9 * * 7',
  ];
  const bad: [string, RegExp][] = [
    ['0 25 * * *', /hour field: 25 is out of range for the hour \(0-23\)/],
    ['61 * * * *', /minute field: 61 is out of range/],
    ['0 9 32 13 *', /day of month field: 32 is out of range/],
    ['*/0 * * * *', /a step must be at least 1/],
    ['0 9 * * 8', /day of week field: 8 is out of range/],
    ['0 9 * FOO *', /'FOO' is not a month/],
    ['0 9-5 * * *', /runs backwards/],
    ['0 9 * *', /has 4 fields/],
    ['60 0 9 * * *', /second field: 60 is out of range/],
    ['0 0 15W * *', /'15W' is not a day of month/],
    ['0 9 * * L', /'L' is not a day of week/],
  ];

  it('accepts what the scheduler accepts, and refuses what it refuses', () => {
    for (const c of good) expect(cronProblem(c), c).toBeNull();
    for (const [c, re] of bad) expect(cronProblem(c), c).toMatch(re);
    // the same verdicts as BullMQ's own parser (the one a job scheduler runs)
    for (const c of good)
      expect(() => getNextMillis(Date.now(), { pattern: c, tz: 'Asia/Seoul' }), c).not.toThrow();
    for (const [c] of bad.filter(([c]) => c.split(' ').length >= 5))
      expect(() => getNextMillis(Date.now(), { pattern: c, tz: 'Asia/Seoul' }), c).toThrow();
  });

  it('an out-of-range cron stops the inventory with one line naming the entry and field', () => {
    let err: unknown;
    try {
      parseInventory(inventory('0 25 * * *'), 'inv.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InventoryError);
    expect(String((err as Error).message)).toContain(
      "inv.yaml: channels[0] (C01).digest.cron: '0 25 * * *' is not a valid cron expression: hour field: 25 is out of range for the hour (0-23)",
    );
    expect(() => parseInventory(inventory('0 9 * * MON-FRI'), 'inv.yaml')).not.toThrow();
  });
});

/**
 * A collection that succeeds while the host could not run some of the collector's commands says so: the
 * line of `infralens collect` counts the warnings, `--json` lists them, and a MIG listing on a host
 * without MIG GPUs (exit 6 by design) is not one of them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { type FakeFleet, recorded, startFakeFleet } from '../helpers/ssh-server.ts';

let fleet: FakeFleet;
let config: string;
const tmp = mkdtempSync(join(tmpdir(), 'infralens-collect-warn-'));

/** the recorded H200 bundle as a host without numactl would give it */
function withoutNumactl(bundle: string): string {
  const token = /token=([0-9a-f]+)/.exec(bundle)![1]!;
  const start = bundle.indexOf(`### infralens:section numactl-H token=${token}`);
  const endLine = `### infralens:end numactl-H token=${token} rc=0\n`;
  const end = bundle.indexOf(endLine, start) + endLine.length;
  return `${bundle.slice(0, start)}### infralens:section numactl-H token=${token}\n### infralens:end numactl-H token=${token} missing\n${bundle.slice(end)}`;
}

beforeAll(async () => {
  fleet = await startFakeFleet([
    { name: 'full', extra: { groups: ['lab'] } },
    {
      name: 'no-numactl',
      bundle: withoutNumactl(recorded('baremetal-h200.txt')),
      extra: { groups: ['lab'] },
    },
  ]);
  config = join(tmp, 'inventory.yaml');
  writeFileSync(config, fleet.inventoryYaml());
});
afterAll(() => fleet?.close());
afterEach(() => vi.unstubAllEnvs());

describe('infralens collect: what the host could not run', () => {
  it('counts and lists the warnings of a host that lacks a command; none for a complete one', async () => {
    vi.stubEnv('INFRALENS_CONFIG', config);
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:1'); // no history here: collect still collects
    const text = await runCli(['collect']);
    expect(text.status).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('full '))).toMatch(
      /^full +ok +8 GPUs, score [\d.]+ \([A-F]\) \([^)]*\d+ ms\)$/,
    );
    expect(lines.find((l) => l.startsWith('no-numactl '))).toMatch(/ok +8 GPUs, .*, 1 warning\)$/);
    const json = JSON.parse((await runCli(['collect', '--json'])).stdout);
    const byName = Object.fromEntries(json.hosts.map((h: { host: string }) => [h.host, h]));
    expect(byName.full.warnings).toEqual([]);
    expect(byName['no-numactl'].warnings).toEqual([expect.stringMatching(/^numactl-H: .*not installed/)]);
  }, 60_000);
});

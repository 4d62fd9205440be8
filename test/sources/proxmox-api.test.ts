/**
 * The Proxmox API source (tools/sources/proxmox-api.ts) against the fake Proxmox VE API on loopback
 * (test/fakes/proxmox-api.ts: real HTTPS with a cluster CA made by openssl, the token check, Proxmox's
 * privilege rules): the files it renders go through the real ingest and analysis into the VM ↔ GPU ↔ NUMA
 * map; TLS pinning and CA trust; every error kind, one line naming the cluster and never the secret;
 * hostile answers staying bounded and inert.
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeFleet } from '../../scoring/analyze.ts';
import { ConfigError } from '../../tools/errors.ts';
import { type InputFile, ingest } from '../../tools/ingest/index.ts';
import { ingestProxmoxFleet } from '../../tools/ingest/proxmox-fleet.ts';
import { SourceError } from '../../tools/sources/prometheus.ts';
import {
  type FetchClusterOptions,
  fetchCluster,
  PROXMOX_LIMITS,
  type ProxmoxCluster,
  type ProxmoxSource,
  renderPciMapping,
  renderQmConfig,
} from '../../tools/sources/proxmox-api.ts';
import { FAKE_TOKENS, type FakeProxmox, opensslMissing, startFakeProxmox } from '../fakes/proxmox-api.ts';
import { fleetFile, GUEST_VMIDS } from '../helpers/fleet-proxmox.ts';
import { freePort } from '../helpers/net.ts';

const HGX = 'pve-hgx-01';
const RTX = 'pve-4029gp';
const { auditor } = FAKE_TOKENS;

let fake: FakeProxmox | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function start(): Promise<FakeProxmox> {
  fake = await startFakeProxmox();
  return fake;
}

const source = (f: FakeProxmox, over: Partial<ProxmoxSource> = {}): ProxmoxSource => ({
  url: f.url,
  tokenId: auditor.tokenId,
  secret: auditor.secret,
  fingerprint: f.fingerprint,
  ...over,
});

/** the rejection of `p`, which must reject */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

async function sourceError(p: Promise<unknown>, kind: SourceError['kind']): Promise<SourceError> {
  const e = await failure(p);
  expect(e).toBeInstanceOf(SourceError);
  const se = e as SourceError;
  expect(se.kind).toBe(kind);
  for (const line of [se.message, se.messageKo]) {
    expect(line).not.toContain(auditor.secret);
    expect(line).not.toContain(FAKE_TOKENS.vmsOnly.secret);
    expect(line).not.toMatch(/[\n\r]/);
  }
  return se;
}

const nodeFiles = (r: ProxmoxCluster, node: string): InputFile[] =>
  r.files.filter((f) => f.name.startsWith(`pve-api/${node}/`));

/** Each node's files ingested on their own (the formats carry no host), then analysed as `analyze` does. */
function analyse(r: ProxmoxCluster) {
  const snapshots = r.nodes.map((node) => {
    const { snapshot, rejected } = ingest(nodeFiles(r, node), { host: node });
    expect(rejected.map((x) => x.error.describe())).toEqual([]);
    return snapshot;
  });
  return analyzeFleet(snapshots);
}

/** host → bus id → [NUMA node, the workloads on it] */
function gpuMap(
  a: ReturnType<typeof analyzeFleet>,
): Record<string, Record<string, [number | null, string[]]>> {
  return Object.fromEntries(
    a.hosts.map((h) => [h.host, Object.fromEntries(h.gpus.map((g) => [g.busId, [g.numaNode, g.workloads]]))]),
  );
}

const HGX_MAP = {
  '0000:1b:00.0': ['train-llm'],
  '0000:43:00.0': ['train-llm'],
  '0000:52:00.0': ['train-llm'], // through the PCI mapping h100-52
  '0000:61:00.0': ['train-llm'],
  '0000:9d:00.0': ['infer-chat'],
  '0000:c3:00.0': ['infer-chat'],
  '0000:d1:00.0': [],
  '0000:df:00.0': [],
};
const RTX_BUSES = ['1a', '1b', '3d', '3e', '88', '89', 'b1', 'b2'].map((b) => `0000:${b}:00.0`);

const withNuma = (m: Record<string, string[]>, numa: (bus: string) => number | null) =>
  Object.fromEntries(Object.entries(m).map(([bus, w]) => [bus, [numa(bus), w]]));

describe.skipIf(opensslMissing !== null)(
  `Proxmox API source against a fake cluster${opensslMissing ? ` (skipped: ${opensslMissing})` : ''}`,
  () => {
    it('reads the cluster through the pinned certificate into files the real ingest maps VM ↔ GPU ↔ NUMA', async () => {
      const f = await start();
      const r = await fetchCluster(source(f));

      expect(r.nodes).toEqual([RTX, HGX]); // pve-spare is offline
      expect(r.vms).toEqual([
        { node: RTX, vmid: 122, name: 'AI-122', status: 'running', gpus: 8 },
        { node: HGX, vmid: 101, name: 'train-llm', status: 'running', gpus: 4 },
        { node: HGX, vmid: 102, name: 'infer-chat', status: 'running', gpus: 2 },
      ]);
      expect(r.files.map((x) => [x.name, x.vmid])).toEqual([
        [`pve-api/${RTX}/hardware-pci.txt`, undefined],
        [`pve-api/${RTX}/qemu-122.conf`, 122],
        [`pve-api/${HGX}/hardware-pci.txt`, undefined],
        [`pve-api/${HGX}/mapping-pci.cfg`, undefined],
        [`pve-api/${HGX}/qemu-101.conf`, 101],
        [`pve-api/${HGX}/qemu-102.conf`, 102],
      ]);
      expect(r.warnings).toEqual([
        'node pve-spare is offline: its VMs are not read',
        `node ${HGX}: 1 template(s) left out (a template never runs)`,
        'the Proxmox API does not give the NUMA node of a PCI device: the GPUs read from it have no NUMA node unless the node is also collected over SSH (sysfs)',
      ]);

      // the map, through the real ingest and analysis: every GPU of each node, the VM holding it, NUMA unknown
      const a = analyse(r);
      expect(gpuMap(a)).toEqual({
        [RTX]: Object.fromEntries(RTX_BUSES.map((b) => [b, [null, ['AI-122']]])),
        [HGX]: withNuma(HGX_MAP, () => null),
      });
      const hgx = a.hosts.find((h) => h.host === HGX)!;
      expect(hgx.workloads.map((w) => [w.name, w.vm?.vmid, w.kind])).toEqual([
        ['train-llm', 101, 'training'],
        ['infer-chat', 102, 'inference'],
      ]);

      // read-only: GETs with the token, the offline node and the template never asked for
      expect(
        f.requests.every((q) => q.method === 'GET' && q.tokenId === auditor.tokenId && q.status === 200),
      ).toBe(true);
      const paths = f.requests.map((q) => q.path).sort();
      expect(paths).toEqual(
        [
          '/cluster/mapping/pci',
          '/nodes',
          `/nodes/${HGX}/hardware/pci`,
          `/nodes/${HGX}/qemu`,
          `/nodes/${HGX}/qemu/101/config`,
          `/nodes/${HGX}/qemu/102/config`,
          `/nodes/${RTX}/hardware/pci`,
          `/nodes/${RTX}/qemu`,
          `/nodes/${RTX}/qemu/122/config`,
        ].sort(),
      );
      expect(f.maxInFlight).toBeLessThanOrEqual(PROXMOX_LIMITS.concurrency);
    });

    it('gives the map the SSH bundle of the same host gives; NUMA comes from its sysfs (the API has none)', async () => {
      const f = await start();
      const r = await fetchCluster(source(f));
      const bundle = fleetFile('pve-host.txt');

      const sshOnly = analyzeFleet([ingest([bundle]).snapshot]);
      const numa = (bus: string) => (['1b', '43', '52', '61'].includes(bus.slice(5, 7)) ? 0 : 1);
      expect(gpuMap(sshOnly)[HGX]).toEqual(withNuma(HGX_MAP, numa));

      // the API's files next to the bundle: the same VMs (merged by name), the bundle's NUMA nodes
      const both = ingest([...nodeFiles(r, HGX), bundle], { host: HGX });
      expect(both.rejected).toEqual([]);
      const a = analyzeFleet([both.snapshot]);
      expect(gpuMap(a)[HGX]).toEqual(withNuma(HGX_MAP, numa));
      expect(both.snapshot.workloads.map((w) => w.name)).toEqual(['train-llm', 'infer-chat']);
      expect(both.snapshot.conflicts.filter((c) => c.subject.startsWith('workload:'))).toEqual([]);
    });

    it("stands in for the host's bundle when the guests' views are merged onto its GPUs", async () => {
      const f = await start();
      const r = await fetchCluster(source(f));
      const guests = GUEST_VMIDS.map((vmid) => ({ vmid, files: [fleetFile(`pve-guest-${vmid}.txt`)] }));
      const viaApi = ingestProxmoxFleet(nodeFiles(r, HGX), guests, { host: HGX }).snapshot;
      const viaSsh = ingestProxmoxFleet([fleetFile('pve-host.txt')], guests).snapshot;
      const util = (s: typeof viaApi) => s.gpus.map((g) => [g.busId, g.utilization.gpuPct, g.uuid]);
      expect(util(viaApi)).toEqual(util(viaSsh));
      expect(viaApi.gpus.filter((g) => g.utilization.gpuPct !== null)).toHaveLength(6);
    });

    it('renders each VM config as `qm config` prints it', async () => {
      const f = await start();
      const r = await fetchCluster(source(f));
      const api101 = String(r.files.find((x) => x.name.endsWith('qemu-101.conf'))!.content).split('\n');
      // the bundle's /etc/pve/qemu-server/101.conf holds the same keys; its `#` comment is the description
      const section = /### infralens:section pve-qemu-server\/101\.conf \S+\n([\s\S]*?)\n\n### infralens:end/
        .exec(String(fleetFile('pve-host.txt').content))![1]!
        .split('\n');
      expect(api101.filter((l) => l !== '' && !l.startsWith('description:'))).toEqual(
        section.filter((l) => !l.startsWith('#')),
      );
      expect(api101).toContain('description: LLM pre-training (4x H100, NUMA node 0)');

      const { text, notes } = renderQmConfig({
        numa: true,
        digest: 'c0ffee',
        description: 'line one: x\nline two ü',
        cores: 4,
        cpulimit: 1.5,
        'bad key': '1',
        nested: { a: 1 },
        empty: null,
      });
      expect(text).toBe('cores: 4\ncpulimit: 1.5\ndescription: line one%3A x%0Aline two %C3%BC\nnuma: 1\n');
      expect(notes).toEqual([
        '1 key(s) that are not config keys left out',
        '1 value(s) that are not text or numbers left out',
      ]);
    });

    it('renders only the entries of the node asked for from a PCI mapping', () => {
      const mappings = [
        {
          id: 'gpu-a',
          map: [
            'id=10de:2330,iommugroup=41,node=pve1,path=0000:52:00.0',
            'id=10de:2330,iommugroup=12,node=pve2,path=0000:17:00.0;0000:18:00.0',
            'node=pve1,path=0000:d1:00.0\n\tmap node=pve1,path=0000:df:00.0',
          ],
        },
        { id: 'gpu-b', map: ['node=pve2,path=0000:3d:00.0'] },
      ];
      const one = renderPciMapping(mappings, 'pve1');
      expect(one.text).toBe('gpu-a\n\tmap id=10de:2330,iommugroup=41,node=pve1,path=0000:52:00.0\n');
      expect([...one.paths]).toEqual([['gpu-a', ['0000:52:00.0']]]);
      expect(one.notes).toEqual([
        'PCI mapping gpu-a: an entry that is not a one-line property string left out',
      ]);
      const two = renderPciMapping(mappings, 'pve2');
      expect([...two.paths]).toEqual([
        ['gpu-a', ['0000:17:00.0', '0000:18:00.0']],
        ['gpu-b', ['0000:3d:00.0']],
      ]);
      expect(renderPciMapping(mappings, 'pve3').text).toBeNull();
    });

    describe('TLS', () => {
      it('a wrong pin is refused before anything is sent, naming the fingerprint seen and the one expected', async () => {
        const f = await start();
        const wrong = `${f.fingerprint.startsWith('00') ? '11' : '00'}${f.fingerprint.slice(2)}`;
        const e = await sourceError(fetchCluster(source(f, { fingerprint: wrong })), 'tls');
        expect(e.message).toContain(`Proxmox API ${f.url}:`);
        expect(e.message).toContain(`fingerprint ${f.fingerprint}, not the pinned ${wrong}`);
        expect(e.message).toContain('pvenode cert info');
        expect(e.messageKo).toContain(f.fingerprint);
        expect(f.requests).toEqual([]); // the token never reached the server
      });

      it('the pin is accepted however it is written (lower case, no colons)', async () => {
        const f = await start();
        const r = await fetchCluster(
          source(f, { fingerprint: f.fingerprint.replace(/:/g, '').toLowerCase() }),
        );
        expect(r.vms).toHaveLength(3);
      });

      it('a CA file is trusted; with it, a pinned fingerprint must match too', async () => {
        const f = await start();
        const { fingerprint: _, ...unpinned } = source(f);
        const r = await fetchCluster({ ...unpinned, caFile: f.caFile });
        expect(r.vms.map((v) => v.vmid)).toEqual([122, 101, 102]);
        const wrong = f.fingerprint.replace(/^../, f.fingerprint.startsWith('AB') ? 'CD' : 'AB');
        await sourceError(fetchCluster(source(f, { caFile: f.caFile, fingerprint: wrong })), 'tls');
      });

      it('neither pin nor CA: the self-signed cluster is not trusted, and the message says what to give', async () => {
        const f = await start();
        const { fingerprint: _, ...plain } = source(f);
        const e = await sourceError(fetchCluster(plain), 'tls');
        expect(e.message).toMatch(
          /certificate is not trusted \(.+\): give the cluster CA file \(\/etc\/pve\/pve-root-ca\.pem\) or pin/,
        );
        expect(f.requests).toEqual([]);
      });
    });

    describe('errors: one line, naming the cluster, never the secret', () => {
      it('a wrong secret is an auth failure', async () => {
        const f = await start();
        const e = await sourceError(fetchCluster(source(f, { secret: FAKE_TOKENS.vmsOnly.secret })), 'auth');
        expect(e.message).toBe(
          `Proxmox API ${f.url}: authentication failure (HTTP 401 authentication failure): check the token id ${auditor.tokenId} and its secret, and that the token has not expired or been removed`,
        );
        expect(e.messageKo).toContain('인증 실패');
        expect(e.host).toBe(new URL(f.url).host);
        expect(f.requests.map((q) => q.status)).toContain(401);
      });

      it('a token without Sys.Audit: the 403 of hardware/pci names the privilege', async () => {
        const f = await start();
        const { tokenId, secret } = FAKE_TOKENS.vmsOnly;
        const e = await sourceError(fetchCluster(source(f, { tokenId, secret })), 'auth');
        expect(e.message).toContain(`the token ${tokenId} lacks Sys.Audit on / (GET /nodes/`);
        expect(e.message).toContain('HTTP 403 Permission check failed (/, Sys.Audit|Sys.Modify)');
        expect(e.message).toContain('PVEAuditor');
      });

      it('a 403 on a VM config names VM.Audit on that VM', async () => {
        const f = await start();
        f.fault(`/nodes/${HGX}/qemu/102/config`, {
          kind: 'status',
          status: 403,
          message: 'Permission check failed (/vms/102, VM.Audit)',
        });
        const e = await sourceError(fetchCluster(source(f)), 'auth');
        expect(e.message).toContain(
          `lacks VM.Audit on /vms/102 (GET /nodes/${HGX}/qemu/102/config: HTTP 403`,
        );
      });

      it('a request that hangs is a timeout naming it', async () => {
        const f = await start();
        f.fault(`/nodes/${RTX}/qemu`, { kind: 'hang' });
        const t0 = Date.now();
        const e = await sourceError(fetchCluster(source(f, { timeoutMs: 400 })), 'timeout');
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(e.message).toBe(`Proxmox API ${f.url}: no answer within 0.4 s to GET /nodes/${RTX}/qemu`);
      });

      it('the whole read is bounded in time too', async () => {
        const f = await start();
        f.fault(/\/config$/, { kind: 'hang' });
        const t0 = Date.now();
        const e = await sourceError(
          fetchCluster(source(f, { timeoutMs: 10_000 }), { limits: { overallTimeoutMs: 500 } }),
          'timeout',
        );
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(e.message).toMatch(/the read did not finish within 0\.5 s \(at GET \/nodes\/.+\/config\)/);
      });

      it('a server that is down is unreachable', async () => {
        const port = await freePort();
        const e = await sourceError(
          fetchCluster({
            url: `https://127.0.0.1:${port}`,
            tokenId: auditor.tokenId,
            secret: auditor.secret,
            fingerprint: 'AA:'.repeat(31) + 'AA',
          }),
          'unreachable',
        );
        expect(e.message).toBe(
          `Proxmox API https://127.0.0.1:${port}: cannot connect: connection refused (is pveproxy running, is the port 8006?)`,
        );
      });

      it('a server that accepts but never finishes the TLS handshake is a timeout', async () => {
        const sockets = new Set<Socket>();
        const silent = createServer((sock) => void sockets.add(sock));
        await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
        const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
        try {
          for (const fingerprint of ['AA:'.repeat(31) + 'AA', undefined]) {
            const { fingerprint: _, ...base } = {
              url,
              tokenId: auditor.tokenId,
              secret: auditor.secret,
              fingerprint,
            };
            const e = await sourceError(
              fetchCluster(fingerprint ? { ...base, fingerprint } : base, {
                limits: { requestTimeoutMs: 300 },
              }),
              'timeout',
            );
            expect(e.message).toBe(`Proxmox API ${url}: no answer within 0.3 s to GET /nodes`);
          }
        } finally {
          for (const s of sockets) s.destroy();
          await new Promise((r) => silent.close(r));
        }
      });

      it('an error status is a bad response naming it', async () => {
        const f = await start();
        f.fault('/nodes', { kind: 'status', status: 500, message: 'internal error' });
        const e = await sourceError(fetchCluster(source(f)), 'bad_response');
        expect(e.message).toBe(`Proxmox API ${f.url}: GET /nodes: HTTP 500 internal error`);
      });

      it('a huge answer is cut at the cap, in bounded time', async () => {
        const f = await start();
        f.fault('/nodes', { kind: 'huge', bytes: 256 * 1024 * 1024 });
        const t0 = Date.now();
        const e = await sourceError(
          fetchCluster(source(f), { limits: { maxResponseBytes: 2 * 1024 * 1024 } }),
          'bad_response',
        );
        expect(Date.now() - t0).toBeLessThan(10_000);
        expect(e.message).toBe(`Proxmox API ${f.url}: GET /nodes: the answer is larger than 2 MiB`);
      });

      it('a node the cluster cannot reach (595) is a warning; the other nodes are read', async () => {
        const f = await start();
        f.fault(`/nodes/${RTX}/qemu`, {
          kind: 'status',
          status: 595,
          message: 'Errors during connection establishment, proxy handshake: No route to host',
        });
        const r = await fetchCluster(source(f));
        expect(r.vms.map((v) => v.vmid)).toEqual([101, 102]);
        expect(r.files.some((x) => x.name.startsWith(`pve-api/${RTX}/`))).toBe(false);
        expect(r.warnings).toContain(
          `node ${RTX} did not answer through the cluster (GET /nodes/${RTX}/qemu: HTTP 595 Errors during connection establishment, proxy handshake: No route to host): its VMs are not read`,
        );
      });

      it('a cluster without PCI mappings (PVE < 8: 501): the mapped GPU is unresolved and said so', async () => {
        const f = await start();
        f.fault('/cluster/mapping/pci', {
          kind: 'status',
          status: 501,
          message: "Method 'GET /cluster/mapping/pci' not implemented",
        });
        const r = await fetchCluster(source(f));
        expect(r.vms.find((v) => v.vmid === 101)!.gpus).toBe(3);
        expect(r.warnings).toContain(
          'GET /cluster/mapping/pci: HTTP 501: no PCI mappings read (Proxmox VE before 8.0 has none)',
        );
        expect(r.warnings).toContain(
          `node ${HGX}: VM 101 hostpci2 uses PCI mapping 'h100-52', which has no entry for this node or which the token cannot see (Mapping.Audit on /mapping/pci)`,
        );
      });

      it("the caller's signal aborts the read with its reason", async () => {
        const f = await start();
        f.fault('/nodes', { kind: 'hang' });
        const ac = new AbortController();
        const p = fetchCluster(source(f), { signal: ac.signal });
        setTimeout(() => ac.abort(new Error('shutting down')), 100);
        expect((await failure(p)).message).toBe('shutting down');
      });
    });

    describe('configuration', () => {
      it('refuses a bad source before any request, never echoing the secret', async () => {
        const f = await start();
        const bad: [Partial<ProxmoxSource>, RegExp][] = [
          [{ tokenId: 'infralens@pve' }, /tokenId 'infralens@pve' must be user@realm!tokenname/],
          [{ tokenId: 'a b@pve!x' }, /must be user@realm!tokenname/],
          [{ url: f.url.replace('https', 'http') }, /must be https:\/\//],
          [{ url: f.url.replace('https://', 'https://root:pw@') }, /must not hold a user or password/],
          [{ url: 'not a url' }, /is not a URL/],
          [{ secret: 'has space' }, /must be the token's secret/],
          [{ secret: `${auditor.secret}\r\nX-Evil: 1` }, /must be the token's secret/],
          [{ fingerprint: 'AA:BB' }, /fingerprint must be a SHA-256 fingerprint/],
          [{ nodes: ['../etc'] }, /node '..\/etc' is not a node name/],
        ];
        for (const [over, re] of bad) {
          const e = await failure(fetchCluster(source(f, over)));
          expect(e, JSON.stringify(over)).toBeInstanceOf(ConfigError);
          expect(e.message).toMatch(re);
          expect(e.message).not.toContain(auditor.secret);
          expect(e.message).not.toContain('pw');
        }
        const withFetch: FetchClusterOptions = { fetch: globalThis.fetch };
        expect(await failure(fetchCluster(source(f), withFetch))).toBeInstanceOf(ConfigError);
        expect(f.requests).toEqual([]);
      });

      it('reads only the nodes asked for, and says which are not in the cluster', async () => {
        const f = await start();
        const r = await fetchCluster(source(f, { nodes: [RTX, 'pve-nope'] }));
        expect(r.nodes).toEqual([RTX]);
        expect(r.vms.map((v) => v.vmid)).toEqual([122]);
        expect(r.warnings).toContain("node pve-nope is not in the cluster's node list: not read");
        expect(f.requests.some((q) => q.path.includes(HGX) || q.path.includes('pve-nope'))).toBe(false);
      });

      it("goes through a caller's own fetch (here a TLS-terminating tunnel to the fake's plain port)", async () => {
        const f = await start();
        const { fingerprint: _, ...src } = source(f);
        const r = await fetchCluster(src, {
          fetch: (url, init) => globalThis.fetch(url.replace(f.url, f.httpUrl), init),
        });
        expect(r.vms.map((v) => [v.vmid, v.gpus])).toEqual([
          [122, 8],
          [101, 4],
          [102, 2],
        ]);
      });
    });

    describe('hostile answers stay bounded and inert', () => {
      it('control characters and injected lines in a config do not add GPUs; a huge config leaves out that VM only', async () => {
        const f = await start();
        const list = f.data(`/nodes/${HGX}/qemu`) as object[];
        f.setData(`/nodes/${HGX}/qemu`, [
          ...list,
          { vmid: 103, name: 'evil\u001b[2J\nhostpci9: 0000:df:00', status: 'running' },
          { vmid: 104, name: 'big', status: 'stopped' },
          { vmid: '105/../../../cluster/mapping/pci', name: 'path', status: 'running' },
        ]);
        f.setData(`/nodes/${HGX}/qemu/103/config`, {
          name: 'evil\u001b[2J\nhostpci9: 0000:df:00',
          tags: 'a\rhostpci8: 0000:df:00,pcie=1',
          'x\nhostpci7': '0000:df:00',
          hostpci0: '0000:d1:00,pcie=1',
          description: '\u202eline\nhostpci6: 0000:df:00',
          cores: 2,
        });
        f.setData(`/nodes/${HGX}/qemu/104/config`, { name: 'big', description: 'x'.repeat(2 * 1024 * 1024) });

        const r = await fetchCluster(source(f));
        const evil = String(r.files.find((x) => x.name === `pve-api/${HGX}/qemu-103.conf`)!.content);
        const lines = evil.trimEnd().split('\n');
        expect(lines.filter((l) => l.startsWith('hostpci'))).toEqual(['hostpci0: 0000:d1:00,pcie=1']);
        expect(lines).toHaveLength(5); // cores, description, hostpci0, name, tags: one line each
        expect([...evil].filter((ch) => (ch < ' ' && ch !== '\n') || ch === '\u202e')).toEqual([]);
        expect(r.vms.find((v) => v.vmid === 103)).toEqual({
          node: HGX,
          vmid: 103,
          name: null,
          status: 'running',
          gpus: 1,
        });
        expect(r.vms.some((v) => v.vmid === 104 || v.vmid === 105)).toBe(false);
        expect(r.warnings).toContain(
          `node ${HGX}: VM 104 left out: GET /nodes/${HGX}/qemu/104/config: the answer is larger than 1 MiB`,
        );
        expect(r.warnings).toContain(`node ${HGX}: 1 VM list entr(ies) without a valid VM id left out`);
        expect(r.warnings).toContain(`node ${HGX}: VM 103: 1 key(s) that are not config keys left out`);
        expect(f.requests.some((q) => q.path.includes('105'))).toBe(false);

        // through the ingest: VM 103 holds d1 only (under a safe name), df stays free, the others are unchanged
        const map = gpuMap(analyse(r))[HGX]!;
        expect(map['0000:d1:00.0']).toEqual([null, ['vm-103']]);
        expect(map['0000:df:00.0']).toEqual([null, []]);
        expect(map['0000:52:00.0']).toEqual([null, ['train-llm']]);
      });

      it('a hostile node name is never put in a URL', async () => {
        const f = await start();
        const nodes = f.data('/nodes') as object[];
        f.setData('/nodes', [
          ...nodes,
          { node: '../../access/users', status: 'online' },
          { node: 'a\nb', status: 'online' },
        ]);
        const r = await fetchCluster(source(f));
        expect(r.nodes).toEqual([RTX, HGX]);
        expect(r.warnings).toContain("node '../../access/users' is not a node name: left out");
        expect(f.requests.every((q) => !q.path.includes('access') && !q.path.includes('a\nb'))).toBe(true);
      });

      it('VMs beyond the per-node cap are named in a warning, not read', async () => {
        const f = await start();
        const r = await fetchCluster(source(f), { limits: { maxVmsPerNode: 1 } });
        expect(r.vms.map((v) => v.vmid)).toEqual([122, 101]);
        expect(r.warnings).toContain(`node ${HGX}: 2 VMs; the first 1 by id are read (VMs 102–102 left out)`);
        expect(f.requests.some((q) => q.path.endsWith('/102/config'))).toBe(false);
      });
    });
  },
);

describe('samples/proxmox-api', () => {
  it('the real outputs it names are unchanged copies of the shared fixtures', () => {
    for (const name of [
      'lspci-Dnn-hgx-h100-host-4nvswitch-8gpu.txt',
      'qm-config-101-grep-hostpci-8x-rtx3080-20gb-supermicro-4029gp-2socket.txt',
    ])
      expect(readFileSync(new URL(`../../samples/proxmox-api/real/${name}`, import.meta.url), 'utf8')).toBe(
        readFileSync(new URL(`../../samples/real/proxmox/${name}`, import.meta.url), 'utf8'),
      );
  });
});

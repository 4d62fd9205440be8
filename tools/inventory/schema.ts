/**
 * The fleet inventory (`INFRALENS_CONFIG`, one YAML file): hosts to collect from over SSH, the chat
 * channels that see them, digest and alert settings. Written once in zod (strict objects, defaults
 * filled); cross-checks that need the whole file (unique names, jump hosts, guests, channel groups,
 * a pinned host key) run in `superRefine`, each issue pointing at the entry and the field.
 *
 * The parsed `Inventory` is resolved: every host carries its user, port and key or agent, with the
 * `defaults:` block already applied, so consumers never look at `defaults` again.
 */
import { z } from 'zod';
import { cronProblem } from './cron.ts';

/** Host, group and channel-visible names: `[A-Za-z0-9._-]{1,63}`. */
export const NAME_RE = /^[A-Za-z0-9._-]{1,63}$/;
/** An OpenSSH SHA256 fingerprint: `SHA256:` + base64 of 32 bytes without padding (43 characters). */
export const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;
/** A host name (RFC 1123 labels), an IPv4 address or an IPv6 address (no brackets). */
const ADDRESS_RE =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]{2,45})$/;
/** a Unix user name as sshd accepts it */
const USER_RE = /^[A-Za-z_][A-Za-z0-9._-]{0,31}\$?$/;

const name = z.string().regex(NAME_RE, 'must match [A-Za-z0-9._-]{1,63}');
const port = z.number().int().min(1).max(65535);
const user = z.string().regex(USER_RE, 'must be a Unix user name');
const path = z.string().min(1).max(4096);

export const ROLES = ['baremetal', 'proxmox', 'guest'] as const;
export type HostRole = (typeof ROLES)[number];

const defaultsSchema = z.strictObject({
  user: user.optional(),
  port: port.optional(),
  /** private key file; `~/` is the home folder, a relative path is relative to the inventory file */
  key: path.optional(),
  /** authenticate with the ssh-agent (SSH_AUTH_SOCK, read by the entry point) */
  agent: z.boolean().optional(),
  /** a known_hosts file used for every host that pins nothing itself */
  knownHosts: path.optional(),
});

export const collectionSchema = z.strictObject({
  connectTimeoutSec: z.number().positive().max(300).default(10),
  commandTimeoutSec: z.number().positive().max(3600).default(120),
  outputCapMiB: z.number().positive().max(256).default(16),
  concurrency: z.number().int().min(1).max(1024).default(32),
  retries: z.number().int().min(0).max(10).default(2),
  /** 0 turns keepalive off */
  keepaliveSec: z.number().min(0).max(3600).default(15),
});

/** Label names as Prometheus allows them. */
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/, 'must be a Prometheus label name');
const groupRef = z.union([z.literal('*'), name]);
const httpUrl = z.url({ protocol: /^https?$/ }).max(500);

/**
 * A Prometheus server holding dcgm-exporter series (issue 15): hosts use it by name (`prometheus:` on the
 * host) or by group (`groups:`). Secrets are files, read when a window is fetched (never in the YAML).
 */
export const prometheusSchema = z
  .strictObject({
    name,
    url: httpUrl,
    /** a file holding a bearer token */
    bearerFile: path.optional(),
    /** HTTP basic authentication, the password in a file */
    basic: z.strictObject({ user: z.string().min(1).max(200), passwordFile: path }).optional(),
    /** a PEM CA bundle for an https URL with a private CA */
    caFile: path.optional(),
    /** the default window: 24h, 7d, yesterday, this week … */
    window: z.string().max(40).default('24h'),
    /** label names of the dcgm-exporter series when they differ from dcgm-exporter's */
    labels: z
      .strictObject({
        hostname: labelName.optional(),
        uuid: labelName.optional(),
        gpu: labelName.optional(),
        gpuInstanceId: labelName.optional(),
        gpuInstanceProfile: labelName.optional(),
      })
      .default({}),
    /** the host groups whose hosts use this server (`*`: every host) */
    groups: z.array(groupRef).max(64).default([]),
    timeoutSec: z.number().positive().max(300).default(15),
  })
  .refine((p) => !(p.bearerFile && p.basic), { message: 'give either bearerFile or basic, not both' });

/** A Proxmox VE cluster read through its API with a read-only token (issue 15). */
export const proxmoxApiSchema = z.strictObject({
  name,
  url: z.url({ protocol: /^https$/ }).max(500),
  /** `user@realm!tokenname` */
  tokenId: z
    .string()
    .max(200)
    .regex(/^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9._-]*$/, 'must be user@realm!tokenname'),
  /** a file holding the token's secret (a UUID) */
  secretFile: path,
  /** the certificate's SHA-256 fingerprint as the Proxmox GUI shows it (AA:BB:…) */
  fingerprint: z
    .string()
    .regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'must be a SHA-256 fingerprint AA:BB:…:FF')
    .optional(),
  caFile: path.optional(),
  /** the nodes to read (default: every node of the cluster) */
  nodes: z.array(name).max(1000).optional(),
  groups: z.array(groupRef).max(64).default([]),
  timeoutSec: z.number().positive().max(300).default(15),
});

export type PrometheusEntry = z.output<typeof prometheusSchema>;
export type ProxmoxApiEntry = z.output<typeof proxmoxApiSchema>;

const hostInputSchema = z.strictObject({
  name,
  address: z.string().max(253).regex(ADDRESS_RE, 'must be a host name or an IP address'),
  port: port.optional(),
  user: user.optional(),
  key: path.optional(),
  agent: z.boolean().optional(),
  hostKey: z
    .string()
    .regex(FINGERPRINT_RE, 'must be an OpenSSH fingerprint SHA256:<43 base64 characters>')
    .optional(),
  knownHosts: path.optional(),
  trustOnFirstUse: z.boolean().default(false),
  jump: name.optional(),
  role: z.enum(ROLES).default('baremetal'),
  proxmoxHost: name.optional(),
  vmid: z.number().int().min(100).max(999_999_999).optional(),
  groups: z.array(name).max(64).default([]),
  /** the Prometheus server of this host's GPU windows (default: one whose groups cover it); false: none */
  prometheus: z.union([name, z.literal(false)]).optional(),
  /** the host's value of the hostname label (default: its name) */
  promHost: z.string().min(1).max(253).optional(),
  /** the Proxmox cluster (API) this host is a node of: its VM configs and PCI map come from the API */
  proxmoxApi: name.optional(),
  /** its node name in that cluster (default: its name) */
  pveNode: name.optional(),
});

export const DEFAULT_DIGEST = { cron: '0 9 * * *', tz: 'Asia/Seoul' } as const;

const digestSchema = z.strictObject({
  cron: z
    .string()
    .max(120)
    .superRefine((c, ctx) => {
      const problem = cronProblem(c);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `'${c}' ${problem.startsWith('has ') ? '' : 'is not a valid cron expression: '}${problem}`,
        });
    }),
  tz: z
    .string()
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Asia/Seoul'),
});

export const channelSchema = z.strictObject({
  surface: z.enum(['slack', 'teams']),
  id: z.string().min(1).max(256),
  /** host groups this channel may see; `['*']` for every host */
  groups: z.array(z.union([z.literal('*'), name])).min(1),
  digest: z.union([z.literal(false), digestSchema]).default({ ...DEFAULT_DIGEST }),
  alerts: z.boolean().default(true),
});

export const alertsSchema = z.strictObject({
  /** alert when a host's score drops by more than this many points */
  scoreDrop: z.number().positive().max(100).default(10),
  cooldownMinutes: z.number().int().min(0).max(100_000).default(360),
  /** consecutive failed collections before a host is reported unreachable */
  unreachableAfter: z.number().int().min(1).max(100).default(2),
});

type HostInput = z.output<typeof hostInputSchema>;

/** One host, resolved: user, port and authentication filled from `defaults:`. */
export interface HostEntry {
  name: string;
  address: string;
  port: number;
  user: string;
  /** private key file (absolute once loaded by loadInventory), unless `agent` */
  key?: string;
  agent: boolean;
  /** pinned fingerprint `SHA256:…` */
  hostKey?: string;
  /** known_hosts file holding the host's key */
  knownHosts?: string;
  trustOnFirstUse: boolean;
  /** another host entry used as the jump host (bastion) */
  jump?: string;
  role: HostRole;
  /** guest only: the proxmox entry it runs on */
  proxmoxHost?: string;
  /** guest only */
  vmid?: number;
  groups: string[];
  /** where its GPU windows come from (resolved: by name or by group); absent: none. */
  prometheus?: { server: string; hostLabel: string };
  /** the Proxmox cluster it is a node of, read through the API. */
  proxmoxApi?: { cluster: string; node: string };
}

export type ChannelEntry = z.output<typeof channelSchema>;
export type CollectionSettings = z.output<typeof collectionSchema>;
export type AlertSettings = z.output<typeof alertsSchema>;

export interface Inventory {
  hosts: HostEntry[];
  channels: ChannelEntry[];
  /** Prometheus servers (GPU windows). */
  prometheus: PrometheusEntry[];
  /** Proxmox clusters read through their API. */
  proxmox: ProxmoxApiEntry[];
  collection: CollectionSettings;
  alerts: AlertSettings;
}

function crossCheck(inv: RawInventory, ctx: z.RefinementCtx): void {
  const d = inv.defaults ?? {};
  const byName = new Map<string, HostInput>();
  const groups = new Set<string>();
  inv.hosts.forEach((h, i) => {
    const at = (field: string) => ['hosts', i, field];
    if (byName.has(h.name))
      ctx.addIssue({ code: 'custom', path: at('name'), message: `duplicate host name '${h.name}'` });
    else byName.set(h.name, h);
    for (const g of h.groups) groups.add(g);
    if (h.user === undefined && d.user === undefined)
      ctx.addIssue({ code: 'custom', path: at('user'), message: 'required (here or in defaults.user)' });
    const agent = h.agent ?? (h.key === undefined ? d.agent : false) ?? false;
    if (h.key !== undefined && h.agent === true)
      ctx.addIssue({
        code: 'custom',
        path: at('agent'),
        message: 'give either key or agent: true, not both',
      });
    if (!agent && h.key === undefined && d.key === undefined)
      ctx.addIssue({
        code: 'custom',
        path: at('key'),
        message: 'required: a private key file or agent: true (here or in defaults)',
      });
    if (h.hostKey !== undefined && h.knownHosts !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: at('hostKey'),
        message: 'give either hostKey or knownHosts, not both',
      });
    if (
      h.hostKey === undefined &&
      h.knownHosts === undefined &&
      d.knownHosts === undefined &&
      !h.trustOnFirstUse
    )
      ctx.addIssue({
        code: 'custom',
        path: at('hostKey'),
        message:
          'no pinned host key: give hostKey (SHA256:…) or knownHosts (here or in defaults), or opt in with trustOnFirstUse: true',
      });
    if (h.role === 'guest') {
      if (h.proxmoxHost === undefined)
        ctx.addIssue({ code: 'custom', path: at('proxmoxHost'), message: 'required for role guest' });
      if (h.vmid === undefined)
        ctx.addIssue({ code: 'custom', path: at('vmid'), message: 'required for role guest' });
    } else {
      if (h.proxmoxHost !== undefined)
        ctx.addIssue({ code: 'custom', path: at('proxmoxHost'), message: 'only for role guest' });
      if (h.vmid !== undefined)
        ctx.addIssue({ code: 'custom', path: at('vmid'), message: 'only for role guest' });
    }
  });
  inv.hosts.forEach((h, i) => {
    if (h.jump !== undefined) {
      if (!byName.has(h.jump))
        ctx.addIssue({ code: 'custom', path: ['hosts', i, 'jump'], message: `no host named '${h.jump}'` });
      else {
        const seen = new Set([h.name]);
        let cur: HostInput | undefined = byName.get(h.jump);
        while (cur) {
          if (seen.has(cur.name)) {
            ctx.addIssue({
              code: 'custom',
              path: ['hosts', i, 'jump'],
              message: `jump hosts form a cycle: ${[...seen, cur.name].join(' → ')}`,
            });
            break;
          }
          seen.add(cur.name);
          cur = cur.jump === undefined ? undefined : byName.get(cur.jump);
        }
      }
    }
    if (h.role === 'guest' && h.proxmoxHost !== undefined) {
      const p = byName.get(h.proxmoxHost);
      if (!p)
        ctx.addIssue({
          code: 'custom',
          path: ['hosts', i, 'proxmoxHost'],
          message: `no host named '${h.proxmoxHost}'`,
        });
      else if (p.role !== 'proxmox')
        ctx.addIssue({
          code: 'custom',
          path: ['hosts', i, 'proxmoxHost'],
          message: `'${h.proxmoxHost}' has role ${p.role}, not proxmox`,
        });
      else if (h.vmid !== undefined) {
        const twin = inv.hosts.findIndex(
          (o) => o !== h && o.role === 'guest' && o.proxmoxHost === h.proxmoxHost && o.vmid === h.vmid,
        );
        if (twin >= 0 && twin < i)
          ctx.addIssue({
            code: 'custom',
            path: ['hosts', i, 'vmid'],
            message: `VM ${h.vmid} on '${h.proxmoxHost}' is already host '${inv.hosts[twin]!.name}'`,
          });
      }
    }
  });
  const proms = new Set((inv.prometheus ?? []).map((p) => p.name));
  const clusters = new Set((inv.proxmox ?? []).map((p) => p.name));
  inv.hosts.forEach((h, i) => {
    if (typeof h.prometheus === 'string' && !proms.has(h.prometheus))
      ctx.addIssue({
        code: 'custom',
        path: ['hosts', i, 'prometheus'],
        message: `no prometheus entry named '${h.prometheus}'`,
      });
    if (h.proxmoxApi !== undefined && !clusters.has(h.proxmoxApi))
      ctx.addIssue({
        code: 'custom',
        path: ['hosts', i, 'proxmoxApi'],
        message: `no proxmox entry named '${h.proxmoxApi}'`,
      });
  });
  for (const [list, field] of [
    [inv.prometheus ?? [], 'prometheus'],
    [inv.proxmox ?? [], 'proxmox'],
  ] as const) {
    const seen = new Set<string>();
    list.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({ code: 'custom', path: [field, i, 'name'], message: `duplicate name '${p.name}'` });
      seen.add(p.name);
      p.groups.forEach((g, j) => {
        if (g !== '*' && !groups.has(g))
          ctx.addIssue({
            code: 'custom',
            path: [field, i, 'groups', j],
            message: `no host is in group '${g}'`,
          });
      });
    });
  }
  (inv.channels ?? []).forEach((c, i) => {
    c.groups.forEach((g, j) => {
      if (g !== '*' && !groups.has(g))
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'groups', j],
          message: `no host is in group '${g}'`,
        });
    });
  });
}

const rawSchema = z.strictObject({
  defaults: defaultsSchema.optional(),
  collection: collectionSchema.default(collectionSchema.parse({})),
  hosts: z.array(hostInputSchema).min(1, 'list at least one host').max(100_000),
  channels: z.array(channelSchema).default([]),
  alerts: alertsSchema.default(alertsSchema.parse({})),
  prometheus: z.array(prometheusSchema).max(100).default([]),
  proxmox: z.array(proxmoxApiSchema).max(100).default([]),
});
type RawInventory = z.output<typeof rawSchema>;

function resolve(inv: RawInventory): Inventory {
  const d = inv.defaults ?? {};
  const hosts = inv.hosts.map((h): HostEntry => {
    const agent = h.agent ?? (h.key === undefined ? (d.agent ?? false) : false);
    const key = agent ? undefined : (h.key ?? d.key);
    const knownHosts = h.hostKey === undefined ? (h.knownHosts ?? d.knownHosts) : undefined;
    return {
      name: h.name,
      address: h.address,
      port: h.port ?? d.port ?? 22,
      user: (h.user ?? d.user)!,
      ...(key !== undefined ? { key } : {}),
      agent,
      ...(h.hostKey !== undefined ? { hostKey: h.hostKey } : {}),
      ...(knownHosts !== undefined ? { knownHosts } : {}),
      trustOnFirstUse: h.trustOnFirstUse,
      ...(h.jump !== undefined ? { jump: h.jump } : {}),
      role: h.role,
      ...(h.proxmoxHost !== undefined ? { proxmoxHost: h.proxmoxHost } : {}),
      ...(h.vmid !== undefined ? { vmid: h.vmid } : {}),
      groups: h.groups,
      ...promOf(h),
      ...(h.proxmoxApi !== undefined
        ? { proxmoxApi: { cluster: h.proxmoxApi, node: h.pveNode ?? h.name } }
        : {}),
    };
  });
  // a host's Prometheus: the one it names, else the first whose groups cover it
  function promOf(h: HostInput): Pick<HostEntry, 'prometheus'> {
    if (h.prometheus === false) return {};
    const server =
      h.prometheus ??
      inv.prometheus.find((p) => p.groups.some((g) => g === '*' || h.groups.includes(g)))?.name;
    return server ? { prometheus: { server, hostLabel: h.promHost ?? h.name } } : {};
  }
  return {
    hosts,
    channels: inv.channels,
    collection: inv.collection,
    alerts: inv.alerts,
    prometheus: inv.prometheus,
    proxmox: inv.proxmox,
  };
}

/** The inventory file's schema: validates, cross-checks, and resolves the defaults into each host. */
export const inventorySchema = rawSchema.superRefine(crossCheck).transform(resolve);

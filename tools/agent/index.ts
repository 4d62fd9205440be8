/** The tool registry: one file per tool in ./tools, listed here once. */
import { z } from 'zod';
import { collectNvidiaSmi } from './tools/collect-nvidia-smi.ts';
import { computeScore } from './tools/compute-score.ts';
import { createReport } from './tools/create-report.ts';
import { findBottlenecks } from './tools/find-bottlenecks.ts';
import { findNumaMismatch } from './tools/find-numa-mismatch.ts';
import { generatePlacement } from './tools/generate-placement.ts';
import { getGpuWindow } from './tools/get-gpu-window.ts';
import { getHistory } from './tools/get-history.ts';
import { getProxmoxMap } from './tools/get-proxmox-map.ts';
import { getTopology } from './tools/get-topology.ts';
import { listHosts } from './tools/list-hosts.ts';
import type { ToolDef } from './types.ts';

export const TOOLS: readonly ToolDef<never, unknown>[] = [
  listHosts,
  collectNvidiaSmi,
  getTopology,
  computeScore,
  findNumaMismatch,
  findBottlenecks,
  generatePlacement,
  createReport,
  getHistory,
  getGpuWindow,
  getProxmoxMap,
] as unknown as ToolDef<never, unknown>[];

export function toolByName(name: string): ToolDef<never, unknown> | undefined {
  return TOOLS.find((t) => t.name === name);
}

export interface ToolSchema {
  name: string;
  description: string;
  input_schema: { type: 'object'; [k: string]: unknown };
}

/**
 * The model's tool definitions, generated from the zod schemas. `hosts` (the names the model sees, i.e.
 * masked when redaction is on) restricts every `host` argument to the conversation's hosts.
 */
export function toolSchemas(hosts: readonly string[] = []): ToolSchema[] {
  return TOOLS.map((t) => {
    const { $schema: _drop, ...schema } = z.toJSONSchema(t.input as z.ZodType, { io: 'input' }) as Record<
      string,
      unknown
    >;
    const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (props?.host && hosts.length > 0) props.host = { ...props.host, enum: [...hosts] };
    return { name: t.name, description: t.description, input_schema: { ...schema, type: 'object' as const } };
  });
}

/** The tool registry: one file per tool in ./tools, listed here once. */
import { z } from 'zod';
import { collectNvidiaSmi } from './tools/collect-nvidia-smi.ts';
import { computeScore } from './tools/compute-score.ts';
import { createReport } from './tools/create-report.ts';
import { findBottlenecks } from './tools/find-bottlenecks.ts';
import { findNumaMismatch } from './tools/find-numa-mismatch.ts';
import { generatePlacement } from './tools/generate-placement.ts';
import { listHosts } from './tools/list-hosts.ts';
import type { ToolDef } from './types.ts';

export const TOOLS: readonly ToolDef<never>[] = [
  listHosts,
  collectNvidiaSmi,
  computeScore,
  findNumaMismatch,
  findBottlenecks,
  generatePlacement,
  createReport,
] as unknown as ToolDef<never>[];

export function toolByName(name: string): ToolDef<never> | undefined {
  return TOOLS.find((t) => t.name === name);
}

/** The model's tool definitions, generated from the zod schemas. */
export function toolSchemas(): {
  name: string;
  description: string;
  input_schema: { type: 'object'; [k: string]: unknown };
}[] {
  return TOOLS.map((t) => {
    const { $schema: _drop, ...schema } = z.toJSONSchema(t.input as z.ZodType, { io: 'input' }) as Record<
      string,
      unknown
    >;
    return { name: t.name, description: t.description, input_schema: { ...schema, type: 'object' as const } };
  });
}

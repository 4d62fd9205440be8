import { z } from 'zod';
import type { ToolDef } from '../types.ts';

const Input = z.object({}).strict();

export const listHosts: ToolDef<z.infer<typeof Input>> = {
  name: 'list_hosts',
  description: 'List the GPU hosts InfraLens has data for, with their GPU count and model.',
  input: Input,
  async run(_input, ctx) {
    const snaps = ctx.session.load();
    return {
      hosts: snaps.map((s, i) => ({
        host: s.host ?? `host-${i + 1}`,
        gpus: s.gpus.length,
        models: [...new Set(s.gpus.map((g) => g.name).filter(Boolean))],
        workloads: s.workloads.length,
      })),
      notes: ctx.session.notes(),
    };
  },
};

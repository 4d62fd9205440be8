/**
 * "Delete VM 103", "apply the plan", "GPU 4 꺼줘": InfraLens never changes a server. The answer says so, shows
 * the plan's commands that concern the request (or that none does) and who runs them.
 */
import { TEXT } from '../text.ts';
import {
  commandLine,
  commandsFor,
  hasEntities,
  moveItem,
  moveLine,
  movesAbout,
  subjectOf,
} from './common.ts';
import type { Composer } from './types.ts';

export const change: Composer = {
  topic: 'change',
  calls: (_u, host) => [{ name: 'generate_placement', input: { host } }],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const plan = r.data.generate_placement;
    const s = subjectOf(u);
    const direct: string[] = [];
    const support: string[] = [];
    if (!plan) {
      direct.push(t.change.never(host), t.fix.noPlan(host, r.errors.generate_placement ?? ''));
      return {
        direct,
        support,
        more: null,
        focus: { gpus: u.gpus, workloads: u.workloads, rules: [], items: [] },
      };
    }
    const moves = hasEntities(s) ? movesAbout(plan, { ...s, rules: [] }) : movesAbout(plan, s);
    let cmds = commandsFor(plan, moves);
    const kind = u.changeKind ?? 'apply';
    const vmOnly = u.vms.length > 0 || u.workloads.length > 0;
    if (kind === 'delete') cmds = [];
    else if (kind === 'stop') cmds = vmOnly ? cmds.filter((c) => c.command.startsWith('qm shutdown')) : [];
    else if (kind === 'reboot')
      cmds = vmOnly
        ? cmds.filter((c) => c.command.startsWith('qm shutdown') || c.command.startsWith('qm start'))
        : [];
    else if (kind === 'move' && !hasEntities(s)) cmds = plan.commands;
    if (cmds.length > 0) {
      direct.push(t.change.who(host, cmds.length));
      for (const c of cmds) support.push(commandLine(c, lang));
    } else {
      direct.push(t.change.never(host));
      direct.push(
        t.change.noneApplies(
          host,
          kind,
          u.vms.filter((v) => !u.unknownVms.includes(v)),
          u.gpus,
        ),
      );
      for (const m of moves.slice(0, 3)) support.push(moveLine(m, lang));
    }
    return {
      direct,
      support,
      more: cmds.length > 0 ? null : t.more.fix,
      full: true,
      focus: {
        gpus: u.gpus,
        workloads: u.workloads,
        rules: [],
        items: moves.map((m) => moveItem(m, host)),
      },
    };
  },
};

/** "How do I fix it?", "give me the commands": the moves of the plan that fix the subject, and their commands. */
import { TEXT } from '../text.ts';
import {
  commandLine,
  commandsFor,
  dependencyNote,
  findingsAbout,
  hasEntities,
  moveItem,
  moveLine,
  movesAbout,
  subjectOf,
  verdict,
  withDisplaced,
} from './common.ts';
import { eccAdvice, eccStates, unhealthy } from './ecc.ts';
import { HARDWARE } from './gpus.ts';
import type { Composer } from './types.ts';

export const fix: Composer = {
  topic: 'fix',
  calls: (u, host) => [
    { name: 'generate_placement', input: { host } },
    { name: 'find_bottlenecks', input: { host } },
    ...(u.rules.includes('ecc-errors') ? [{ name: 'collect_nvidia_smi' as const, input: { host } }] : []),
  ],
  compose({ u, lang, host, r }) {
    const t = TEXT[lang];
    const plan = r.data.generate_placement;
    const s = subjectOf(u);
    const subject = hasEntities(s) || s.rules.length > 0;
    const findings = findingsAbout(r.data.find_bottlenecks?.findings ?? [], s);
    if (!plan) {
      // no plan (no workloads to place): the findings' own fixes — memory errors first
      const sick = eccStates(r, u.gpus).filter(unhealthy);
      const direct: string[] = [];
      const recs = findings.map((f) => `- ${f.title[lang]}: ${f.recommendation[lang]}`);
      if (sick[0] && findings.some((f) => f.rule === 'ecc-errors')) {
        direct.push(eccAdvice(sick[0], lang), t.fix.eccCheck);
        recs.splice(0, recs.length, ...recs.filter((_, i) => findings[i]!.rule !== 'ecc-errors'));
      } else if (subject && findings[0]) {
        direct.push(t.fix.recommend(findings[0].title[lang], findings[0].recommendation[lang]));
        recs.shift();
      }
      const why = r.errors.generate_placement
        ? t.fix.noPlan(host, r.errors.generate_placement)
        : t.fix.noWorkloads(host);
      if (direct.length === 0) direct.push(why);
      else recs.push(`- ${why}`);
      return {
        direct,
        support: recs.slice(0, 4),
        more: null,
        focus: { gpus: u.gpus, workloads: u.workloads, rules: s.rules, items: [] },
      };
    }
    const asked = movesAbout(plan, s);
    // a subset of the plan comes with the moves it depends on (those that free the GPUs it moves into)
    const moves = subject ? withDisplaced(plan, asked) : asked;
    const cmds = commandsFor(plan, moves);
    const note = subject && asked.length < plan.moves.length ? dependencyNote(plan, asked, lang) : null;
    // findings no move resolves (a downtrained link, a hot GPU, ECC): their own recommendation
    const unresolved = findings.filter(
      (f) => !plan.moves.some((m) => m.resolves.includes(f.rule) && f.workloads.includes(m.workload)),
    );
    // the subject is such a finding ("그럼 어떻게 해?" after a hot GPU): its fix, not the moves around it
    const byRule =
      !u.commands &&
      s.rules.length > 0 &&
      findings.length > 0 &&
      unresolved.length === findings.length &&
      findings.every((f) => HARDWARE.includes(f.rule));
    const showAllCommands = u.wantsAll || u.commands;
    const direct: string[] = [];
    const support: string[] = [];
    const downtime = cmds.filter((c) => c.downtime);
    if (
      /\breboot|재부팅|리부팅/i.test(u.question) &&
      !/downtime|다운타임|중단/i.test(u.question) &&
      plan.moves.length > 0
    ) {
      // "do I need to reboot?": the plan reboots no host; it restarts the VMs it moves
      direct.push(
        (u.yesNo ? t.no : '') +
          t.fix.noHostReboot(
            [...new Set(moves.map((m) => m.vmid).filter((v): v is number => v !== null))],
            [
              ...new Set(
                plan.commands
                  .filter((c) => /^nvidia-smi -i \d+ -mig 1\b/.test(c.command))
                  .map((c) => Number(/-i (\d+)/.exec(c.command)![1])),
              ),
            ],
          ),
      );
    } else if (
      /downtime|다운타임|중단|재시작|restart|reboot|재부팅/i.test(u.question) &&
      plan.moves.length > 0
    ) {
      // "do I need downtime?": the steps that stop something, the VMs start again at the end
      direct.push(
        verdict({ ...u, asksOk: false }, downtime.length > 0, lang) +
          t.fix.downtime(
            host,
            downtime.map((c) => c.command),
          ),
      );
    } else if (plan.moves.length === 0 || (subject && moves.length === 0) || byRule) {
      direct.push(
        unresolved[0]
          ? t.fix.recommend(unresolved[0].title[lang], unresolved[0].recommendation[lang])
          : t.fix.noMoves(host, plan.scoreBefore?.value ?? null),
      );
      for (const f of unresolved.slice(1, 4)) support.push(`- ${f.title[lang]}: ${f.recommendation[lang]}`);
    } else if (u.commands && !u.wantsDetail) {
      direct.push(
        t.fix.commandsHead(
          host,
          cmds.length,
          plan.commands.length,
          subject ? moves.map((m) => m.workload) : [],
        ),
      );
    } else if (subject && asked.length < plan.moves.length) {
      direct.push(
        t.fix.subjectHead(
          asked.map((m) => ({
            workload: m.workload,
            vmid: m.vmid,
            from: m.from.gpus,
            to: m.to.gpus,
            form: m.to.form,
            numa: m.to.numaNode,
            cpus: m.to.cpus,
          })),
          u.only,
        ),
      );
    } else {
      direct.push(
        u.yesNo
          ? verdict(u, true, lang) +
              t.fix.canImprove(host, plan.objective.moves, plan.scoreBefore, plan.scoreAfter)
          : t.fix.planHead(host, plan.objective.moves, plan.scoreBefore, plan.scoreAfter),
      );
    }
    // the steps shown: every step of the moves it depends on, unless that is too long for the answer; then
    // the subject's own steps, and the note says which moves must come first
    const whole = showAllCommands || !subject || cmds.length <= 8;
    const ownCmds = whole ? cmds : commandsFor(plan, asked);
    const depNote = subject && !whole ? dependencyNote(plan, asked, lang, false) : note;
    // with the commands asked for, the note leads the one head line (the list stays within the budget)
    if (depNote && !byRule) {
      const note = depNote;
      if (u.commands && !u.wantsDetail && direct.length === 1) direct[0] = `${note} ${direct[0]}`;
      else direct.push(note);
    }
    if (byRule) {
      // what the plan still does around those GPUs, below the fix; a move onto a failing GPU first
      const sick = new Set(findings.flatMap((f) => f.gpus));
      const onto = moves.filter((m) => m.to.gpus.some((g) => sick.has(g)));
      if (onto.length > 0)
        support.push(
          `- ${t.fix.ontoSick(onto.map((m) => ({ workload: m.workload, gpus: m.to.gpus.filter((g) => sick.has(g)) })))}`,
        );
      for (const m of moves.slice(0, 2)) support.push(moveLine(m, lang));
    } else if (moves.length > 0 && !(u.commands && !u.wantsDetail)) {
      for (const m of moves.slice(0, subject ? 3 : 5)) support.push(moveLine(m, lang));
      // the findings no move resolves, when there is room next to the steps
      const room = 9 - Math.min(moves.length, 3) - ownCmds.length;
      for (const f of subject ? unresolved.slice(0, Math.max(0, Math.min(2, room))) : [])
        support.push(`- ${f.title[lang]}: ${f.recommendation[lang]}`);
    }
    const shownCmds = byRule ? [] : showAllCommands ? cmds : subject ? ownCmds : cmds.slice(0, 4);
    if (shownCmds.length > 0) {
      if (!(u.commands && !u.wantsDetail))
        support.push(t.fix.commandsLead(shownCmds.length, subject ? shownCmds.length : cmds.length));
      for (const c of shownCmds) support.push(commandLine(c, lang));
    }
    const score = plan.expected.find((g) => g.model === 'efficiency-score');
    if (score && !showAllCommands && !byRule && moves.length === plan.moves.length)
      support.push(`- ${t.fix.gain(score.summary[lang])}`);
    if (showAllCommands && cmds.length > 0 && !subject) support.push(t.fix.whoRuns(host));
    const more = showAllCommands
      ? null
      : shownCmds.length < plan.commands.length
        ? t.more.allCommands(plan.commands.length)
        : plan.expected.length > 0
          ? t.more.gains
          : null;
    return {
      direct,
      support,
      more,
      full: showAllCommands,
      focus: {
        gpus: moves.flatMap((m) => [...m.from.gpus, ...m.to.gpus]),
        workloads: moves.map((m) => m.workload),
        rules: s.rules,
        items: moves.map((m) => moveItem(m, host)),
      },
    };
  },
};

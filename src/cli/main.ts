#!/usr/bin/env node
// `refract` command line: one subcommand per job; each lives in its own file and only composes library code.
// Every error leaves through here and is printed by the one policy of ./errors.ts: one line, exit 2 for usage and
// config errors, 1 for runtime errors; a stack trace only with --debug or REFRACT_DEBUG=1.
import { AuditGateError } from '../reliability/audit/gate.js';
import { Command, CommanderError } from 'commander';
import { registerBench } from './bench.js';
import { registerDemo } from './demo.js';
import { registerPretrain } from './pretrain.js';
import { registerSample } from './sample.js';
import { registerEval } from './eval.js';
import { registerTrain } from './train.js';
import { registerCompare } from './compare.js';
import { registerAudit } from './audit.js';
import { registerOveropt } from './overopt.js';
import { registerReport } from './report.js';
import { registerStudio } from './studio.js';
import { registerExport } from './export.js';
import { EXIT, debugRequested, formatCliError } from './errors.js';

const debug = debugRequested(process.argv, process.env);
/** The command being run, for the "refract <command>:" prefix of errors ("eval shapes", "train", ...). */
let command = '';

const program = new Command()
  .name('refract')
  .description('Reward-driven post-training for visual generative models (TypeScript on libtorch)')
  .option('--debug', 'print the stack trace of an error (also REFRACT_DEBUG=1)')
  .addHelpText('after', '\nExit codes: 0 ok, 1 runtime error, 2 usage or config error, 3 the run failed or diverged, 130/143 interrupted (SIGINT/SIGTERM).')
  .configureOutput({ outputError: (text, write) => write(usageLine(text)) })
  .exitOverride()
  .hook('preAction', (_root, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
    command = names.join(' ');
  });

registerDemo(program);
registerPretrain(program);
registerSample(program);
registerEval(program);
registerTrain(program);
registerCompare(program);
registerAudit(program);
registerReport(program);
registerOveropt(program);
registerBench(program);
registerStudio(program);
registerExport(program);
// --debug is accepted anywhere on the line (before or after the subcommand).
for (const c of program.commands) allowDebugFlag(c);
// Until an action runs (usage errors), the command is the first argument that names one.
const named = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (named !== undefined && program.commands.some((c) => c.name() === named)) command = named;

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has printed its message (and the help); help and version exit 0, a usage error exits 2.
    process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  const f = formatCliError(command, err, debug, err instanceof AuditGateError ? EXIT.usage : undefined);
  process.stderr.write(f.text);
  process.exit(f.exitCode);
}

/** Commander's own usage errors ("error: unknown option '--x'") in the one-line form, pointing at --help. */
function usageLine(text: string): string {
  const message = text.replace(/^error:\s*/, '').trim().split('\n')[0] ?? '';
  const at = command === '' ? 'refract' : `refract ${command}`;
  return `${at}: ${message} — see \`${at} --help\`\n`;
}

function allowDebugFlag(c: Command): void {
  if (!c.options.some((o) => o.long === '--debug')) c.option('--debug', 'print the stack trace of an error');
  for (const sub of c.commands) allowDebugFlag(sub);
}

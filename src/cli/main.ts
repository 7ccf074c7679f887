#!/usr/bin/env node
// `refract` command line: one subcommand per job; each lives in its own file and only composes library code.
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
import { CliError } from './errors.js';
import { ConfigError } from '../config/load.js';

const program = new Command()
  .name('refract')
  .description('Reward-driven post-training for visual generative models (TypeScript on libtorch)')
  .showHelpAfterError()
  .exitOverride();

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

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  if (err instanceof CliError || err instanceof ConfigError || err instanceof AuditGateError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`refract: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
}

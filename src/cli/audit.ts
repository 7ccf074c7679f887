// `refract audit CONFIG.yaml [--out DIR] [--json] [--fail-on-gate]`: audits every reward of the config before
// training (src/reliability/audit/) and writes `reward-cards.json` and `audit.html` under `out`.
// Preference sets on disk (`preferences: { source: file, path }`) are read here, from a run-store JSONL export
// or a runs.sqlite: the store sits above the reliability layer, so the audit itself takes the pairs as input.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PNG } from 'pngjs';
import { fromHWCUint8, type RGBImage } from '../data/image.js';
import { enumeratePrompts } from '../data/shapes/grammar.js';
import { CATEGORIES, type ShapesPrompt } from '../data/shapes/types.js';
import {
  describeCheck,
  loadAuditConfig,
  runAudit,
  writeAuditOutputs,
  type AuditConfig,
  type AuditPair,
} from '../reliability/audit/index.js';
import type { RewardPrompt } from '../rewards/types.js';
import { parsePreferencesJsonl } from '../store/run-store-preference-io.js';
import type { PreferenceInput } from '../store/run-store-preferences.js';
import { RunStore } from '../store/run-store.js';
import { CliError } from './errors.js';

/** Shapes prompts by text, so pairs read from disk carry the structure the gold reward needs. */
function shapesPromptIndex(): Map<string, ShapesPrompt> {
  return new Map(CATEGORIES.flatMap((c) => enumeratePrompts(c).map((p) => [p.text, p] as const)));
}

function readPng(file: string, what: string): RGBImage {
  if (!existsSync(file))
    throw new CliError('audit', `${what} must be an existing PNG file, got ${file} — check the path`);
  const png = PNG.sync.read(readFileSync(file));
  return fromHWCUint8(new Uint8Array(png.data), png.width, png.height, 4);
}

/** Labelled pairs from stored preferences (ties skipped: they prefer nothing). Images must be files. */
export function pairsFromPreferences(prefs: readonly PreferenceInput[], baseDir: string): AuditPair[] {
  const index = shapesPromptIndex();
  const image = (p: string | null | undefined, ref: string | null | undefined, side: string, i: number): RGBImage => {
    if (!p) {
      throw new CliError(
        'audit',
        `preference ${i + 1}: ${side}_path must name an image file, got only ${side}_ref "${ref}" — export the images as PNG files`,
      );
    }
    return readPng(path.resolve(baseDir, p), `preference ${i + 1}: ${side}_path`);
  };
  const out: AuditPair[] = [];
  prefs.forEach((p, i) => {
    if (p.winner === 'tie') return;
    const a = image(p.aPath, p.aRef, 'a', i);
    const b = image(p.bPath, p.bRef, 'b', i);
    const shapes = index.get(p.prompt);
    const prompt: RewardPrompt = shapes ? { text: p.prompt, shapes } : { text: p.prompt };
    const [chosen, rejected] = p.winner === 'a' ? [a, b] : [b, a];
    out.push({ prompt, chosen, rejected, kind: p.source });
  });
  return out;
}

/** The file preference set of the config: JSONL (paths relative to it) or a run store (paths relative to it). */
function loadFilePairs(file: string): AuditPair[] {
  if (!existsSync(file)) {
    throw new CliError(
      'audit',
      `preferences.path must be an existing .jsonl or .sqlite file, got ${file} — fix it in the config`,
    );
  }
  if (/\.(sqlite|db)$/i.test(file)) {
    const store = RunStore.open(file);
    try {
      return pairsFromPreferences(store.preferences(), path.dirname(path.resolve(file)));
    } finally {
      store.close();
    }
  }
  const prefs = parsePreferencesJsonl(readFileSync(file, 'utf8'), `audit (${file})`);
  return pairsFromPreferences(prefs, path.dirname(path.resolve(file)));
}

const pct = (v: number): string => (Number.isNaN(v) ? '  NaN' : v.toFixed(3));

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      'audit rewards before training: held-out accuracy, calibration, disagreement, component conflict, perturbation probes → reward cards (JSON + HTML)',
    )
    .argument('<config>', 'YAML config, e.g. configs/audit-shapes.yaml')
    .option('--out <dir>', 'output folder (overrides the config)')
    .option('--json', 'print the report as JSON')
    .option('--fail-on-gate', 'exit with status 3 when any reward fails its thresholds')
    .action(async (file: string, o: { out?: string; json?: boolean; failOnGate?: boolean }) => {
      const loaded = loadAuditConfig(file);
      const config: Readonly<AuditConfig> = o.out ? { ...loaded, out: o.out } : loaded;
      const filePairs = config.preferences.source === 'file' ? loadFilePairs(config.preferences.path) : undefined;
      const run = await runAudit(config, {
        ...(filePairs ? { pairs: filePairs, pairsSource: (config.preferences as { path: string }).path } : {}),
        onStatus: (m) => {
          if (!o.json) process.stdout.write(`${m}\n`);
        },
      });
      const written = writeAuditOutputs(run, config.out);
      if (o.json)
        console.log(
          JSON.stringify(run.report, (_, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v)),
        );
      else {
        console.log('\nreward (most reliable first)  gate  acc    ECE    blind  cover  templ  shift  CPU s');
        for (const name of run.report.ranking) {
          const c = run.report.cards.find((k) => k.name === name)!;
          const p = c.probes;
          console.log(
            `${name.padEnd(29)} ${c.passed ? 'PASS' : 'FAIL'}  ${pct(c.pairwise.accuracy)}  ${pct(c.calibration.ece)}  ` +
              `${pct(p.artifactBlindness)}  ${pct(p.coverageGap)}  ${pct(p.templateBias)}  ${pct(p.shiftSensitivity)}  ${run.report.cpuSeconds[name]!.toFixed(0)}`,
          );
          for (const k of c.checks.filter((x) => !x.passed)) console.log(`    ✗ ${describeCheck(k)}`);
        }
        console.log(`\nwrote ${written.cards} and ${written.html}`);
      }
      if (o.failOnGate && run.report.cards.some((c) => !c.passed)) process.exitCode = 3;
    });
}

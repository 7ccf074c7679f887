// Config loading shared by every command: YAML file → schema-validated, frozen object. Errors name the field,
// what it must be, what it was, and how to fix it (STYLE §5, §7). Configs are never mutated after this.
import { readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(where: string, issues: string[]) {
    super(`${where}: ${issues.length === 1 ? issues[0] : `invalid config:\n  - ${issues.join('\n  - ')}`}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Validates `raw` against `schema`; every problem becomes one line naming the dotted field. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, where: string): Readonly<z.infer<S>> {
  const res = schema.safeParse(raw);
  if (res.success) return deepFreeze(res.data as z.infer<S>);
  const issues = res.error.issues.map((iss) => {
    const field = iss.path.length ? iss.path.map(String).join('.') : '(top level)';
    if (iss.code === 'unrecognized_keys') {
      return `${field === '(top level)' ? '' : `${field}: `}unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')} — remove them or check the spelling`;
    }
    return `field "${field}" ${iss.message.toLowerCase()}, got ${describe(valueAt(raw, iss.path))} — fix it in the config`;
  });
  throw new ConfigError(where, issues);
}

/** Reads a YAML (or JSON) config file and validates it. */
export function loadConfigFile<S extends z.ZodType>(schema: S, file: string, where: string): Readonly<z.infer<S>> {
  if (!existsSync(file)) throw new ConfigError(where, [`config file ${file} does not exist — pass the path of a YAML file`]);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(where, [`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(schema, raw ?? {}, `${where} (${file})`);
}

export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const e of Object.values(v as Record<string, unknown>)) deepFreeze(e);
  }
  return v;
}

// Config loading shared by every command: YAML file → schema-validated, frozen object. Errors name the field,
// what it must be, what it was, and how to fix it (STYLE §5, §7). Configs are never mutated after this.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { UsageError, quoteValue } from './errors.js';

/** Config files are a few kB; anything larger is refused before it is parsed. */
export const MAX_CONFIG_BYTES = 1 << 20;

export class ConfigError extends UsageError {
  readonly issues: string[];
  constructor(where: string, issues: string[]) {
    super(`${where}: ${issues.length === 1 ? issues[0] : `invalid config:\n  - ${issues.join('\n  - ')}`}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function describe(v: unknown): string {
  return quoteValue(v);
}

/** The most problems one ConfigError lists, and the most unknown keys one problem lists. */
const MAX_ISSUES = 10;
const MAX_LISTED_KEYS = 5;

/** A dotted field path as a message shows it (a hostile key cannot make it long). */
function quoteField(field: string): string {
  return field.length > 80 ? `${field.slice(0, 80)}…` : field;
}

/** Zod's own message, cut: some quote the offending value (an enum's options, a literal). */
function quoteMessage(message: string): string {
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** zod's "Too small: …" reads as the line's continuation; field names inside a message keep their case. */
function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}

/** Validates `raw` against `schema`; every problem becomes one line naming the dotted field. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, where: string): Readonly<z.infer<S>> {
  const res = schema.safeParse(raw);
  if (res.success) return deepFreeze(res.data as z.infer<S>);
  const all = res.error.issues;
  const issues = all.slice(0, MAX_ISSUES).map((iss) => {
    const field = iss.path.length ? quoteField(iss.path.map(String).join('.')) : '(top level)';
    if (iss.code === 'unrecognized_keys') {
      const keys = iss.keys.slice(0, MAX_LISTED_KEYS).map((k) => quoteValue(k, 40));
      const more = iss.keys.length > MAX_LISTED_KEYS ? ` and ${iss.keys.length - MAX_LISTED_KEYS} more` : '';
      return `${field === '(top level)' ? '' : `${field}: `}unknown field(s) ${keys.join(', ')}${more} — remove them or check the spelling`;
    }
    return `field "${field}" ${quoteMessage(lowerFirst(iss.message))}, got ${describe(valueAt(raw, iss.path))} — fix it in the config`;
  });
  if (all.length > MAX_ISSUES) issues.push(`and ${all.length - MAX_ISSUES} more problems — fix the ones above first`);
  throw new ConfigError(where, issues);
}

/**
 * Reads a YAML (or JSON) config file and validates it. The file must hold a mapping: an empty file is refused
 * rather than silently run on every default.
 */
export function loadConfigFile<S extends z.ZodType>(schema: S, file: string, where: string): Readonly<z.infer<S>> {
  const name = quoteValue(file);
  if (!existsSync(file)) throw new ConfigError(where, [`config file must exist, got ${name}, which does not exist — pass the path of a YAML file`]);
  const st = statSync(file);
  if (!st.isFile()) throw new ConfigError(where, [`config file must be a file, got ${name} (a folder) — pass the path of a YAML file`]);
  if (st.size > MAX_CONFIG_BYTES) {
    throw new ConfigError(where, [`config file must be at most ${MAX_CONFIG_BYTES} bytes, got ${st.size} in ${name} — is this the right file?`]);
  }
  return parseConfigText(schema, readFileSync(file, 'utf8'), `${where} (${file})`);
}

/** Parses YAML text (a config file's content) and validates it; see loadConfigFile. */
export function parseConfigText<S extends z.ZodType>(schema: S, text: string, where: string): Readonly<z.infer<S>> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(where, [`the file must be valid YAML, got ${quoteValue((err as Error).message.split('\n')[0])} — fix the syntax`]);
  }
  if (raw === null || raw === undefined) {
    throw new ConfigError(where, ['the file must be a YAML mapping of config fields, got an empty file — write at least the fields you mean to set (e.g. `algorithm: grpo`)']);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(where, [`the file must be a YAML mapping of config fields, got ${Array.isArray(raw) ? 'a list' : quoteValue(raw)} — write "field: value" lines`]);
  }
  return parseConfig(schema, raw, where);
}

export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const e of Object.values(v as Record<string, unknown>)) deepFreeze(e);
  }
  return v;
}

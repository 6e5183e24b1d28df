import { readFileSync } from 'node:fs';
import type { ValidationIssue } from '../errors/index.js';
import { keyPath } from './schema-shape.js';

/** Where `${env:NAME}` and `${file:PATH}` references are looked up. */
export interface ReferenceSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as UTF-8; injectable so tests need no real files. */
  readonly readFile?: (path: string) => string;
}

const wholeReference = /^\$\{(env|file):([^}]+)\}$/;
const anyReference = /\$\{(env|file):([^}]*)\}/g;

/** True when `value` is written entirely as a `${env:...}`/`${file:...}` reference. */
export function isReference(value: unknown): boolean {
  return typeof value === 'string' && wholeReference.test(value.trim());
}

const someReference = new RegExp(anyReference.source);

/** True when `value` is a string holding a `${env:...}`/`${file:...}` reference anywhere, as `resolveReferences` finds them. */
export function containsReference(value: unknown): boolean {
  return typeof value === 'string' && someReference.test(value);
}

/**
 * Returns a copy of `tree` with every `${env:NAME}` / `${file:PATH}` inside a
 * string replaced by its value. File contents lose one trailing newline (the
 * way secrets mounted from Kubernetes usually end). Unresolvable references
 * are reported with their key path; the value is then left as written.
 */
export function resolveReferences(tree: unknown, sources: ReferenceSources, path = ''): { value: unknown; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const readFile = sources.readFile ?? ((file: string) => readFileSync(file, 'utf8'));

  const resolveString = (text: string, at: string): string =>
    text.replace(anyReference, (match, kind: string, name: string) => {
      if (name.trim() === '') {
        issues.push({ path: at, message: `empty reference ${match}` });
        return match;
      }
      if (kind === 'env') {
        const value = sources.env[name];
        if (value === undefined) {
          issues.push({ path: at, message: `environment variable ${name} is not set (referenced as ${match})` });
          return match;
        }
        return value;
      }
      try {
        return readFile(name).replace(/\r?\n$/, '');
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        issues.push({ path: at, message: `file ${name} cannot be read (${reason}; referenced as ${match})` });
        return match;
      }
    });

  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === 'string') return resolveString(node, at);
    if (Array.isArray(node)) return node.map((item, index) => walk(item, `${at}[${index}]`));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child, keyPath(at, key))]));
    }
    return node;
  };

  return { value: walk(tree, path), issues };
}

import { containsReference } from '../../config/index.js';
import type { ValidationIssue } from '../../errors/index.js';

/**
 * One issue per string value of an API body that holds a `${env:...}` or
 * `${file:...}` reference, named by its path under `path`
 * (`body.credentials.password`, `body.hosts[1]`); keys are never references.
 * References are the operator's way to make the bridge read its own
 * environment and files; in a registration they would hand those to whoever
 * registers, or be kept as a literal credential nobody meant, so the API
 * refuses them. The message never repeats the value: the rest of the string
 * may be a secret.
 */
export function referenceIssues(body: unknown, path: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const walk = (node: unknown, at: string): void => {
    if (containsReference(node)) {
      issues.push({ path: at, message: 'holds a ${env:...} or ${file:...} reference; the API does not resolve references (they read the bridge\'s own environment and files): send the value itself' });
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, `${at}[${index}]`));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) walk(child, `${at}.${key}`);
    }
  };
  walk(body, path);
  return issues;
}

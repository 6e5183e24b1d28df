/** Options of {@link describeShapeDifferences}. Paths look like `value[].object_ids[].id`. */
export interface ShapeOptions {
  /** Reference keys the actual value may leave out (fields the reference marks optional). */
  readonly optionalPaths?: readonly string[];
  /** Keys the actual value may carry although the reference sample lacks them. */
  readonly extraPaths?: readonly string[];
}

type JsonKind = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean' | 'other';

function kindOf(value: unknown): JsonKind {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'array';
  }
  switch (typeof value) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'other';
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Lists how `actual` differs in shape from a reference sample: keys present on one
 * side only, and values of a different JSON type. Array items of `actual` are each
 * compared with the reference's first item (reference samples are homogeneous).
 * An empty list means the shapes agree.
 */
export function describeShapeDifferences(actual: unknown, reference: unknown, options: ShapeOptions = {}): string[] {
  const optional = new Set(options.optionalPaths ?? []);
  const extra = new Set(options.extraPaths ?? []);
  const problems: string[] = [];

  function compare(left: unknown, right: unknown, path: string): void {
    const leftKind = kindOf(left);
    const rightKind = kindOf(right);
    const shownPath = path === '' ? '(root)' : path;
    if (leftKind !== rightKind) {
      problems.push(`${shownPath}: expected ${rightKind}, got ${leftKind}`);
      return;
    }
    if (leftKind === 'array') {
      const sample = (right as unknown[])[0];
      if (sample !== undefined) {
        (left as unknown[]).forEach((item) => compare(item, sample, `${path}[]`));
      }
      return;
    }
    if (leftKind === 'object') {
      const leftObject = left as Record<string, unknown>;
      const rightObject = right as Record<string, unknown>;
      for (const key of Object.keys(leftObject)) {
        const keyPath = join(path, key);
        if (key in rightObject) {
          compare(leftObject[key], rightObject[key], keyPath);
        } else if (!extra.has(keyPath)) {
          problems.push(`${keyPath}: not in the reference sample`);
        }
      }
      for (const key of Object.keys(rightObject)) {
        const keyPath = join(path, key);
        if (!(key in leftObject) && !optional.has(keyPath)) {
          problems.push(`${keyPath}: missing`);
        }
      }
    }
  }

  compare(actual, reference, '');
  return problems;
}

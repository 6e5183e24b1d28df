import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A cgroup with a memory limit for the bridge processes
 * (`BENCH_BRIDGE_MEMORY_LIMIT=512M`), so the bench measures them as a
 * container with `resources.limits.memory` runs them: Node sizes V8's heap
 * from the limit it finds at start-up (`process.constrainedMemory()`), not
 * from the machine's memory. Needs a writable cgroup hierarchy (v2, or v1's
 * `memory` controller), as root has on a plain Linux host.
 */
export interface MemoryLimit {
  /** The `cgroup.procs` file a process writes its own pid into before it execs node. */
  readonly procsFile: string;
  /** Times the kernel's out-of-memory killer acted inside the group (v2 `memory.events` oom_kill; v1 `memory.oom_control`); 0 when the kernel does not say. */
  oomKills(): number;
  /** Removes the group (its processes must have exited). */
  remove(): void;
}

/** Parses `512M`, `1G`, `768Mi`, `1Gi` or a byte count. */
export function parseMemoryLimit(text: string): number {
  const match = /^(\d+)\s*([KMG]i?)?B?$/i.exec(text.trim());
  if (!match?.[1]) throw new Error(`BENCH_BRIDGE_MEMORY_LIMIT: "${text}" is not a size such as 512M or 1Gi`);
  const unit = (match[2] ?? '').toUpperCase().replace('I', '');
  const factor = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[unit] ?? 1;
  return Number(match[1]) * factor;
}

/** Makes a cgroup named `name` limited to `bytes`; throws naming what is missing when the host has no writable hierarchy. */
export function createMemoryLimit(name: string, bytes: number): MemoryLimit {
  const root = '/sys/fs/cgroup';
  const v2 = existsSync(join(root, 'cgroup.controllers'));
  const group = v2 ? join(root, name) : join(root, 'memory', name);
  if (!v2 && !existsSync(join(root, 'memory'))) throw new Error(`BENCH_BRIDGE_MEMORY_LIMIT needs a cgroup hierarchy: neither ${root}/cgroup.controllers (v2) nor ${root}/memory (v1) exists`);
  try {
    mkdirSync(group);
    writeFileSync(join(group, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(bytes));
    // Swapping would let the group run past its limit in effect, which a container with a limit and no swap cannot (v1 has no per-group switch).
    if (v2 && existsSync(join(group, 'memory.swap.max'))) writeFileSync(join(group, 'memory.swap.max'), '0');
  } catch (error) {
    throw new Error(`BENCH_BRIDGE_MEMORY_LIMIT: cannot make cgroup ${group} (${error instanceof Error ? error.message : String(error)}; it needs root on a host whose cgroups are writable)`, { cause: error });
  }
  return {
    procsFile: join(group, 'cgroup.procs'),
    oomKills() {
      try {
        const text = readFileSync(join(group, v2 ? 'memory.events' : 'memory.oom_control'), 'utf8');
        return Number(/oom_kill (\d+)/.exec(text)?.[1] ?? 0);
      } catch {
        return 0;
      }
    },
    remove() {
      if (existsSync(group)) rmdirSync(group);
    },
  };
}

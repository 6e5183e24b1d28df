import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/**
 * CPU time (user + system) a process has used so far, in ms, from
 * `/proc/<pid>/stat` fields 14 and 15 (proc(5)); 10 ms resolution.
 * The fields are counted after the `)` closing the command name, which may
 * itself hold spaces.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
}

/** Resident set size now (VmRSS) and its high-water mark (VmHWM), in MB (10^6 bytes), from `/proc/<pid>/status`. */
export function processMemory(pid: number): { readonly rssMb: number; readonly peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: (kilobytes('VmRSS') * 1024) / 1e6, peakRssMb: (kilobytes('VmHWM') * 1024) / 1e6 };
}

/**
 * Resets a process's VmHWM to its current RSS (`echo 5 > /proc/<pid>/clear_refs`,
 * proc(5), Linux 4.0+), so the next reading is the peak of what came after.
 * False when the kernel refused.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU time a process has used so far, in ms at nanosecond resolution: the
 * sum of the first field (time spent on a CPU, user and system) of
 * `/proc/<pid>/task/<tid>/schedstat` over its live threads (the kernel's
 * sched stats). A poll of one small request costs a few ms, under
 * {@link processCpuMs}'s 10 ms tick; threads that exited between two readings
 * are not counted, which the bridge's long-lived threads (libuv pool, V8
 * helpers) make negligible. Falls back to {@link processCpuMs} where the
 * kernel keeps no sched stats.
 */
export function processCpuPreciseMs(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return processCpuMs(pid);
  }
  let nanoseconds = 0;
  let read = 0;
  for (const task of tasks) {
    try {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      read += 1;
    } catch {
      // A thread that ended while the list was read.
    }
  }
  return read > 0 && Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : processCpuMs(pid);
}

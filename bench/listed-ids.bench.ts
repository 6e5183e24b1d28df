/**
 * What a steady poll's diff pays to find each listed VM among the index's
 * members (#12, `src/diff/listed-ids.ts`): a lookup in a Map of 100,000 ids,
 * against the lookup that first tries the position that followed the last
 * member listed in the poll before. The members are in an order unrelated to
 * the listing's, as an index read from a Redis hash is; every poll lists the
 * same ids in the same order as new strings, as a platform's page decodes
 * them. Prints ns a VM for the Map alone, for the first poll (nothing learned
 * yet) and for the polls after it, medians of 7 polls, with the ratio within
 * the run. A one-off measurement, separate from `npm run bench`.
 * Run: node dist/bench/listed-ids.bench.js (`BENCH_MEMBERS`, default 100000)
 */
import type { IndexEntry } from '../src/cache/index.js';
import { ListedIds, memberPositionsOf } from '../src/diff/listed-ids.js';

const memberCount = Number(process.env['BENCH_MEMBERS'] ?? '100000');
const polls = 7;

const listingOrder = Array.from({ length: memberCount }, (_, index) => `i-0${((index * 2654435761) >>> 0).toString(16).padStart(16, '0')}`);
// A fixed shuffle (a multiplicative step coprime with the count), so every run measures the same order.
const step = [7919, 104729, 1299709].find((prime) => memberCount % prime !== 0) ?? 1;
const indexOrder = listingOrder.map((_, index) => listingOrder[(index * step) % memberCount] ?? '');
const entry: IndexEntry = { missedLists: 0, instanceId: 'inst', status: 'RUNNING' };
const positions = memberPositionsOf(new Map(indexOrder.map((platformId) => [platformId, entry])));

/** The listing's ids as new strings, as each poll decodes them from its pages. */
function freshIds(): string[] {
  const joined = Buffer.from(listingOrder.join(','), 'latin1');
  const ids: string[] = [];
  let start = 0;
  for (let index = 0; index <= joined.length; index++) {
    if (index === joined.length || joined[index] === 0x2c) {
      ids.push(joined.toString('latin1', start, index));
      start = index + 1;
    }
  }
  return ids;
}

function nanosecondsPerId(ids: readonly string[], lookUp: (id: string) => unknown): number {
  const started = process.hrtime.bigint();
  for (const id of ids) lookUp(id);
  return Number(process.hrtime.bigint() - started) / ids.length;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const mapAlone: number[] = [];
const learned: number[] = [];
let firstPoll = NaN;
for (let poll = 0; poll < polls + 1; poll++) {
  mapAlone.push(nanosecondsPerId(freshIds(), (id) => positions.positions.get(id)));
  const listed = new ListedIds(positions);
  const time = nanosecondsPerId(freshIds(), (id) => listed.list(id));
  if (!listed.coversAllMembers()) throw new Error('a poll did not list every member');
  if (poll === 0) firstPoll = time;
  else learned.push(time);
}
const map = median(mapAlone);
console.log(`${memberCount.toLocaleString('en-US')} members in an order unrelated to the listing's; Node ${process.version}; medians of ${polls} polls`);
console.log(`Map lookup alone                       ${map.toFixed(0).padStart(6)} ns a VM`);
console.log(`ListedIds.list, first poll             ${firstPoll.toFixed(0).padStart(6)} ns a VM`);
console.log(`ListedIds.list, polls after it         ${median(learned).toFixed(0).padStart(6)} ns a VM  (${(median(learned) / map).toFixed(2)}× the Map lookup)`);

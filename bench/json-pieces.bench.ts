/**
 * OpenStack page-parsing benchmark (#12): the CPU and garbage collection of
 * parsing 500 Nova pages of 1,000 servers (1.4 MB each, copied from the
 * compute API reference's sample) whole with `JSON.parse` and in pieces
 * (`parseJsonInPieces`), while 100,000 index-like entries are live, as in a
 * bridge at 100k VMs. Each page is parsed from a fresh Buffer, as from a
 * socket, and its servers are looked up in the live entries. Each reading
 * runs in a fresh process (a heap's state carries over from one reading to
 * the next), three times, alternating; CPU is `process.cpuUsage()` (all
 * threads: V8 marks on its worker threads), garbage collections are
 * counted by `PerformanceObserver`. A one-off measurement for the README,
 * separate from `npm run bench`.
 * Run: node dist/bench/json-pieces.bench.js [liveEntries]
 */
import { fileURLToPath } from 'node:url';
import { countCollections, readInFreshProcesses } from './lib/fresh-readings.js';
import { parseJsonInPieces } from '../src/platform-http/index.js';
import { readOpenstackFixture } from '../test/simulators/openstack/support.js';

type Reading = 'whole' | 'pieces';

interface Figures {
  readonly reading: Reading;
  readonly cpuMicrosecondsPerServer: number;
  readonly markCompacts: number;
  readonly scavenges: number;
  readonly rssMb: number;
}

const serversPerPage = 1000;
const pages = 500;

function novaPage(): Buffer {
  const sample = readOpenstackFixture('nova-servers-details-resp.json') as { servers: Record<string, unknown>[] };
  const [template] = sample.servers;
  const servers = Array.from({ length: serversPerPage }, (_, index) => ({ ...template, id: `${String(index).padStart(8, '0')}-0000-4000-8000-000000000000` }));
  return Buffer.from(JSON.stringify({ servers, servers_links: [{ href: 'http://nova/v2.1/servers/detail?marker=x', rel: 'next' }] }), 'utf8');
}

/** One reading, in this process: prints its figures as JSON. */
async function measure(reading: Reading, liveEntries: number): Promise<void> {
  const page = novaPage();
  const counts = countCollections();
  const live = new Map<string, { instanceId: string; status: string; version: number; tags: string[] }>();
  for (let index = 0; index < liveEntries; index++) live.set(`live-${index}`, { instanceId: `inst-${index}`, status: 'RUNNING', version: index, tags: [`a${index}`, `b${index}`] });
  const parse = reading === 'pieces' ? (bytes: Buffer) => parseJsonInPieces(bytes, 'servers') : (bytes: Buffer) => JSON.parse(bytes.toString('utf8')) as unknown;
  let unknownServers = 0;
  /** Parses the page and looks each server up, as a diff would; answers how many servers it read. */
  const readPage = (): number => {
    const document = parse(Buffer.from(page)) as { servers: { id: string; status: string }[] };
    for (const server of document.servers) if (live.get(server.id) === undefined && server.status !== '') unknownServers++;
    return document.servers.length;
  };
  for (let warmUp = 0; warmUp < 50; warmUp++) readPage();
  counts.reset();
  const before = process.cpuUsage();
  let servers = 0;
  for (let index = 0; index < pages; index++) servers += readPage();
  const cpu = process.cpuUsage(before);
  if (unknownServers !== servers + 50 * serversPerPage) throw new Error(`${unknownServers} servers looked up, ${servers} read`);
  // Let the observer hear the last collections.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const figures: Figures = { reading, cpuMicrosecondsPerServer: (cpu.user + cpu.system) / servers, markCompacts: counts.markCompacts, scavenges: counts.scavenges, rssMb: process.memoryUsage().rss / 1e6 };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function runAll(liveEntries: number): void {
  const script = fileURLToPath(import.meta.url);
  const results = readInFreshProcesses<Figures>({ script, args: [String(liveEntries)], variants: ['whole', 'pieces'], variantVariable: 'JSON_PIECES_READING', rounds: 3 });
  console.log(`${pages} Nova pages of ${serversPerPage} servers (${novaPage().length} bytes each), ${liveEntries} entries live; Node ${process.version}; a fresh process a reading`);
  for (const row of results) {
    console.log(`${row.reading.padEnd(7)} ${row.cpuMicrosecondsPerServer.toFixed(2).padStart(6)} µs CPU/server, ${String(row.markCompacts).padStart(3)} mark-compacts, ${String(row.scavenges).padStart(4)} scavenges, RSS ${row.rssMb.toFixed(0)} MB`);
  }
}

const liveEntries = Number(process.argv[2] ?? 100_000);
const reading = process.env['JSON_PIECES_READING'];
if (reading === 'whole' || reading === 'pieces') await measure(reading, liveEntries);
else runAll(liveEntries);

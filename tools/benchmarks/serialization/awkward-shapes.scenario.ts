import { performance } from 'node:perf_hooks';
import { startSerializer } from './bench-serializer';
import { measureEventLoopDelay, median, pause, type LoopDelay } from './event-loop-delay';

const ROUNDS = 3;
const LOOKUP_ENTRIES = 100_000;
const WARM_TURNS_MS = 20;

export interface AwkwardShapeRow {
  shape: string;
  mode: 'JSON.stringify (main)' | 'lib (main)';
  /** Medians over the rounds: a shared machine spoils one round, not the row. */
  p99Ms: number;
  maxMs: number;
  wallMs: number;
  outcome: string;
}

/**
 * Main-thread state of the shapes that defeated budgeted walks: each holds one thing whose cost
 * no byte budget bounds. A 20 MB Buffer (its base64 is one call), lookup objects of 100 000
 * named keys (listing a record's keys is one call), with and without a value to convert, and
 * one long string (escaping it is one call, and so is counting its bytes). Each is
 * serialized alone, no socket: the event-loop delay is the serializer's own, beside
 * `JSON.stringify` of the same state.
 */
export async function runAwkwardShapes(): Promise<AwkwardShapeRow[]> {
  // The default limits, as the gateway runs: 8 MiB events, 1 Mi-character strings.
  const lib = await startSerializer({ timeoutMs: 5000 });
  const shapes: Record<string, () => unknown> = {
    '20 MB Buffer': () => ({ note: 'upload', file: Buffer.alloc(20 * 1024 * 1024, 7) }),
    '100k-entry lookup, dates': () => ({
      note: 'index',
      lookup: lookup((index) => new Date(index)),
    }),
    '100k-entry lookup, plain': () => ({ note: 'index', lookup: lookup((index) => index) }),
    // JSON.stringify's cost for one string depends on what it holds: six bytes per character here.
    '1 Mi lone surrogates': () => ({ note: 'garbled', text: '\ud800'.repeat(1024 * 1024) }),
    '1 Mi control characters': () => ({ note: 'binary log', text: '\u0001'.repeat(1024 * 1024) }),
    // Over maxStringChars: the lib sends the marker, whose originalBytes must be counted.
    '64 Mi-character string': () => ({ note: 'dump', text: 'é'.repeat(64 * 1024 * 1024) }),
    // Each key is named by its JSON text (up to 1 KiB), slow to escape: 6 KB of it per key.
    'Map of 3 000 array keys': () => ({
      note: 'index',
      byKey: new Map(
        Array.from({ length: 3000 }, (_, index) => [[`${'\ud800'.repeat(1000)}${index}`], index]),
      ),
    }),
    // Pieces each up to the inline threshold, each about 1 ms to stringify.
    '60 pieces of 16 000 lone surrogates': () => ({
      note: 'garbled rows',
      rows: Array.from({ length: 60 }, () => ({ s: '\ud800'.repeat(16_000) })),
    }),
  };
  const rows: AwkwardShapeRow[] = [];
  try {
    for (const [shape, build] of Object.entries(shapes)) {
      // Built before measuring: an agent's state exists before it is sent.
      const state = build();
      rows.push(
        await measure(shape, 'JSON.stringify (main)', async () => {
          return `${JSON.stringify(state).length} chars`;
        }),
      );
      rows.push(
        await measure(shape, 'lib (main)', async () => {
          return (await lib.serializer.serialize(state)).encoding;
        }),
      );
    }
  } finally {
    await lib.close();
  }
  return rows;
}

function lookup(at: (index: number) => unknown): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  for (let index = 0; index < LOOKUP_ENTRIES; index++) {
    entries[`user-${index}`] = { id: index, at: at(index) };
  }
  return entries;
}

async function measure(
  shape: string,
  mode: AwkwardShapeRow['mode'],
  work: () => Promise<string>,
): Promise<AwkwardShapeRow> {
  const delays: LoopDelay[] = [];
  const walls: number[] = [];
  let outcome = '';
  for (let round = 0; round < ROUNDS; round++) {
    delays.push(
      await measureEventLoopDelay(async () => {
        // The histogram measures a turn from the one before it: let it see a few turns first,
        // or a block at once (JSON.stringify's) is never sampled.
        await pause(WARM_TURNS_MS);
        const started = performance.now();
        outcome = await work();
        walls.push(performance.now() - started);
        await pause(WARM_TURNS_MS);
      }),
    );
    await pause(50);
  }
  return {
    shape,
    mode,
    p99Ms: median(delays.map((delay) => delay.p99Ms)),
    maxMs: median(delays.map((delay) => delay.maxMs)),
    wallMs: median(walls),
    outcome,
  };
}

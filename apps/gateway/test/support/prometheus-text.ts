export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// NaN and Inf in any case, as Prometheus itself reads them (prom-client writes "Nan").
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|nan|[+-]?inf)( -?\d+)?$/i;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A strict reader of the Prometheus text format (0.0.4): every line a HELP, a TYPE or a sample, and
 * every sample of a family whose TYPE came before it. Throws naming the first bad line.
 */
export function parsePrometheusText(text: string): Sample[] {
  const typed = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const fail = (why: string): never => {
      throw new Error(`line ${index + 1} ${why}: ${line}`);
    };
    if (line.startsWith('# HELP ')) continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!TYPES.has(type)) fail('has an unknown type');
      typed.set(name, type);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line) ?? fail('is not a sample');
    const name = match[1];
    const family = [...typed.keys()].find(
      (f) =>
        name === f ||
        (typed.get(f) !== 'counter' &&
          /^_(bucket|sum|count)$/.test(name.slice(f.length)) &&
          name.startsWith(f)),
    );
    if (!family) fail('belongs to no declared family');
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[3] ?? '').matchAll(LABEL)) labels[key] = value;
    samples.push({ name, labels, value: Number(match[4]) });
  }
  return samples;
}

export function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found?.value ?? 0;
}

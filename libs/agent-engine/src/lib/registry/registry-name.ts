const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Agent and tool names travel in requests, metric labels and model prompts: keep them plain. */
export function assertRegistrableName(kind: 'agent' | 'tool', name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new Error(
      `cannot register ${kind} "${name}": a name must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"`,
    );
  }
}

const ARITHMETIC_RUN = /[\d.+\-*/%^()\s]+/g;
const HAS_OPERATOR = /\d\s*[-+*/%^]\s*[-+(.\d]|\)\s*[-+*/%^]|[-+*/%^]\s*\(/;

/**
 * The longest stretch of the text that looks like arithmetic with at least one operator
 * ("what is 2+3*4?" gives "2+3*4"), or undefined. Whether it is valid is the calculator's job.
 */
export function findArithmetic(text: string): string | undefined {
  let best: string | undefined;
  for (const match of text.matchAll(ARITHMETIC_RUN)) {
    const candidate = match[0].trim().replace(/\.+$/, '');
    if (/\d/.test(candidate) && HAS_OPERATOR.test(candidate)) {
      if (best === undefined || candidate.length > best.length) best = candidate;
    }
  }
  return best;
}

import { ScratchSlabs } from './scratch-slabs';
import { SlabTextWriter } from './slab-text-writer';

const SLAB = 16;

function written(writer: SlabTextWriter, texts: readonly string[]): Buffer {
  return Buffer.concat(texts.flatMap((text) => writer.write(text)));
}

/** A character of every UTF-8 length, a surrogate pair's among them, and a lone surrogate. */
const ALPHABET = ['a', '"', 'é', 'ж', '€', '中', '😀', '𝄞', '\ud800', '\n'];

function randomText(length: number, random: () => number): string {
  let text = '';
  for (let index = 0; index < length; index++) {
    text += ALPHABET[Math.floor(random() * ALPHABET.length)];
  }
  return text;
}

/** Deterministic, so that a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('SlabTextWriter', () => {
  it('writes exactly the UTF-8 of the text, across slab boundaries, splitting no character', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 200; trial++) {
      const texts = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        randomText(Math.floor(random() * 40), random),
      );
      const writer = new SlabTextWriter(new ScratchSlabs(1024, SLAB));

      const bytes = written(writer, texts);

      expect(bytes).toEqual(Buffer.from(texts.join(''), 'utf8'));
      expect(writer.byteLength).toBe(bytes.length);
      writer.release();
    }
  });

  it('starts a new slab rather than split a four-byte character', () => {
    const writer = new SlabTextWriter(new ScratchSlabs(1024, SLAB));

    const views = writer.write(`${'a'.repeat(14)}😀`);

    expect(views.map((view) => view.toString('utf8'))).toEqual(['a'.repeat(14), '😀']);
    expect(views[0].buffer).not.toBe(views[1].buffer);
  });

  it('writes a text many slabs long', () => {
    const text = 'ж'.repeat(1000);
    const writer = new SlabTextWriter(new ScratchSlabs(1024, SLAB));

    const views = writer.write(text);

    expect(Buffer.concat(views).toString('utf8')).toBe(text);
    expect(views.length).toBeGreaterThanOrEqual(Buffer.byteLength(text) / SLAB);
  });

  it('gives its slabs back on release, once, for the next writer to use', () => {
    const slabs = new ScratchSlabs(1024, SLAB);
    const first = new SlabTextWriter(slabs);
    const firstSlabs = new Set(first.write('x'.repeat(40)).map((view) => view.buffer));

    first.release();
    first.release();
    const second = new SlabTextWriter(slabs);
    const secondSlabs = new Set(second.write('y'.repeat(40)).map((view) => view.buffer));

    expect(secondSlabs).toEqual(firstSlabs);
    expect(slabs.keptBytes).toBe(3 * SLAB);
  });

  it('writes nothing for an empty text', () => {
    const writer = new SlabTextWriter(new ScratchSlabs(1024, SLAB));

    expect(writer.write('')).toEqual([]);
    expect(writer.byteLength).toBe(0);
  });
});

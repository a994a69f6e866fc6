import { ScratchSlabs } from './scratch-slabs';

describe('ScratchSlabs', () => {
  it('hands a slab given back out again instead of allocating another', () => {
    const slabs = new ScratchSlabs(4096, 1024);
    const first = slabs.take();

    slabs.giveBack([first]);

    expect(slabs.take()).toBe(first);
    expect(slabs.keptBytes).toBe(1024);
  });

  it('keeps at most keptBytes, in whole slabs; slabs past it are never handed out again', () => {
    const slabs = new ScratchSlabs(2500, 1024);
    const taken = [slabs.take(), slabs.take(), slabs.take(), slabs.take()];

    slabs.giveBack(taken);
    const again = [slabs.take(), slabs.take(), slabs.take(), slabs.take()];

    expect(slabs.keptBytes).toBe(3 * 1024);
    expect(new Set(again).size).toBe(4);
    expect(again.filter((slab) => taken.includes(slab))).toHaveLength(3);
    expect(again).not.toContain(taken[3]);
    for (const slab of [...taken, ...again]) expect(slab.length).toBe(1024);
  });

  it('puts a slab given back twice on its free list once, so no two users ever share one', () => {
    const slabs = new ScratchSlabs(4096, 1024);
    const slab = slabs.take();

    slabs.giveBack([slab, slab]);
    slabs.giveBack([slab]);

    expect(slabs.take()).toBe(slab);
    expect(slabs.take()).not.toBe(slab);
  });

  it('ignores buffers it did not hand out', () => {
    const slabs = new ScratchSlabs(4096, 1024);
    const foreign = Buffer.alloc(1024);

    slabs.giveBack([foreign]);

    expect(slabs.take()).not.toBe(foreign);
  });

  it('never hands out a slice of a shared buffer', () => {
    const slab = new ScratchSlabs(4096, 1024).take();

    expect(slab.byteOffset).toBe(0);
    expect(slab.buffer.byteLength).toBe(1024);
  });
});

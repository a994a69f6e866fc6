import { EpochMillisJson } from './epoch-millis-json';

describe('EpochMillisJson', () => {
  const expectJsonText = (writer: EpochMillisJson, ts: number): void => {
    expect(writer.json(ts)).toBe(JSON.stringify(ts));
  };

  it('writes a timestamp as JSON.stringify does, whatever its last six digits', () => {
    const writer = new EpochMillisJson();
    for (const ts of [
      1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_010, 1_700_000_099_999, 1_700_000_100_000,
      1_700_000_999_999, 1_700_001_000_000, 1_764_806_400_123,
    ]) {
      expectJsonText(writer, ts);
    }
  });

  it('converts the leading digits again when they change, in either direction', () => {
    const writer = new EpochMillisJson();
    const timestamps = [1_700_000_999_999, 1_700_001_000_000, 1_700_000_999_998, 1_699_999_000_000];
    for (const ts of [...timestamps, ...timestamps.reverse()]) expectJsonText(writer, ts);
  });

  it('writes every magnitude from a million to 2^53 as JSON.stringify does', () => {
    const writer = new EpochMillisJson();
    for (let ts = 1_000_000; ts < Number.MAX_SAFE_INTEGER; ts = ts * 7 + 3) {
      expectJsonText(writer, ts);
      expectJsonText(writer, ts - 1);
    }
    expectJsonText(writer, Number.MAX_SAFE_INTEGER);
  });

  it('matches JSON.stringify for ten thousand random timestamps around now', () => {
    const writer = new EpochMillisJson();
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let index = 0; index < 10_000; index++) {
      expectJsonText(writer, 1_764_806_400_000 + Math.floor(random() * 3_000_000_000));
    }
  });

  it('leaves what is not a whole number of milliseconds from a million to 2^53 to the usual conversion', () => {
    const writer = new EpochMillisJson();
    for (const ts of [
      0,
      -0,
      1,
      999_999,
      -1_700_000_000_000,
      1_700_000_000_000.5,
      0.1,
      2 ** 53,
      2 ** 60,
      1e21,
      1.5e300,
      Number.MIN_VALUE,
    ]) {
      expectJsonText(writer, ts);
    }
  });
});

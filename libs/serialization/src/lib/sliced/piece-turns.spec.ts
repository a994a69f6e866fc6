import { PieceTurns } from './piece-turns';

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (e: Error) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PieceTurns', () => {
  it('runs at most its limit at once, the rest in the order they came, as earlier ones end', async () => {
    const turns = new PieceTurns<string>(2);
    const started: number[] = [];
    const pieces = [0, 1, 2, 3].map(() => deferred<string>());
    const results = pieces.map((piece, index) =>
      turns.run(() => {
        started.push(index);
        return piece.promise;
      }),
    );

    expect(started).toEqual([0, 1]);
    pieces[1].resolve('one');
    await results[1];
    expect(started).toEqual([0, 1, 2]);
    // A piece that fails still gives its turn up.
    pieces[0].reject(new Error('zero failed'));
    await expect(results[0]).rejects.toThrow('zero failed');
    expect(started).toEqual([0, 1, 2, 3]);
    pieces[2].resolve('two');
    pieces[3].resolve('three');
    await expect(Promise.all(results.slice(1))).resolves.toEqual(['one', 'two', 'three']);
  });

  it('never starts the pieces still waiting once abandoned', async () => {
    const turns = new PieceTurns<string>(1);
    const started: number[] = [];
    const first = deferred<string>();
    const results = [first.promise, Promise.resolve('later')].map((piece, index) =>
      turns.run(() => {
        started.push(index);
        return piece;
      }),
    );

    turns.abandon();
    first.resolve('first');

    await expect(results[0]).resolves.toBe('first');
    expect(started).toEqual([0]);
  });
});

import { sseData } from './sse-data';

function streamOf(...parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const data of sseData(stream)) out.push(data);
  return out;
}

describe('sseData', () => {
  it('yields each event data, across chunk boundaries that split lines and characters', async () => {
    const euro = new TextEncoder().encode('€');
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: {"a"'));
        controller.enqueue(encoder.encode(':1}\n\ndata: x'));
        controller.enqueue(euro.slice(0, 1));
        controller.enqueue(euro.slice(1));
        controller.enqueue(encoder.encode('\n\n'));
        controller.close();
      },
    });

    await expect(collect(stream)).resolves.toEqual(['{"a":1}', 'x€']);
  });

  it('handles CRLF, data without a space, multi-line data, comments and other fields', async () => {
    const stream = streamOf(
      ': keep-alive\r\n\r\n',
      'event: message\r\ndata:one\r\ndata: two\r\n\r\n',
      'data: [DONE]\n\n',
    );

    await expect(collect(stream)).resolves.toEqual(['one\ntwo', '[DONE]']);
  });

  it('yields a last event that the stream ended without a blank line', async () => {
    await expect(collect(streamOf('data: tail'))).resolves.toEqual(['tail']);
  });
});

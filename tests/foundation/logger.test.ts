import { assertEquals } from "../helpers/assert.ts";
import { ManualClock } from "../../src/clock.ts";
import { createBatchedSink } from "../../src/logger.ts";

/** An output that records each write call; `chunk` caps how many bytes one call takes. */
function recordingOutput(chunk = Infinity) {
  const calls: string[] = [];
  const received: number[] = [];
  return {
    calls,
    /** Everything written so far, decoded as one text */
    text: () => new TextDecoder().decode(new Uint8Array(received)),
    writeSync(bytes: Uint8Array): number {
      const taken = Math.min(bytes.length, chunk);
      received.push(...bytes.subarray(0, taken));
      calls.push(new TextDecoder().decode(bytes.subarray(0, taken)));
      return taken;
    },
  };
}

Deno.test("batched sink writes the lines of one burst in a single call after the delay", () => {
  const output = recordingOutput();
  const clock = new ManualClock();
  const sink = createBatchedSink(output, { maxDelayMs: 5, clock });
  sink.write('{"n":1}');
  clock.advance(4);
  sink.write('{"n":2}');
  assertEquals(output.calls, [], "held back at first");
  clock.advance(1);
  assertEquals(output.calls, ['{"n":1}\n{"n":2}\n'], "the delay counts from the first line");
  assertEquals(clock.pendingTimers, 0);
});

Deno.test("batched sink writes at once when flushed or when the batch is full", () => {
  const output = recordingOutput();
  const sink = createBatchedSink(output, { maxDelayMs: 60_000, maxBytes: 16 });
  sink.write("0123456789");
  sink.write("abcdef");
  assertEquals(output.calls, ["0123456789\nabcdef\n"], "17 bytes reached the 16-byte batch");
  sink.write("last");
  sink.flush();
  assertEquals(output.calls, ["0123456789\nabcdef\n", "last\n"]);
  sink.flush();
  assertEquals(output.calls.length, 2, "nothing left to write");
});

Deno.test("batched sink finishes a batch the output only took part of", () => {
  const output = recordingOutput(4);
  const sink = createBatchedSink(output);
  sink.write("héllo wörld");
  sink.flush();
  assertEquals(output.calls.length > 1, true);
  assertEquals(output.text(), "héllo wörld\n");
});

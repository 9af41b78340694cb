/** One of this instance's messages on its way round the revocation channel. */
export interface Publication {
  /** Taken before the NOTIFY is even queued, so trust counted from it errs early */
  readonly sentMs: number;
  /** A revocation waits for peers' acknowledgements, a heartbeat only for its echo */
  readonly revocation: boolean;
  echoed: boolean;
  readonly acked: Set<string>;
  /** Peers whose acknowledgement is needed, decided when the echo arrives */
  awaited?: Set<string>;
  /** Resolves once, when it is settled */
  readonly settled: Promise<void>;
  settle(): void;
  /** Calls `over` after `ms` unless it is settled before */
  settleAfter(ms: number, over: () => void): void;
}

export function startPublication(revocation: boolean, onSettled: () => void): Publication {
  let resolve = () => {};
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    sentMs: performance.now(),
    revocation,
    echoed: false,
    acked: new Set(),
    settled: new Promise<void>((settle) => resolve = settle),
    settle() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      onSettled();
      resolve();
    },
    settleAfter(ms, over) {
      if (!done) timer = setTimeout(over, ms);
    },
  };
}

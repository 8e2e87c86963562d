// The training Worker: messages in, TrainHandler (engine/train/protocol.ts) does the work,
// events out. Started by client.ts with Vite's `new Worker(new URL(…), { type: 'module' })`.
import { type TrainEvent, TrainHandler, type TrainRequest } from '../../engine/train/protocol';

const scope = self as unknown as { postMessage(e: TrainEvent): void; onmessage: ((e: MessageEvent<TrainRequest>) => void) | null };

// A MessageChannel turn lets queued messages (pause) run between slices, without setTimeout's clamping.
const channel = new MessageChannel();
const queue: (() => void)[] = [];
channel.port1.onmessage = () => queue.shift()?.();

const handler = new TrainHandler({
  post: (e) => scope.postMessage(e),
  now: () => performance.now(),
  defer(fn) {
    queue.push(fn);
    channel.port2.postMessage(0);
  },
});

scope.onmessage = (e) => {
  try {
    handler.handle(e.data);
  } catch (err) {
    scope.postMessage({ type: 'error', message: `internal error: ${err instanceof Error ? err.message : String(err)}`, step: 0 });
  }
};

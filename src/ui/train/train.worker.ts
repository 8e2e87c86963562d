// The training Worker: messages in, TrainHandler (engine/train/protocol.ts) does the work,
// events out. Started by client.ts with Vite's `new Worker(new URL(…), { type: 'module' })`.
import { createRegistry } from '../../engine/ops/registry';
import { type TrainEvent, TrainHandler, type TrainRequest } from '../../engine/train/protocol';
import { MNIST_FILE, createMnistLoader } from '../kernel/mnist-loader';

const scope = self as unknown as { postMessage(e: TrainEvent): void; onmessage: ((e: MessageEvent<TrainRequest>) => void) | null };

// A MessageChannel turn lets queued messages (pause) run between slices, without setTimeout's clamping.
const channel = new MessageChannel();
const queue: (() => void)[] = [];
channel.port1.onmessage = () => queue.shift()?.();

// MNIST digits load lazily here too (the same static file as the app): a sheet that reads them
// starts once they have arrived.
const mnist = createMnistLoader({ url: `${import.meta.env.BASE_URL}${MNIST_FILE}` });
const registry = createRegistry({ mnist: mnist.source });
let digitsSettled = false;
mnist.onSettled(() => (digitsSettled = true));

const handler = new TrainHandler({
  post: (e) => scope.postMessage(e),
  now: () => performance.now(),
  defer(fn) {
    queue.push(fn);
    channel.port2.postMessage(0);
  },
}, { registry });

function handle(msg: TrainRequest): void {
  if (msg.type === 'start' && msg.doc && !digitsSettled && JSON.stringify(msg.doc.cells).includes('mnist_')) {
    const d = mnist.source.digits(); // asks for the digits
    if ('loading' in d) {
      const off = mnist.onSettled(() => {
        off();
        handle(msg);
      });
      return;
    }
  }
  handler.handle(msg);
}

scope.onmessage = (e) => {
  try {
    handle(e.data);
  } catch (err) {
    scope.postMessage({ type: 'error', message: `internal error: ${err instanceof Error ? err.message : String(err)}`, step: 0 });
  }
};

// The example sheets in examples/, found by Vite at build time (new files appear automatically).
import { type ExampleEntry, listExamples } from './kernel/examples';

const modules = import.meta.glob('/examples/*.json', { query: '?raw', import: 'default' }) as Record<string, () => Promise<string>>;

export function viteExamples(): Promise<ExampleEntry[]> {
  return listExamples(modules);
}

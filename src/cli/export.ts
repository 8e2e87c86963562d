import type { Io } from './main';
export function exportCommand(_args: string[], io: Io): number {
  io.err('gradsheet export: not yet');
  return 2;
}

// The exercise and export commands, dispatched from main.ts by name.
import { exportCommand } from './export';
import { gradeCommand } from './grade';
import type { Io } from './main';
import { studentCommand } from './student';

export const MORE_COMMANDS: Record<string, (args: string[], io: Io) => number> = {
  grade: gradeCommand,
  student: studentCommand,
  export: exportCommand,
};

export const MORE_USAGE = `  gradsheet student SHEET.json [--out FILE]
                                       the student copy of an exercise: answer cells emptied
  gradsheet grade SUBMISSION.json --key KEY.json [--json]
                                       put the answers into the key and run its checks
                                       (exit 0: all pass, 1: some fail, 2: invalid file)
  gradsheet export SHEET.json --to numpy|pytorch [--steps N] [--out FILE]
                                       a standalone Python script with the same numbers;
                                       a training sheet's script holds its training loop and
                                       trains N steps when run (default 0: it prints what eval
                                       prints; python3 SCRIPT --steps M trains M)`;

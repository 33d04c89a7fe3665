import { format } from 'node:util';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs the CLI in-process with its stdout and stderr captured, so the `error:` lines of commands
 * that are meant to fail end up in the result (and in assertion messages), not in the test log.
 */
export async function runCli(args: readonly string[]): Promise<CliResult> {
  let out = '';
  const err = await captureStderr(async () => main(args, (s) => void (out += s)));
  return { code: err.value, out, err: err.text };
}

export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  let text = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await fn(), text };
  } finally {
    process.stderr.write = write;
  }
}

/** Runs fn with console.log and console.error captured: what a program snippet prints. */
export async function captureConsole(fn: () => Promise<unknown>): Promise<string> {
  let text = '';
  const { log, error } = console;
  console.log = (...a: unknown[]) => void (text += format(...a) + '\n');
  console.error = console.log;
  try {
    await fn();
  } finally {
    Object.assign(console, { log, error });
  }
  return text;
}

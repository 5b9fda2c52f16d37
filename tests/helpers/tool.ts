import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { sharedRedisEnv } from './app';

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const root = resolve(__dirname, '../..');

/** Runs one of `tools/` as an operator would, on the suite's Redis, with the given environment on top. */
export function runTool(script: string, args: string[], env: Record<string, string>): Promise<ToolRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        ...sharedRedisEnv(),
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

import { spawn } from 'node:child_process';

describe('graceful shutdown', () => {
  it('SIGTERM while a slow request is in flight: the request completes, then the process exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/slow-server.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    const port = await new Promise<number>((found) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"port":(\d+)/.exec(output);
        if (match) found(Number(match[1]));
      });
    });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

    const response = fetch(`http://127.0.0.1:${port}/slow`).then((res) => res.json());
    await new Promise((done) => setTimeout(done, 300));
    child.kill('SIGTERM');

    expect(await response).toEqual({ finished: true });
    expect(await exited).toBe(0);
    expect(output).toContain('closed-hook-ran');
    // New connections are refused once stopping began.
    await expect(fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();
  });
});

import { type Config, ConfigError, loadConfig } from '../src/config';

/** The service's configuration for a command-line tool: a bad one prints `<tool>: <reason>` and exits 2. */
export function toolConfig(tool: string): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`${tool}: ${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

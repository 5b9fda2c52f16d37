/**
 * `npm run api-key -- <name> <role>`: makes an API key. Prints the secret to give the caller and the `API_KEYS`
 * entry to configure (only the hash). Nothing is stored.
 */
import { type ApiKeyRole, apiKeyName, apiKeyRoles, makeApiKey } from './launcher/apiKey';

const [name, role] = process.argv.slice(2);
if (!name || !role || !apiKeyName.test(name) || !(apiKeyRoles as readonly string[]).includes(role)) {
  process.stderr.write(
    'usage: npm run api-key -- <name> <role>\n' +
      '  name: letters, digits, _ . - (shown in the audit log); role: site, finance or admin\n',
  );
  process.exit(64); // EX_USAGE
}
const key = makeApiKey(name, role as ApiKeyRole);
process.stdout.write(
  `Secret to give "${name}" (not stored anywhere; send it as Authorization: Bearer <secret>):\n  ${key.secret}\n` +
    `Entry to add to API_KEYS (comma-separated with the others):\n  ${key.entry}\n`,
);

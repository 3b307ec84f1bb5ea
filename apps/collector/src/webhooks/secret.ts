/** Returns a configured secret, read from the environment for "env:NAME"; undefined when that variable is unset or shorter than 24 characters. */
export function readSecret(configured: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!configured.startsWith('env:')) return configured;
  const value = env[configured.slice(4)];
  return value && value.length >= 24 ? value : undefined;
}

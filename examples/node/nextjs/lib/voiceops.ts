// Server-only: the vault and the provider base URLs, opened once per server process.
// Environment: VOICEOPS_VAULT, VOICEOPS_KEY_FILE (the vault and its key), VOICEOPS_SANDBOX_URL
// (Twilio and Vapi base URLs; the local sandbox by default, see start.mjs), PUBLIC_BASE_URL
// (the URL Twilio and Vapi call), ADMIN_TOKEN (bearer token of the admin routes).
import { Vault } from 'voiceops';

export interface AppState {
  vault: Vault;
  providerUrl: string;
}

let state: Promise<AppState> | null = null;

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (start the example with nextjs/start.mjs)`);
  return v;
}

export function app(): Promise<AppState> {
  state ??= (async () => ({
    vault: await Vault.open(required('VOICEOPS_VAULT'), { keys: [{ id: 'main', file: required('VOICEOPS_KEY_FILE') }], actor: 'nextjs-example' }),
    providerUrl: required('VOICEOPS_SANDBOX_URL'),
  }))();
  return state;
}

export function publicBaseUrl(): string {
  return required('PUBLIC_BASE_URL');
}

export function isAdmin(request: Request): boolean {
  const token = process.env.ADMIN_TOKEN || 'change-me';
  return request.headers.get('authorization') === `Bearer ${token}`;
}

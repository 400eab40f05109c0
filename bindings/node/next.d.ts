// Type definitions for voiceops/next.
import type { Vault, VerifyResult, SecretLike, VapiWebhookOptions, VapiMessage, PublicUrlOptions, GuardOptions } from './index';

export interface NextWebhookOptions {
  provider: 'twilio' | 'vapi';
  /** Route through the vault: the tenant comes from the webhook token in the URL. */
  vault?: Vault;
  /** Opt-in duplicate/replay guard (needs vault; with fixed keys also tenant): authentic
   *  requests are recorded in the vault's seen-request store; a provider retry is answered
   *  200 without running the handler, a replay 403. */
  guard?: boolean | GuardOptions;
  /** 'answer' (default): a duplicate is { ok: false, duplicate: true, status: 200 };
   *  'call': it is ok with duplicate: true (voice URLs that must answer TwiML). */
  onDuplicate?: 'answer' | 'call';
  /** With fixed keys and guard: the tenant whose keys they are (the vault is the store). */
  tenant?: string;
  /** The token (default: the last path segment of the request URL). */
  token?: string | ((url: URL) => string | null);
  /** Static keys instead of a vault. */
  authTokens?: SecretLike | SecretLike[] | ((request: Request) => SecretLike | SecretLike[] | Promise<SecretLike | SecretLike[]>);
  secrets?: SecretLike | SecretLike[] | ((request: Request) => SecretLike | SecretLike[] | Promise<SecretLike | SecretLike[]>);
  vapiOptions?: VapiWebhookOptions;
  /** baseUrl, or trusted proxies with the peer address your server knows. */
  publicUrl: PublicUrlOptions & { peerAddress?: string | ((request: Request) => string | null) };
  maxBody?: number;
  exactUrlOnly?: boolean;
}
export interface VerifiedNextWebhook {
  ok: true;
  status: 200;
  /** Guard with onDuplicate: 'call': a provider retry; answer as before, do not act again. */
  duplicate: boolean;
  tenant: string | null;
  result: VerifyResult;
  body: Buffer;
  params: Record<string, string | string[]> | null;
  pairs: Array<[string, string]> | null;
  json: unknown;
  message: VapiMessage | null;
  url: string;
}
export interface FailedNextWebhook {
  ok: false;
  status: number;
  message: string;
  result: VerifyResult | null;
  /** Guard: a provider retry answered 200 without the handler. */
  duplicate?: true;
  /** A ready Response with the status the C library maps the outcome to. */
  response: Response;
}
export declare function verifyWebhook(request: Request, options: NextWebhookOptions): Promise<VerifiedNextWebhook | FailedNextWebhook>;
export declare function withWebhook<C = unknown>(
  options: NextWebhookOptions,
  handler: (request: Request, context: C, verified: VerifiedNextWebhook) => Response | Promise<Response>,
): (request: Request, context: C) => Promise<Response>;

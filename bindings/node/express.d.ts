// Type definitions for voiceops/express.
/// <reference types="node" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Vault, VerifyResult, PublicUrlOptions, SecretLike, VapiWebhookOptions, VapiMessage, GuardOptions } from './index';

export interface WebhookFailure {
  ok: false;
  /** 200 for a duplicate answered without the handler (guard), else the C library's status. */
  status: number;
  result: VerifyResult | null;
  message: string;
  /** Guard: a provider retry of a request already accepted (answered, not acted on). */
  duplicate?: true;
  tenant?: string | null;
}
export interface VerifiedWebhook {
  ok: true;
  status: 200;
  /** Guard with onDuplicate: 'call': a provider retry of a request already accepted; answer
   *  as before (the same TwiML) and do not act again. Otherwise false. */
  duplicate: boolean;
  /** The tenant the URL token resolved to (routed webhooks), or options.tenant, else null. */
  tenant: string | null;
  result: VerifyResult;
  /** The raw body that was verified. */
  body: Buffer;
  /** Form bodies: the parameters (a repeated name keeps an array). */
  params: Record<string, string | string[]> | null;
  pairs: Array<[string, string]> | null;
  /** JSON bodies. */
  json: unknown;
  /** Vapi server messages, parsed. */
  message: VapiMessage | null;
  /** The public URL that was verified. */
  url: string;
}
type Req = IncomingMessage & { params?: Record<string, string>; body?: unknown; originalUrl?: string; voiceops?: VerifiedWebhook };
type Res = ServerResponse & { status(code: number): Res; type(t: string): Res; send(body: unknown): unknown };
export type Middleware = (req: Req, res: Res, next: (err?: unknown) => void) => Promise<void>;

export interface CommonOptions {
  /** Where the URL the provider signed comes from: a base URL, or trusted proxies' headers. */
  publicUrl: PublicUrlOptions;
  maxBody?: number;
  onFailure?: (req: Req, res: Res, failure: WebhookFailure) => void;
  /** Opt-in duplicate/replay guard (needs vault; with fixed keys also tenant): authentic
   *  requests are recorded in the vault's seen-request store; a provider retry is answered
   *  200 without running the handler, a replay 403. */
  guard?: boolean | GuardOptions;
  /** 'answer' (default): a duplicate gets 200 and the handler is not called; 'call': the
   *  handler runs with req.voiceops.duplicate true (voice URLs that must answer TwiML). */
  onDuplicate?: 'answer' | 'call';
}
export interface TwilioWebhookOptions extends CommonOptions {
  authTokens?: SecretLike | SecretLike[] | ((req: Req) => SecretLike | SecretLike[] | Promise<SecretLike | SecretLike[]>);
  exactUrlOnly?: boolean;
  /** Routing (keys from the vault through the URL token), or with tenant the guard's store. */
  vault?: Vault;
  /** With fixed authTokens and guard: the tenant whose keys they are. */
  tenant?: string;
  token?: (req: Req) => string | undefined;
}
export interface VapiWebhookMiddlewareOptions extends CommonOptions {
  secrets?: SecretLike | SecretLike[] | ((req: Req) => SecretLike | SecretLike[] | Promise<SecretLike | SecretLike[]>);
  vapiOptions?: VapiWebhookOptions;
  vault?: Vault;
  /** With fixed secrets and guard: the tenant whose secrets they are. */
  tenant?: string;
  token?: (req: Req) => string | undefined;
}
export interface RoutedWebhookOptions extends CommonOptions {
  vault: Vault;
  provider: 'twilio' | 'vapi';
  /** The routing token of a request (default: req.params.token). */
  token?: (req: Req) => string | undefined;
}
export declare function twilioWebhook(options: TwilioWebhookOptions): Middleware;
export declare function vapiWebhook(options: VapiWebhookMiddlewareOptions): Middleware;
export declare function routedWebhook(options: RoutedWebhookOptions): Middleware;
export declare function readBody(req: IncomingMessage, limit: number): Promise<Buffer>;

declare global {
  namespace Express {
    interface Request { voiceops?: VerifiedWebhook }
  }
}

// Type definitions for voiceops/express.
/// <reference types="node" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Vault, VerifyResult, PublicUrlOptions, SecretLike, VapiWebhookOptions, VapiMessage } from './index';

export interface WebhookFailure { ok: false; status: number; result: VerifyResult | null; message: string }
export interface VerifiedWebhook {
  ok: true;
  status: 200;
  /** The tenant the URL token resolved to (routed webhooks), else null. */
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
}
export interface TwilioWebhookOptions extends CommonOptions {
  authTokens?: SecretLike | SecretLike[] | ((req: Req) => SecretLike | SecretLike[] | Promise<SecretLike | SecretLike[]>);
  exactUrlOnly?: boolean;
  vault?: Vault;
  token?: (req: Req) => string | undefined;
}
export interface VapiWebhookMiddlewareOptions extends CommonOptions {
  secrets?: SecretLike | SecretLike[] | ((req: Req) => SecretLike | SecretLike[] | Promise<SecretLike | SecretLike[]>);
  vapiOptions?: VapiWebhookOptions;
  vault?: Vault;
  token?: (req: Req) => string | undefined;
}
export interface RoutedWebhookOptions extends CommonOptions {
  vault: Vault;
  provider: 'twilio' | 'vapi';
  /** With a vault: record authentic requests in the seen-request store; a provider retry is
   *  answered 200 without running the handler, a replay 403. */
  guard?: boolean | { retentionSeconds?: number; retryWindowSeconds?: number };
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

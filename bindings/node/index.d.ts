// Type definitions for voiceops (hand-written; the runtime is lib/index.js and the N-API addon).
/// <reference types="node" />

// ---- errors --------------------------------------------------------------------------------

export type ErrorCodeName =
  | 'VO_ERROR' | 'VO_EINVAL' | 'VO_ENOMEM' | 'VO_ERANGE' | 'VO_ETOOBIG' | 'VO_EPARSE'
  | 'VO_EAUTH' | 'VO_ECRYPTO' | 'VO_ENOTFOUND' | 'VO_EEXISTS' | 'VO_ECONFLICT' | 'VO_ESTORAGE'
  | 'VO_EBUSY' | 'VO_ENETWORK' | 'VO_ETIMEOUT' | 'VO_ERATELIMIT' | 'VO_EUNAVAILABLE'
  | 'VO_EPROTOCOL' | 'VO_EVALIDATION' | 'VO_EFORBIDDEN' | 'VO_EEXPIRED' | 'VO_ENOTINIT'
  | 'VO_EUNSUPPORTED' | 'VO_EINTERNAL' | 'VO_EHANDLE' | 'VO_EREQUEST' | 'VO_ETLS' | 'VO_EDUPLICATE';

export declare const CODES: Readonly<Record<ErrorCodeName, number>>;

export interface VoiceOpsErrorProps {
  errno?: number;
  code?: ErrorCodeName;
  httpStatus?: number;
  providerCode?: number;
  requestId?: string;
  correlationId?: string;
  moreInfo?: string;
  retryAfterMs?: number | null;
}

/** A failure of the C library, copied on the thread that made the call. Never holds a secret. */
export declare class VoiceOpsError extends Error {
  constructor(message: string, props?: VoiceOpsErrorProps);
  /** The C code name, e.g. 'VO_EAUTH'. */
  readonly code: ErrorCodeName;
  /** The C code, e.g. -7. */
  readonly errno: number;
  /** HTTP status of a remote failure, else 0. */
  readonly httpStatus: number;
  /** Provider error code (Twilio 20003, ...), else 0. */
  readonly providerCode: number;
  /** Provider request id, else ''. */
  readonly requestId: string;
  /** Correlation id of the failed operation, else ''. */
  readonly correlationId: string;
  /** Provider documentation URL, else ''. */
  readonly moreInfo: string;
  /** Server-requested delay in milliseconds, or null. */
  readonly retryAfterMs: number | null;
  /** Server-requested delay in seconds, or null. */
  readonly retryAfter: number | null;
}
export declare class InvalidArgumentError extends VoiceOpsError {}
export declare class OutOfMemoryError extends VoiceOpsError {}
export declare class BufferRangeError extends VoiceOpsError {}
export declare class TooBigError extends VoiceOpsError {}
export declare class ParseError extends VoiceOpsError {}
export declare class AuthError extends VoiceOpsError {}
export declare class CryptoError extends VoiceOpsError {}
export declare class NotFoundError extends VoiceOpsError {}
export declare class ExistsError extends VoiceOpsError {}
export declare class ConflictError extends VoiceOpsError {}
export declare class StorageError extends VoiceOpsError {}
export declare class BusyError extends VoiceOpsError {}
export declare class NetworkError extends VoiceOpsError {}
export declare class TimeoutError extends VoiceOpsError {}
export declare class RateLimitError extends VoiceOpsError {}
export declare class UnavailableError extends VoiceOpsError {}
export declare class ProtocolError extends VoiceOpsError {}
export declare class ValidationError extends VoiceOpsError {}
export declare class ForbiddenError extends VoiceOpsError {}
export declare class ExpiredError extends VoiceOpsError {}
export declare class NotInitializedError extends VoiceOpsError {}
export declare class UnsupportedError extends VoiceOpsError {}
export declare class InternalError extends VoiceOpsError {}
export declare class HandleError extends VoiceOpsError {}
export declare class RequestError extends VoiceOpsError {}
export declare class TlsError extends VoiceOpsError {}
/** The webhook guard saw this authentic request before (a provider retry). */
export declare class DuplicateError extends VoiceOpsError {}
export declare function errorClass(errno: number): typeof VoiceOpsError;

// ---- constants --------------------------------------------------------------------------------

export declare const LogLevel: Readonly<{ TRACE: 0; DEBUG: 1; INFO: 2; WARN: 3; ERROR: 4; NONE: 5 }>;
export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'none';
export declare const VerifyReason: Readonly<{
  OK: 0; MISSING_SIGNATURE: 1; EMPTY_SIGNATURE: 2; MALFORMED_SIGNATURE: 3; NO_KEY: 4; MISMATCH: 5;
  BODY_HASH_MISMATCH: 6; MISSING_BODY_HASH: 7; MALFORMED_BODY: 8; BODY_TOO_LARGE: 9;
  MALFORMED_URL: 10; MISSING_TIMESTAMP: 11; MALFORMED_TIMESTAMP: 12; TIMESTAMP_TOO_OLD: 13;
  TIMESTAMP_TOO_NEW: 14; MISSING_ID: 15; INVALID_ARGUMENT: 16; INTERNAL_ERROR: 17;
  MALFORMED_TOKEN: 18; UNKNOWN_TOKEN: 19; NOT_INITIALIZED: 20; URL_TOO_LONG: 21;
  DUPLICATE: 22; REPLAY: 23;
}>;
export declare const VerifySeen: Readonly<{ NOT_CHECKED: 0; FIRST: 1; DUPLICATE: 2; REPLAY: 3 }>;
export declare const TwilioUrlForm: Readonly<{ AS_GIVEN: 0; PORT_TOGGLED: 1; LEGACY_QUERY: 2; LEGACY_QUERY_PORT_TOGGLED: 3 }>;
export declare const VapiAuth: Readonly<{ SECRET: 0; BEARER: 1; HMAC: 2 }>;
export declare const HmacAlgorithm: Readonly<{ SHA256: 0; SHA1: 1; SHA512: 2 }>;
export declare const SignatureEncoding: Readonly<{ HEX: 0; BASE64: 1 }>;
export declare const ForwardedHeaders: Readonly<{
  FORWARDED: 1; X_FORWARDED_PROTO: 2; X_FORWARDED_HOST: 4; X_FORWARDED_PORT: 8; X_FORWARDED_PREFIX: 16;
}>;
export declare const ImportFormat: Readonly<{ AUTO: 0; JSON: 1; CSV: 2 }>;
export declare const AuditReads: Readonly<{ BUFFERED: 0; SYNC: 1; OFF: 2 }>;
export declare const AuditBreak: Readonly<{ INTACT: 0; MAC_MISMATCH: 1; SEQ_GAP: 2; TAIL_MISMATCH: 3 }>;
export declare const RotationState: Readonly<{ IDLE: 0; CREATING: 1; WINDOW: 2; PROMOTING: 3 }>;
export declare const WebhookProvider: Readonly<{ TWILIO: 0; VAPI: 1 }>;
export declare const VapiSms: Readonly<{ UNSET: 0; ENABLED: 1; DISABLED: 2 }>;
export declare const SmtpTls: Readonly<{ STARTTLS: 0; IMPLICIT: 1; NONE: 2 }>;
export declare const HttpIdempotency: Readonly<{ AUTO: 0; YES: 1; NO: 2 }>;
export declare const VapiMessageKind: Readonly<{
  OTHER: 0; ASSISTANT_REQUEST: 1; TOOL_CALLS: 2; STATUS_UPDATE: 3; END_OF_CALL_REPORT: 4;
  TRANSCRIPT: 5; HANG: 6; TRANSFER_DESTINATION_REQUEST: 7; CONVERSATION_UPDATE: 8;
}>;
/** expectedVersion meaning "write unconditionally". */
export declare const ANY_VERSION: -1;

// ---- core -------------------------------------------------------------------------------------

export interface VersionInfo { version: string; major: number; minor: number; patch: number; abi: number; addonAbi: number }
export declare function version(): VersionInfo;
export interface Limits {
  webhookMaxBody: number; formMaxParams: number; vaultTenantMax: number; vaultNameMax: number;
  vaultKekIdMax: number; vaultValueMax: number; vaultKeySize: number; vaultWrappedMax: number;
  vapiTolerance: number; stdTolerance: number; vapiMessageMaxSize: number; routingTokenSize: number;
  errorMessageSize: number; correlationIdSize: number;
}
export declare function limits(): Limits;
/** Whether an optional part is compiled in (vo_feature_enabled): 'sqlite', 'postgres', 'fuzz', 'http2'. */
export declare function featureEnabled(name: 'sqlite' | 'postgres' | 'fuzz' | 'http2' | (string & {})): boolean;
export declare function newCorrelationId(): string;
/** The library's log redaction applied to a text. */
export declare function redact(text: string): string;

export interface LogRecord {
  level: number;
  levelName: LogLevelName;
  module: string;
  /** Already redacted. */
  message: string;
  correlationId: string;
}
/** Bridge libvoiceops logging to a callback or the console (null stops it). */
export declare function setLogger(logger: ((record: LogRecord) => void) | 'console' | null, level?: number | LogLevelName): void;

export type Bytes = string | Buffer | Uint8Array;

/** A secret in guarded C memory; prints as '[Secret]', never its value. */
export declare class Secret {
  private constructor();
  static from(value: Bytes | Secret): Secret;
  static isSecret(value: unknown): value is Secret;
  reveal(): string;
  bytes(): Buffer;
  readonly length: number;
  equals(other: Bytes | Secret): boolean;
  wipe(): void;
  readonly wiped: boolean;
  toString(): '[Secret]';
  toJSON(): '[Secret]';
}
export type SecretLike = string | Secret;

// ---- HTTP ---------------------------------------------------------------------------------------

export interface HttpOptions {
  connectTimeoutMs?: number; timeoutMs?: number; deadlineMs?: number; maxAttempts?: number;
  backoffBaseMs?: number; backoffMaxMs?: number; retryAfterMaxMs?: number;
  breakerThreshold?: number; breakerCooldownMs?: number; maxResponseBytes?: number;
  maxIdleHandles?: number; caBundlePath?: string; userAgentSuffix?: string; disableHttp2?: boolean;
}
export type Params = ReadonlyArray<readonly [string, string | number | boolean]> | Readonly<Record<string, string | number | boolean | ReadonlyArray<string>>>;
export type Headers = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>;
export interface HttpRequest {
  method?: string; baseUrl: string; path?: string; query?: Params; form?: Params; body?: Bytes;
  contentType?: string; headers?: Headers; username?: string; password?: string;
  bearerToken?: string; correlationId?: string; deadlineMs?: number;
  idempotency?: number | 'auto' | 'yes' | 'no';
}
export interface HttpResponse {
  status: number; body: Buffer; headers: Array<[string, string]>; requestId: string | null;
  correlationId: string | null; attempts: number; durationMs: number; newConnections: number;
  retryAfterMs: number;
}
export interface HttpStats { requests: number; attempts: number; retries: number; connects: number; breakerRejections: number }
export declare class HttpClient {
  constructor(options?: HttpOptions);
  readonly userAgent: string;
  stats(): HttpStats;
  send(request: HttpRequest): Promise<HttpResponse>;
  close(): void;
  readonly closed: boolean;
}

// ---- resources ------------------------------------------------------------------------------------

export declare class Resource {
  /** The resource as the provider sent it (JSON text, secrets removed). */
  readonly json: string;
  readonly requestId: string | null;
  /** The parsed JSON. */
  readonly data: Record<string, unknown>;
  get(field: string): unknown;
  toJSON(): Record<string, unknown>;
}
export declare class TwilioResource extends Resource {
  readonly sid: string | null;
  readonly status: string | null;
  readonly phoneNumber: string | null;
  readonly friendlyName: string | null;
  readonly accountSid: string | null;
}
export declare class VapiResource extends Resource {
  readonly id: string | null;
  readonly status: string | null;
  readonly number: string | null;
  readonly createdAt: string | null;
}
/** Lazily paging async iterator over a provider list. */
export declare class ResourceIterator<T> implements AsyncIterableIterator<T> {
  [Symbol.asyncIterator](): ResourceIterator<T>;
  next(): Promise<IteratorResult<T, undefined>>;
  return(value?: unknown): Promise<IteratorResult<T, undefined>>;
  /** Pages fetched so far. */
  readonly pages: number;
  close(): void;
  toArray(): Promise<T[]>;
}

// ---- clients --------------------------------------------------------------------------------------

export interface TwilioCredentials {
  accountSid: string;
  authToken?: SecretLike | null;
  apiKeySid?: string | null;
  apiKeySecret?: SecretLike | null;
  secondaryAuthToken?: SecretLike | null;
  region?: string | null;
  edge?: string | null;
}
export interface StoredTwilioCredentials {
  accountSid: string; authToken: Secret | null; apiKeySid: string | null; apiKeySecret: Secret | null;
  secondaryAuthToken: Secret | null; region: string | null; edge: string | null;
}
export interface VapiWebhookOptions {
  type?: number | 'secret' | 'bearer' | 'hmac';
  headerName?: string; bareToken?: boolean;
  algorithm?: number | 'sha256' | 'sha1' | 'sha512';
  signatureHeader?: string; timestampHeader?: string; messageIdHeader?: string;
  payloadFormat?: string; omitTimestamp?: boolean; encoding?: number | 'hex' | 'base64';
  signaturePrefix?: string; secretIsBase64?: boolean; toleranceSeconds?: number; maxBody?: number;
}
export interface VapiCredentials {
  apiKey?: SecretLike | null;
  webhook?: (VapiWebhookOptions & { secret: SecretLike }) | null;
}
export interface StoredVapiCredentials {
  apiKey: Secret | null;
  webhook: (Required<Omit<VapiWebhookOptions, 'type' | 'algorithm' | 'encoding'>> & { secret: Secret; type: number; algorithm: number; encoding: number }) | null;
}
export interface SmtpCredentials {
  host: string; port?: number; username?: string | null; password?: SecretLike | null;
  tls?: number | 'starttls' | 'implicit' | 'none';
}
export interface StoredSmtpCredentials { host: string; port: number; username: string | null; password: Secret | null; tls: number }

export interface TwilioOptions {
  apiBaseUrl?: string; accountsBaseUrl?: string; region?: string; edge?: string;
  http?: HttpOptions; httpClient?: HttpClient;
  allowServiceAccountFallback?: boolean; serviceAccountTenant?: string; allowInsecureHttp?: boolean;
}
export interface VapiOptions { baseUrl?: string; http?: HttpOptions; httpClient?: HttpClient; allowInsecureHttp?: boolean }

export declare class TwilioClient {
  constructor(credentials: TwilioCredentials, options?: TwilioOptions);
  static forTenant(vault: Vault, tenant: string, options?: TwilioOptions): Promise<TwilioClient>;
  readonly accountSid: string;
  readonly apiBaseUrl: string;
  readonly isFallback: boolean;
  withCorrelationId(id: string): TwilioClient;
  close(): void;
  readonly closed: boolean;
  readonly account: { get(): Promise<TwilioResource> };
  readonly subaccounts: {
    list(filters?: Params): ResourceIterator<TwilioResource>;
    create(friendlyName?: string | null): Promise<{ account: TwilioResource; authToken: Secret }>;
  };
  readonly numbers: {
    list(filters?: Params): ResourceIterator<TwilioResource>;
    get(sid: string): Promise<TwilioResource>;
    update(sid: string, params: Params): Promise<TwilioResource>;
    purchase(params: Params): Promise<TwilioResource>;
    release(sid: string): Promise<void>;
  };
  readonly availableNumbers: {
    search(country: string, type: 'Local' | 'TollFree' | 'Mobile' | string, filters?: Params): ResourceIterator<TwilioResource>;
  };
  readonly calls: {
    create(to: string, from: string, params?: Params): Promise<TwilioResource>;
    get(sid: string): Promise<TwilioResource>;
    list(filters?: Params): ResourceIterator<TwilioResource>;
    update(sid: string, params: Params): Promise<TwilioResource>;
  };
  readonly messages: {
    create(to: string, params: Params): Promise<TwilioResource>;
    get(sid: string): Promise<TwilioResource>;
    list(filters?: Params): ResourceIterator<TwilioResource>;
  };
  readonly keys: {
    list(filters?: Params): ResourceIterator<TwilioResource>;
    create(friendlyName?: string | null): Promise<{ key: TwilioResource; secret: Secret }>;
    createInVault(vault: Vault, tenant: string, friendlyName?: string | null): Promise<TwilioResource>;
    delete(sid: string): Promise<void>;
  };
  readonly authTokens: {
    createSecondary(): Promise<{ resource: TwilioResource; token: Secret }>;
    deleteSecondary(): Promise<void>;
    promote(): Promise<{ resource: TwilioResource; token: Secret }>;
  };
}

export type Json = string | Record<string, unknown> | unknown[];
export interface VapiAssistantParams {
  name?: string; firstMessage?: string; serverUrl?: string; serverCredentialId?: string;
  serverTimeoutSeconds?: number; model?: Json; voice?: Json; transcriber?: Json; extra?: Json;
}
export interface VapiCallParams {
  assistantId?: string; assistant?: Json; phoneNumberId?: string; customerNumber?: string;
  customerName?: string; name?: string; extra?: Json;
}
export interface VapiNumberParams {
  number?: string; name?: string; assistantId?: string; serverUrl?: string;
  serverCredentialId?: string; sms?: boolean | number | 'unset' | 'enabled' | 'disabled'; extra?: Json;
}
export interface VapiListOptions {
  limit?: number; pageSize?: number;
  createdAtGt?: string; createdAtLt?: string; createdAtGe?: string; createdAtLe?: string;
  updatedAtGt?: string; updatedAtLt?: string; updatedAtGe?: string; updatedAtLe?: string;
  id?: string; assistantId?: string; phoneNumberId?: string;
}
export declare class VapiClient {
  constructor(apiKey: SecretLike, options?: VapiOptions);
  static forTenant(vault: Vault, tenant: string, options?: VapiOptions): Promise<VapiClient>;
  readonly baseUrl: string;
  readonly tenant: string | null;
  withCorrelationId(id: string): VapiClient;
  close(): void;
  readonly closed: boolean;
  readonly assistants: {
    create(params: VapiAssistantParams): Promise<VapiResource>;
    list(options?: VapiListOptions): ResourceIterator<VapiResource>;
    get(id: string): Promise<VapiResource>;
    update(id: string, params: VapiAssistantParams): Promise<VapiResource>;
    delete(id: string): Promise<VapiResource>;
  };
  readonly calls: {
    create(params: VapiCallParams): Promise<VapiResource>;
    get(id: string): Promise<VapiResource>;
    list(options?: VapiListOptions): ResourceIterator<VapiResource>;
    update(id: string, name: string): Promise<VapiResource>;
    delete(id: string): Promise<VapiResource>;
  };
  readonly numbers: {
    importTwilio(vault: Vault, tenant: string, params: VapiNumberParams): Promise<VapiResource>;
    list(options?: VapiListOptions): ResourceIterator<VapiResource>;
    listV2(options?: { search?: string; pageSize?: number; sortOrder?: 'ASC' | 'DESC' | string }): ResourceIterator<VapiResource>;
    get(id: string): Promise<VapiResource>;
    update(id: string, params: VapiNumberParams): Promise<VapiResource>;
    delete(id: string): Promise<VapiResource>;
  };
}

// ---- vault ----------------------------------------------------------------------------------------

export type KeySpec =
  | { id: string; key: Bytes | Secret }
  | { id: string; file: string }
  | { id: string; env: string }
  | { id: string; passphrase: Bytes | Secret; opslimit?: number; memlimit?: number };
export interface VaultOptions {
  keys: KeySpec[];
  activeKey?: string;
  actor?: string;
  busyTimeoutMs?: number;
  dekCacheSize?: number;
  keptVersions?: number;
  noCreate?: boolean;
  auditReads?: number | 'buffered' | 'sync' | 'off';
  auditBufferRows?: number;
  rotationBatch?: number;
}
export interface TenantInfo { id: string; createdAt: number; kekId: string; dekGeneration: number; secretCount: number }
export interface SecretInfo { name: string; version: number; versionsKept: number; createdAt: number; updatedAt: number }
export interface AuditRow {
  seq: number; time: number; tenant: string | null; name: string | null; action: string;
  actor: string | null; correlationId: string | null; result: string;
}
export interface ImportReport { imported: number; skipped: number; rejected: number; rejections: Array<{ row: number; reason: string }> }
export interface ImportOptions {
  format?: number | 'auto' | 'json' | 'csv'; createTenants?: boolean; overwrite?: boolean;
  /** commit every `rotationBatch` rows in its own transaction (VO_IMPORT_BATCHED) */
  batched?: boolean;
}
export interface AuditFilter { tenant?: string | null; since?: number | Date; until?: number | Date; afterSeq?: number }
export interface WriteOptions { expectedVersion?: number }

export declare class Vault {
  private constructor();
  /** A SQLite path (or `sqlite:` URI), or with the PostgreSQL backend (featureEnabled('postgres'))
   *  a `postgresql://` / `postgres://` URI or libpq key=value string, plus `schema=NAME`. */
  static open(path: string, options: VaultOptions): Promise<Vault>;
  /** Copy a whole vault into another backend (vo_vault_copy): records as stored, audit chain
   *  verified before and after. `options`: the source's (keys required). Rejects with
   *  ExistsError when the destination already holds a vault. */
  static copy(destUri: string, srcUri: string, options: VaultOptions): Promise<void>;
  static keygen(path: string): Promise<void>;
  static restore(backupPath: string, destPath: string): Promise<void>;
  close(): void;
  readonly closed: boolean;
  createTenant(tenant: string): Promise<void>;
  deleteTenant(tenant: string): Promise<void>;
  getTenant(tenant: string): Promise<TenantInfo>;
  listTenants(options?: { after?: string | null; limit?: number }): Promise<TenantInfo[]>;
  tenants(options?: { after?: string | null; pageSize?: number }): AsyncGenerator<TenantInfo, void, undefined>;
  putSecret(tenant: string, name: string, value: Bytes | Secret, options?: WriteOptions): Promise<number>;
  getSecret(tenant: string, name: string, options?: { version?: number }): Promise<{ secret: Secret; version: number }>;
  deleteSecret(tenant: string, name: string, options?: WriteOptions): Promise<void>;
  listSecrets(tenant: string): Promise<SecretInfo[]>;
  rotateKek(kekId?: string | null): Promise<number>;
  kekUsage(kekId: string): Promise<number>;
  retireKek(kekId: string): Promise<void>;
  rotateTenantDek(tenant: string): Promise<void>;
  importBuffer(data: Bytes, options?: ImportOptions): Promise<ImportReport>;
  importFile(path: string, options?: ImportOptions): Promise<ImportReport>;
  backup(destPath: string): Promise<void>;
  auditAppend(tenant: string | null, name: string | null, action: string, result: string): Promise<void>;
  auditFlush(): Promise<void>;
  auditVerify(): Promise<{ rows: number; badSeq: number; reason: number; intact: boolean }>;
  listAudit(options?: AuditFilter & { limit?: number }): Promise<AuditRow[]>;
  audit(options?: AuditFilter & { pageSize?: number }): AsyncGenerator<AuditRow, void, undefined>;
  putTwilioCredentials(tenant: string, credentials: TwilioCredentials, options?: WriteOptions): Promise<number>;
  getTwilioCredentials(tenant: string): Promise<{ credentials: StoredTwilioCredentials; version: number }>;
  putVapiCredentials(tenant: string, credentials: VapiCredentials, options?: WriteOptions): Promise<number>;
  getVapiCredentials(tenant: string): Promise<{ credentials: StoredVapiCredentials; version: number }>;
  putSmtpCredentials(tenant: string, credentials: SmtpCredentials, options?: WriteOptions): Promise<number>;
  getSmtpCredentials(tenant: string): Promise<{ credentials: StoredSmtpCredentials; version: number }>;
  seenPut(tenant: string, scope: string, id: string, mark?: string | null, options?: { nowMs?: number; expiresAtMs?: number }): Promise<{ first: boolean; seenAtMs: number; sameMark: boolean }>;
  seenPrune(options?: { nowMs?: number; maxRows?: number }): Promise<number>;
  seenCount(): Promise<number>;
  auditCheckpoint(signingKeys: KeySpec[], keyId: string): Promise<string>;
  auditVerifyCheckpoint(checkpoint: string, publicKey: string): Promise<{ rows: number; badSeq: number; reason: number; intact: boolean }>;
  static checkpointPublicKey(keys: KeySpec[], keyId: string): Promise<string>;
  mintRoutingToken(tenant: string): Promise<string>;
  resolveRoutingToken(token: string): Promise<string>;
  tokenRotationState(tenant: string): Promise<number>;
}
export declare function validateCredentials(kind: 'twilio', credentials: TwilioCredentials): void;
export declare function validateCredentials(kind: 'vapi', credentials: VapiCredentials): void;
export declare function validateCredentials(kind: 'smtp', credentials: SmtpCredentials): void;

// ---- services -------------------------------------------------------------------------------------

export interface ServicesOptions {
  twilioApiBaseUrl?: string; twilioAccountsBaseUrl?: string; vapiBaseUrl?: string;
  http?: HttpOptions; httpClient?: HttpClient; correlationId?: string; allowInsecureHttp?: boolean;
}
export interface NumberImportEntry {
  number: string; twilioSid: string | null; status: 'imported' | 'already-present' | 'failed';
  vapiId: string | null; reason: string | null; error: number; errorName: ErrorCodeName | null;
}
export interface NumberImportReport {
  numbers: NumberImportEntry[]; imported: number; alreadyPresent: number; failed: number; correlationId: string;
}
export declare const services: {
  onboard(vault: Vault, tenant: string, credentials: { twilio?: TwilioCredentials | null; vapi?: VapiCredentials | null }, options?: ServicesOptions): Promise<void>;
  importNumbers(vault: Vault, tenant: string, importOptions?: { assistantId?: string; serverUrl?: string; smsEnabled?: boolean }, options?: ServicesOptions): Promise<NumberImportReport>;
  tokenRotation: {
    begin(vault: Vault, tenant: string, options?: ServicesOptions): Promise<void>;
    promote(vault: Vault, tenant: string, options?: ServicesOptions): Promise<void>;
    abort(vault: Vault, tenant: string, options?: ServicesOptions): Promise<void>;
    state(vault: Vault, tenant: string): Promise<number>;
  };
};

// ---- webhooks -------------------------------------------------------------------------------------

export interface VerifyResult {
  valid: boolean;
  /** The C return code (0 when valid). */
  code: number;
  codeName: ErrorCodeName | 'VO_OK';
  reason: number;
  reasonName: string;
  /** The status a handler answers (vo_verify_http_status): 200, 400, 403, 404, 413, 414 or 500. */
  httpStatus: number;
  keyIndex: number;
  urlForm: number;
  signatureIndex: number;
  formsTried: number;
  timestamp: number;
  /** Webhook guard: what the seen-request store said (VerifySeen), else 0. */
  seen: number;
  /** Webhook guard: when the first sighting was recorded (Unix ms), else 0. */
  seenAtMs: number;
}
export interface WebhookRequest { method?: string; url: string; headers?: Headers; body?: Bytes }

export interface TwilioVerifyInput {
  authTokens: SecretLike | ReadonlyArray<SecretLike>;
  url: string;
  signature: string | null | undefined;
  contentType: string | null | undefined;
  body: Bytes;
  maxBody?: number;
  exactUrlOnly?: boolean;
}
export declare function verifyTwilio(input: TwilioVerifyInput): TwilioVerifyResult;
/** A Twilio verification result; its fields are decoded from one packed number on access. */
export declare class TwilioVerifyResult implements VerifyResult {
  private constructor();
  readonly valid: boolean;
  readonly code: number;
  readonly codeName: ErrorCodeName | 'VO_OK';
  readonly reason: number;
  readonly reasonName: string;
  readonly httpStatus: number;
  readonly keyIndex: number;
  readonly urlForm: number;
  readonly signatureIndex: number;
  readonly formsTried: number;
  readonly timestamp: number;
  readonly seen: number;
  readonly seenAtMs: number;
  toJSON(): VerifyResult;
}
/** Auth tokens copied once into guarded memory, for handlers that verify many requests. */
export declare class TwilioVerifier {
  constructor(authTokens: SecretLike | ReadonlyArray<SecretLike>, options?: { maxBody?: number; exactUrlOnly?: boolean });
  verify(url: string, signature: string | null | undefined, contentType: string | null | undefined, body: Bytes): TwilioVerifyResult;
  /** The options given at construction (read once into the native verifier). */
  readonly maxBody: number;
  readonly exactUrlOnly: boolean;
  close(): void;
  readonly closed: boolean;
}
export interface VapiVerifyInput {
  secrets: SecretLike | ReadonlyArray<SecretLike>;
  request: WebhookRequest;
  options?: VapiWebhookOptions;
  now?: number;
}
export declare function verifyVapi(input: VapiVerifyInput): VerifyResult;

export declare const twilio: {
  verify: typeof verifyTwilio;
  verifier(authTokens: SecretLike | ReadonlyArray<SecretLike>, options?: { maxBody?: number; exactUrlOnly?: boolean }): TwilioVerifier;
  sign(authToken: SecretLike, url: string, params?: Params): string;
  bodySha256(body: Bytes): string;
  errorCode(httpStatus: number, twilioCode?: number): number;
};
export interface VapiMessage {
  type: string | null; kind: number; callId: string | null; orgId: string | null;
  phoneNumberId: string | null; phoneNumber: string | null; customerNumber: string | null;
  status: string | null; endedReason: string | null; json: string;
  toolCalls: Array<{ id: string | null; name: string | null; arguments: string | null }>;
}
export declare const vapi: {
  verify: typeof verifyVapi;
  sign(input: { options?: VapiWebhookOptions; secret: SecretLike; method?: string; url?: string | null; timestamp?: string | number | null; messageId?: string | null; body?: Bytes }): string;
  parseMessage(body: Bytes): VapiMessage;
  assistantReply(reply?: { assistantId?: string | null; assistant?: Json | null; error?: string | null }): string;
  toolResults(results: ReadonlyArray<{ toolCallId: string; name?: string; result?: string; error?: string }>): string;
  errorCode(httpStatus: number, error?: string | null): number;
};
export declare const standardWebhooks: {
  sign(secret: SecretLike, msgId: string, timestamp: number, body: Bytes): string;
  verify(input: { secrets: SecretLike | ReadonlyArray<SecretLike>; id: string | null | undefined; timestamp: string | number | null | undefined; signature: string | null | undefined; body: Bytes; now?: number }): VerifyResult;
  verifyRequest(input: { secrets: SecretLike | ReadonlyArray<SecretLike>; request: WebhookRequest; now?: number }): VerifyResult;
  newSecret(): Secret;
};
export declare const routing: {
  mint(vault: Vault, tenant: string): Promise<string>;
  resolve(vault: Vault, token: string): Promise<string>;
  verify(vault: Vault, token: string, provider: 'twilio' | 'vapi' | number, request: WebhookRequest, options?: { now?: number }): Promise<VerifyResult & { tenant: string | null; message?: string }>;
  guard(vault: Vault, token: string, provider: 'twilio' | 'vapi' | number, request: WebhookRequest, options?: { guard?: GuardOptions; now?: number }): Promise<VerifyResult & { tenant: string | null; message?: string }>;
};
export interface SmtpMessage { from: string; to: ReadonlyArray<string> | string; subject?: string; text?: string; html?: string }
export interface SmtpOptions { caFile?: string; timeoutMs?: number }
export declare const smtp: {
  send(vault: Vault, tenant: string, message: SmtpMessage, options?: SmtpOptions): Promise<void>;
  check(credentials: SmtpCredentials, options?: SmtpOptions): Promise<void>;
};
export interface GuardOptions { retentionSeconds?: number; retryWindowSeconds?: number }
/** Verify and record in the vault's seen-request store: retries resolve as duplicates (200). */
export declare const guard: {
  twilio(vault: Vault, tenant: string, input: { authTokens: SecretLike | ReadonlyArray<SecretLike>; request: WebhookRequest; maxBody?: number; exactUrlOnly?: boolean; guard?: GuardOptions; now?: number }): Promise<VerifyResult & { tenant: string | null }>;
  vapi(vault: Vault, tenant: string, input: { secrets: SecretLike | ReadonlyArray<SecretLike>; request: WebhookRequest; options?: VapiWebhookOptions; guard?: GuardOptions; now?: number }): Promise<VerifyResult & { tenant: string | null }>;
  std(vault: Vault, tenant: string, input: { secrets: SecretLike | ReadonlyArray<SecretLike>; request: WebhookRequest; guard?: GuardOptions; now?: number }): Promise<VerifyResult & { tenant: string | null }>;
};

export declare function parseForm(body: Bytes): Array<[string, string]>;
export declare function parseFormObject(body: Bytes): Record<string, string | string[]>;

export type ForwardedHeaderName = 'forwarded' | 'x_forwarded_proto' | 'x_forwarded_host' | 'x_forwarded_port' | 'x_forwarded_prefix';
export interface PublicUrlOptions {
  baseUrl?: string;
  trustedProxies?: ReadonlyArray<string>;
  forwardedHeaders?: number | ReadonlyArray<ForwardedHeaderName | number>;
}
export declare function publicUrl(options: PublicUrlOptions | null, request: {
  peerAddress?: string | null; scheme?: 'http' | 'https' | string | null; target: string; headers?: Headers;
}): string;
export declare function verifyHttpStatus(code: number, reason: number): number;

declare const voiceops: typeof import('./index');
export default voiceops;

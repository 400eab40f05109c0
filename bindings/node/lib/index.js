'use strict';
// voiceops for Node: the JavaScript face of the N-API addon (src/*.c). Thin by design: every
// decision (verification, retries, the vault, routing) is the C library's; this file turns
// handles into classes, calls into Promises and C errors into VoiceOpsError subclasses.

const fs = require('fs');
const path = require('path');
const util = require('util');
const errors = require('./errors');

function loadAddon() {
  const candidates = [];
  if (process.env.VOICEOPS_ADDON) candidates.push(path.resolve(process.env.VOICEOPS_ADDON));
  candidates.push(path.join(__dirname, '..', 'build', 'bindings', 'node', 'voiceops.node'));
  for (const file of candidates) {
    if (fs.existsSync(file)) return require(file);
  }
  throw new Error('voiceops: the native addon is not built (looked for ' + candidates.join(', ') +
    '). Build it with `npm rebuild voiceops` (or `npm run build` in bindings/node); if your npm ' +
    'skipped install scripts, allow this one: `npm install-scripts approve voiceops`');
}

const native = loadAddon();
native.setErrorFactory(errors.fromNative);

const kHandle = Symbol('voiceops.handle');
const kCorrelation = Symbol('voiceops.correlationId');
const inspect = util.inspect.custom;

// ---- constants (the C enums) -----------------------------------------------------------

const LogLevel = Object.freeze({ TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, NONE: 5 });
const VerifyReason = Object.freeze({
  OK: 0, MISSING_SIGNATURE: 1, EMPTY_SIGNATURE: 2, MALFORMED_SIGNATURE: 3, NO_KEY: 4,
  MISMATCH: 5, BODY_HASH_MISMATCH: 6, MISSING_BODY_HASH: 7, MALFORMED_BODY: 8,
  BODY_TOO_LARGE: 9, MALFORMED_URL: 10, MISSING_TIMESTAMP: 11, MALFORMED_TIMESTAMP: 12,
  TIMESTAMP_TOO_OLD: 13, TIMESTAMP_TOO_NEW: 14, MISSING_ID: 15, INVALID_ARGUMENT: 16,
  INTERNAL_ERROR: 17, MALFORMED_TOKEN: 18, UNKNOWN_TOKEN: 19, NOT_INITIALIZED: 20,
  URL_TOO_LONG: 21, DUPLICATE: 22, REPLAY: 23,
});
/** What the webhook guard found in the seen-request store (VerifyResult.seen). */
const VerifySeen = Object.freeze({ NOT_CHECKED: 0, FIRST: 1, DUPLICATE: 2, REPLAY: 3 });
const TwilioUrlForm = Object.freeze({
  AS_GIVEN: 0, PORT_TOGGLED: 1, LEGACY_QUERY: 2, LEGACY_QUERY_PORT_TOGGLED: 3,
});
const VapiAuth = Object.freeze({ SECRET: 0, BEARER: 1, HMAC: 2 });
const HmacAlgorithm = Object.freeze({ SHA256: 0, SHA1: 1, SHA512: 2 });
const SignatureEncoding = Object.freeze({ HEX: 0, BASE64: 1 });
const ForwardedHeaders = Object.freeze({
  FORWARDED: 0x01, X_FORWARDED_PROTO: 0x02, X_FORWARDED_HOST: 0x04, X_FORWARDED_PORT: 0x08,
  X_FORWARDED_PREFIX: 0x10,
});
const ImportFormat = Object.freeze({ AUTO: 0, JSON: 1, CSV: 2 });
const AuditReads = Object.freeze({ BUFFERED: 0, SYNC: 1, OFF: 2 });
const AuditBreak = Object.freeze({ INTACT: 0, MAC_MISMATCH: 1, SEQ_GAP: 2, TAIL_MISMATCH: 3 });
const RotationState = Object.freeze({ IDLE: 0, CREATING: 1, WINDOW: 2, PROMOTING: 3 });
const WebhookProvider = Object.freeze({ TWILIO: 0, VAPI: 1 });
const VapiSms = Object.freeze({ UNSET: 0, ENABLED: 1, DISABLED: 2 });
const SmtpTls = Object.freeze({ STARTTLS: 0, IMPLICIT: 1, NONE: 2 });
const HttpIdempotency = Object.freeze({ AUTO: 0, YES: 1, NO: 2 });
const VapiMessageKind = Object.freeze({
  OTHER: 0, ASSISTANT_REQUEST: 1, TOOL_CALLS: 2, STATUS_UPDATE: 3, END_OF_CALL_REPORT: 4,
  TRANSCRIPT: 5, HANG: 6, TRANSFER_DESTINATION_REQUEST: 7, CONVERSATION_UPDATE: 8,
});
const ANY_VERSION = -1;

function enumValue(table, value, what) {
  if (value == null) return undefined;
  if (typeof value === 'number') return value;
  const key = String(value).toUpperCase().replace(/-/g, '_');
  if (key in table) return table[key];
  throw new TypeError(`${what}: unknown value ${JSON.stringify(value)} (one of ${Object.keys(table).join(', ').toLowerCase()})`);
}

// ---- secrets ----------------------------------------------------------------------------

const secretHandles = new WeakMap();

/**
 * A secret held in the C library's guarded memory. It never prints its value
 * (util.inspect, toString, JSON.stringify, template strings); reveal() returns it.
 */
class Secret {
  constructor(handle) {
    if (!handle) throw new TypeError('use Secret.from(value)');
    secretHandles.set(this, handle);
    Object.freeze(this);
  }

  /** A Secret holding a copy of `value` (a string, Buffer or Uint8Array). */
  static from(value) {
    if (value instanceof Secret) return value;
    return new Secret(native.secretNew(value));
  }

  static isSecret(value) { return value instanceof Secret; }

  /** The value as a string. Keep its use short; prefer passing the Secret itself. */
  reveal() { return native.secretReveal(this.#h()); }
  /** A copy of the value as a Buffer; fill(0) it when done. */
  bytes() { return native.secretBytes(this.#h()); }
  get length() { return native.secretLength(this.#h()); }
  /** Constant-time comparison with a string, bytes or another Secret. */
  equals(other) {
    return native.secretEquals(this.#h(), other instanceof Secret ? other.#h() : other);
  }
  /** Wipe the value now (the memory is zeroed and released). Later use throws HandleError. */
  wipe() { native.close(secretHandles.get(this)); }
  get wiped() { return native.isClosed(secretHandles.get(this)); }
  toString() { return '[Secret]'; }
  toJSON() { return '[Secret]'; }
  [Symbol.toPrimitive]() { return '[Secret]'; }
  [inspect]() { return this.wiped ? 'Secret [wiped]' : 'Secret [redacted]'; }
  #h() { return secretHandles.get(this); }
}

function secretHandle(v) {
  return v instanceof Secret ? secretHandles.get(v) : v;
}

/** Turn Secret values of a credentials object into their handles for the addon. */
function credsArg(obj, secretFields) {
  if (obj == null) return obj;
  const out = { ...obj };
  for (const f of secretFields) if (out[f] !== undefined) out[f] = secretHandle(out[f]);
  return out;
}
const TWILIO_SECRET_FIELDS = ['authToken', 'apiKeySecret', 'secondaryAuthToken'];

function vapiOptionsArg(o) {
  if (o == null) return o;
  const out = { ...o };
  if (out.type !== undefined) out.type = enumValue(VapiAuth, out.type, 'type');
  if (out.algorithm !== undefined) out.algorithm = enumValue(HmacAlgorithm, out.algorithm, 'algorithm');
  if (out.encoding !== undefined) out.encoding = enumValue(SignatureEncoding, out.encoding, 'encoding');
  return out;
}

function vapiCredsArg(obj) {
  if (obj == null) return obj;
  const out = credsArg(obj, ['apiKey']);
  if (out.webhook) {
    out.webhook = vapiOptionsArg(out.webhook);
    out.webhook.secret = secretHandle(out.webhook.secret);
  }
  return out;
}

function wrapSecrets(obj) {
  if (obj == null || typeof obj !== 'object') return obj;
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'object' && v !== null && util.types.isExternal(v)) obj[k] = new Secret(v);
    else if (typeof v === 'object' && v !== null) wrapSecrets(v);
  }
  return obj;
}

// ---- handles -------------------------------------------------------------------------------

/** Base of the classes that own a C handle: close() frees it (after pending calls). */
class NativeHandle {
  constructor(handle) {
    Object.defineProperty(this, kHandle, { value: handle });
  }
  /** Release the C handle. Calls in flight finish first; later calls throw HandleError. Idempotent. */
  close() { native.close(this[kHandle]); }
  get closed() { return native.isClosed(this[kHandle]); }
}

function handleOf(obj, Cls, what) {
  if (!(obj instanceof Cls)) throw new TypeError(`${what} must be a ${Cls.name}`);
  return obj[kHandle];
}

// ---- resources and iterators --------------------------------------------------------------

class Resource {
  constructor(raw) {
    /** The resource as the provider sent it (JSON text). */
    this.json = raw.json;
    /** The provider's request id (Twilio-Request-Id / x-request-id), or null. */
    this.requestId = raw.requestId || null;
    let data;
    Object.defineProperty(this, 'data', {
      enumerable: false,
      get() { return data === undefined ? (data = JSON.parse(this.json)) : data; },
    });
  }
  /** A top-level field of the resource. */
  get(field) { const v = this.data[field]; return v === undefined ? null : v; }
  toJSON() { return this.data; }
}

class TwilioResource extends Resource {
  get sid() { return this.get('sid'); }
  get status() { return this.get('status'); }
  get phoneNumber() { return this.get('phone_number'); }
  get friendlyName() { return this.get('friendly_name'); }
  get accountSid() { return this.get('account_sid'); }
}

class VapiResource extends Resource {
  get id() { return this.get('id'); }
  get status() { return this.get('status'); }
  get number() { return this.get('number'); }
  get createdAt() { return this.get('createdAt'); }
}

/**
 * An async iterator over a provider list. Pages are fetched lazily, one at a time, as
 * iteration reaches them; each next() runs on the libuv pool. break/return() closes it.
 */
class ResourceIterator {
  constructor(start, ResourceClass) {
    this._start = start; // () => Promise<handle>
    this._handle = null;
    this._Resource = ResourceClass;
    this._chain = Promise.resolve();
    this._done = false;
    this.pages = 0;
  }
  [Symbol.asyncIterator]() { return this; }
  next() {
    const p = this._chain.then(() => this._next());
    this._chain = p.catch(() => {});
    return p;
  }
  async _next() {
    if (this._done) return { done: true, value: undefined };
    try {
      if (!this._handle) this._handle = await this._start();
      const r = await native.iterNext(this._handle);
      this.pages = r.pages;
      if (!r.item) {
        this._finish();
        return { done: true, value: undefined };
      }
      return { done: false, value: new this._Resource(r.item) };
    } catch (e) {
      this._finish();
      throw e;
    }
  }
  _finish() {
    this._done = true;
    if (this._handle) native.close(this._handle);
  }
  async return(value) {
    await this._chain;
    this._finish();
    return { done: true, value };
  }
  /** Close the iterator (frees its C handle once a pending next() ends). */
  close() { this._done = true; if (this._handle) native.close(this._handle); }
  /** Collect every remaining item (convenience for small lists). */
  async toArray() {
    const out = [];
    for await (const item of this) out.push(item);
    return out;
  }
}

// ---- logging --------------------------------------------------------------------------------

/**
 * Receive libvoiceops log records (already redacted) on this thread. `logger` is a function
 * (record) => void, 'console', or null to stop. Records from worker threads of the pool are
 * delivered through a thread-safe function, never blocking the event loop.
 */
function setLogger(logger, level = LogLevel.INFO) {
  const lvl = enumValue(LogLevel, level, 'level');
  if (logger === 'console') {
    logger = (r) => {
      const line = `[voiceops ${r.levelName} ${r.module}]${r.correlationId ? ' ' + r.correlationId : ''} ${r.message}`;
      if (r.level >= LogLevel.ERROR) console.error(line);
      else if (r.level >= LogLevel.WARN) console.warn(line);
      else console.log(line);
    };
  }
  native.logSet(logger || null, lvl);
}

// ---- HTTP transport ---------------------------------------------------------------------------

/** The shared HTTP transport: pass it as `httpClient` to several clients to share a pool. */
class HttpClient extends NativeHandle {
  constructor(options = {}) {
    super(native.httpClientNew(options));
  }
  get userAgent() { return native.httpClientInfo(this[kHandle]).userAgent; }
  stats() {
    const { userAgent, ...stats } = native.httpClientInfo(this[kHandle]);
    return stats;
  }
  /** Send one request through the transport (retries, deadlines, breaker as configured). */
  async send(request) {
    const req = { ...request };
    if (req.idempotency !== undefined) req.idempotency = enumValue(HttpIdempotency, req.idempotency, 'idempotency');
    return native.httpSend(this[kHandle], req);
  }
}

function clientOpts(options) {
  if (!options) return options;
  const o = { ...options };
  if (o.httpClient !== undefined && o.httpClient !== null) o.httpClient = handleOf(o.httpClient, HttpClient, 'httpClient');
  return o;
}

// ---- Twilio ----------------------------------------------------------------------------------

const TW = {
  ACCOUNT_GET: 0, SUBACCOUNTS_LIST: 1, SUBACCOUNTS_CREATE: 2, NUMBERS_LIST: 3, NUMBERS_GET: 4,
  NUMBERS_UPDATE: 5, NUMBERS_PURCHASE: 6, NUMBERS_RELEASE: 7, AVAILABLE_SEARCH: 8,
  CALLS_CREATE: 9, CALLS_GET: 10, CALLS_LIST: 11, CALLS_UPDATE: 12, MESSAGES_CREATE: 13,
  MESSAGES_GET: 14, MESSAGES_LIST: 15, KEYS_LIST: 16, KEYS_CREATE: 17,
  KEYS_CREATE_IN_VAULT: 18, KEYS_DELETE: 19, AUTH_SECONDARY_CREATE: 20,
  AUTH_SECONDARY_DELETE: 21, AUTH_PROMOTE: 22,
};
const CORR_SLOT = 11;

function strings(client, list) {
  const s = list.slice();
  const corr = client[kCorrelation];
  if (corr) { s.length = CORR_SLOT; s[CORR_SLOT] = corr; }
  return s;
}

/** A tenant-scoped Twilio REST client (TwilioClient.forTenant reads the tenant's credentials). */
class TwilioClient extends NativeHandle {
  /** A client from explicit credentials ({ accountSid, authToken | apiKeySid + apiKeySecret }). */
  constructor(credentials, options) {
    super(credentials === kHandle ? options : native.twilioClientNew(credsArg(credentials, TWILIO_SECRET_FIELDS), clientOpts(options)));
    buildTwilioNamespaces(this);
  }

  /** The tenant's client, with credentials read from the vault on the libuv pool. */
  static async forTenant(vault, tenant, options) {
    const h = await native.clientForTenant('twilio', handleOf(vault, Vault, 'vault'), tenant, clientOpts(options));
    return new TwilioClient(kHandle, h);
  }

  get accountSid() { return native.twilioClientInfo(this[kHandle]).accountSid; }
  get apiBaseUrl() { return native.twilioClientInfo(this[kHandle]).apiBaseUrl; }
  /** True when the service-account fallback policy supplied the credentials. */
  get isFallback() { return native.twilioClientInfo(this[kHandle]).isFallback; }

  /** A view of this client whose calls carry `id` as their correlation id. */
  withCorrelationId(id) { return correlationView(TwilioClient, this, id, buildTwilioNamespaces); }
  [inspect]() { return `TwilioClient { accountSid: ${this.closed ? '(closed)' : this.accountSid} }`; }
}

function correlationView(Cls, client, id, build) {
  const view = Object.create(Cls.prototype);
  Object.defineProperty(view, kHandle, { value: client[kHandle] });
  Object.defineProperty(view, kCorrelation, { value: String(id) });
  build(view);
  return view;
}

function buildTwilioNamespaces(self) {
  const call = async (op, s = [], params, vault) =>
    native.twilioCall(self[kHandle], op, strings(self, s), params, vault);
  const wrap = (p) => p.then((r) => new TwilioResource(r));
  const withSecret = (p, key) => p.then((r) => ({ [key[0]]: new TwilioResource(r), [key[1]]: new Secret(r.secret) }));
  const list = (op, s, params) => new ResourceIterator(() => call(op, s, params), TwilioResource);
  self.account = { get: () => wrap(call(TW.ACCOUNT_GET)) };
  self.subaccounts = {
    list: (filters) => list(TW.SUBACCOUNTS_LIST, [], filters),
    create: (friendlyName) => withSecret(call(TW.SUBACCOUNTS_CREATE, [friendlyName]), ['account', 'authToken']),
  };
  self.numbers = {
    list: (filters) => list(TW.NUMBERS_LIST, [], filters),
    get: (sid) => wrap(call(TW.NUMBERS_GET, [sid])),
    update: (sid, params) => wrap(call(TW.NUMBERS_UPDATE, [sid], params)),
    purchase: (params) => wrap(call(TW.NUMBERS_PURCHASE, [], params)),
    release: (sid) => call(TW.NUMBERS_RELEASE, [sid]).then(() => undefined),
  };
  self.availableNumbers = {
    search: (country, type, filters) => list(TW.AVAILABLE_SEARCH, [country, type], filters),
  };
  self.calls = {
    create: (to, from, params) => wrap(call(TW.CALLS_CREATE, [to, from], params)),
    get: (sid) => wrap(call(TW.CALLS_GET, [sid])),
    list: (filters) => list(TW.CALLS_LIST, [], filters),
    update: (sid, params) => wrap(call(TW.CALLS_UPDATE, [sid], params)),
  };
  self.messages = {
    create: (to, params) => wrap(call(TW.MESSAGES_CREATE, [to], params)),
    get: (sid) => wrap(call(TW.MESSAGES_GET, [sid])),
    list: (filters) => list(TW.MESSAGES_LIST, [], filters),
  };
  self.keys = {
    list: (filters) => list(TW.KEYS_LIST, [], filters),
    create: (friendlyName) => withSecret(call(TW.KEYS_CREATE, [friendlyName]), ['key', 'secret']),
    createInVault: (vault, tenant, friendlyName) =>
      wrap(call(TW.KEYS_CREATE_IN_VAULT, [tenant, friendlyName], null, handleOf(vault, Vault, 'vault'))),
    delete: (sid) => call(TW.KEYS_DELETE, [sid]).then(() => undefined),
  };
  self.authTokens = {
    createSecondary: () => withSecret(call(TW.AUTH_SECONDARY_CREATE), ['resource', 'token']),
    deleteSecondary: () => call(TW.AUTH_SECONDARY_DELETE).then(() => undefined),
    promote: () => withSecret(call(TW.AUTH_PROMOTE), ['resource', 'token']),
  };
}

// ---- Vapi ------------------------------------------------------------------------------------

const VA = {
  ASSISTANTS_CREATE: 0, ASSISTANTS_LIST: 1, ASSISTANTS_GET: 2, ASSISTANTS_UPDATE: 3,
  ASSISTANTS_DELETE: 4, CALLS_CREATE: 5, CALLS_GET: 6, CALLS_LIST: 7, CALLS_UPDATE: 8,
  CALLS_DELETE: 9, NUMBERS_IMPORT_TWILIO: 10, NUMBERS_LIST: 11, NUMBERS_LIST_V2: 12,
  NUMBERS_GET: 13, NUMBERS_UPDATE: 14, NUMBERS_DELETE: 15,
};

function jsonField(v) {
  return v == null || typeof v === 'string' ? v : JSON.stringify(v);
}

function vapiParams(p) {
  if (p == null) return p;
  const o = { ...p };
  for (const f of ['model', 'voice', 'transcriber', 'extra', 'assistant']) {
    if (o[f] !== undefined) o[f] = jsonField(o[f]);
  }
  if (o.sms !== undefined) o.sms = enumValue(VapiSms, o.sms === true ? 'enabled' : o.sms === false ? 'disabled' : o.sms, 'sms');
  return o;
}

/** A tenant-scoped Vapi REST client. */
class VapiClient extends NativeHandle {
  /** A client from an explicit API key (string or Secret). */
  constructor(apiKey, options) {
    super(apiKey === kHandle ? options : native.vapiClientNew(secretHandle(apiKey), clientOpts(options)));
    buildVapiNamespaces(this);
  }
  static async forTenant(vault, tenant, options) {
    const h = await native.clientForTenant('vapi', handleOf(vault, Vault, 'vault'), tenant, clientOpts(options));
    return new VapiClient(kHandle, h);
  }
  get baseUrl() { return native.vapiClientInfo(this[kHandle]).baseUrl; }
  /** The tenant whose credentials the client uses (forTenant), else null. */
  get tenant() { return native.vapiClientInfo(this[kHandle]).tenant; }
  withCorrelationId(id) { return correlationView(VapiClient, this, id, buildVapiNamespaces); }
  [inspect]() { return `VapiClient { baseUrl: ${this.closed ? '(closed)' : this.baseUrl} }`; }
}

function buildVapiNamespaces(self) {
  const call = async (op, s = [], params, vault, ints) =>
    native.vapiCall(self[kHandle], op, strings(self, s), vapiParams(params), vault, ints);
  const wrap = (p) => p.then((r) => new VapiResource(r));
  const list = (op, s, params, ints) => new ResourceIterator(() => call(op, s, params, null, ints), VapiResource);
  self.assistants = {
    create: (params) => wrap(call(VA.ASSISTANTS_CREATE, [], params)),
    list: (options) => list(VA.ASSISTANTS_LIST, [], options),
    get: (id) => wrap(call(VA.ASSISTANTS_GET, [id])),
    update: (id, params) => wrap(call(VA.ASSISTANTS_UPDATE, [id], params)),
    delete: (id) => wrap(call(VA.ASSISTANTS_DELETE, [id])),
  };
  self.calls = {
    create: (params) => wrap(call(VA.CALLS_CREATE, [], params)),
    get: (id) => wrap(call(VA.CALLS_GET, [id])),
    list: (options) => list(VA.CALLS_LIST, [], options),
    update: (id, name) => wrap(call(VA.CALLS_UPDATE, [id, name])),
    delete: (id) => wrap(call(VA.CALLS_DELETE, [id])),
  };
  self.numbers = {
    importTwilio: (vault, tenant, params) =>
      wrap(call(VA.NUMBERS_IMPORT_TWILIO, [tenant], params, handleOf(vault, Vault, 'vault'))),
    list: (options) => list(VA.NUMBERS_LIST, [], options),
    listV2: (options = {}) =>
      list(VA.NUMBERS_LIST_V2, [options.search ?? null, options.sortOrder ?? null], null, [options.pageSize || 0]),
    get: (id) => wrap(call(VA.NUMBERS_GET, [id])),
    update: (id, params) => wrap(call(VA.NUMBERS_UPDATE, [id], params)),
    delete: (id) => wrap(call(VA.NUMBERS_DELETE, [id])),
  };
}

// ---- vault -------------------------------------------------------------------------------------

const VOP = {
  TENANT_CREATE: 0, TENANT_DELETE: 1, TENANT_GET: 2, TENANT_LIST: 3, SECRET_PUT: 4,
  SECRET_GET: 5, SECRET_DELETE: 6, SECRET_LIST: 7, KEK_ROTATE: 8, KEK_USAGE: 9,
  KEK_RETIRE: 10, ROTATE_DEK: 11, IMPORT_BUFFER: 12, IMPORT_FILE: 13, BACKUP: 14,
  AUDIT_APPEND: 15, AUDIT_FLUSH: 16, AUDIT_VERIFY: 17, AUDIT_LIST: 18,
  TWILIO_CREDS_GET: 19, VAPI_CREDS_GET: 20, SMTP_CREDS_GET: 21, ROUTING_MINT: 22,
  ROUTING_RESOLVE: 23, ROTATION_GET: 24, TWILIO_CREDS_PUT: 25, VAPI_CREDS_PUT: 26,
  SMTP_CREDS_PUT: 27, SEEN_PUT: 28, SEEN_PRUNE: 29, SEEN_COUNT: 30, AUDIT_CHECKPOINT: 31,
  AUDIT_VERIFY_CHECKPOINT: 32,
};

function importFlags(o = {}) {
  return (o.createTenants ? 1 : 0) | (o.overwrite ? 2 : 0) | (o.batched ? 4 : 0);
}

/**
 * The encrypted credential vault (a SQLite file, or PostgreSQL: `postgresql://...?schema=NAME`).
 * Every call runs on the libuv pool. Vault.open(pathOrUri, { keys: [{ id, key | file | env | passphrase }], activeKey, actor, ... }).
 */
class Vault extends NativeHandle {
  static async open(file, options = {}) {
    return new Vault(kHandle, await withPlainKeys(options, (o) => native.vaultOpen(String(file), o)));
  }
  /**
   * Copy a whole vault into another storage backend (vo_vault_copy): a new SQLite file or a
   * PostgreSQL schema without a vault (`postgresql://...`), either way. Records are moved
   * as stored (never decrypted); the audit chain is verified in the source and in the copy.
   * `options` are those of Vault.open for the source (its keys are required).
   */
  static async copy(destUri, srcUri, options = {}) {
    return withPlainKeys(options, (o) => native.vaultCopy(String(destUri), String(srcUri), o));
  }
  /** Write a new random key file (mode 0600) for Vault.open({ keys: [{ id, file }] }). */
  static async keygen(file) { return native.vaultKeygen(String(file)); }
  /** Restore a backup made by vault.backup() into a new file. */
  static async restore(backupPath, destPath) { return native.vaultRestore(String(backupPath), String(destPath)); }

  constructor(tag, handle) {
    if (tag !== kHandle) throw new TypeError('use Vault.open(path, options)');
    super(handle);
  }

  async _call(op, strs, ints, extra) { return native.vaultCall(this[kHandle], op, strs, ints, extra); }

  createTenant(tenant) { return this._call(VOP.TENANT_CREATE, [tenant]); }
  /** Delete a tenant and destroy its data key (its secrets become unreadable). */
  deleteTenant(tenant) { return this._call(VOP.TENANT_DELETE, [tenant]); }
  getTenant(tenant) { return this._call(VOP.TENANT_GET, [tenant]); }
  /** One page of tenants in id order, after `after`. */
  listTenants({ after = null, limit = 0 } = {}) { return this._call(VOP.TENANT_LIST, [after], [limit]); }
  /** Every tenant, fetched lazily `pageSize` at a time. */
  async *tenants({ after = null, pageSize = 100 } = {}) {
    for (;;) {
      const page = await this.listTenants({ after, limit: pageSize });
      for (const t of page) yield t;
      if (page.length < pageSize) return;
      after = page[page.length - 1].id;
    }
  }

  /** Store a secret; returns its new version. expectedVersion: check-and-set (-1: any). */
  putSecret(tenant, name, value, { expectedVersion = ANY_VERSION } = {}) {
    const bytes = value instanceof Secret ? value.bytes() : value;
    return this._call(VOP.SECRET_PUT, [tenant, name], [expectedVersion], bytes)
      .finally(() => { if (value instanceof Secret) bytes.fill(0); });
  }
  /** Read a secret: { secret: Secret, version }. version 0 = latest. */
  async getSecret(tenant, name, { version = 0 } = {}) {
    const r = await this._call(VOP.SECRET_GET, [tenant, name], [version]);
    return { secret: new Secret(r.secret), version: r.version };
  }
  deleteSecret(tenant, name, { expectedVersion = ANY_VERSION } = {}) {
    return this._call(VOP.SECRET_DELETE, [tenant, name], [expectedVersion]);
  }
  listSecrets(tenant) { return this._call(VOP.SECRET_LIST, [tenant]); }

  /** Rewrap tenant data keys with the active KEK; returns how many remain (0: done). */
  rotateKek(kekId = null) { return this._call(VOP.KEK_ROTATE, [kekId]); }
  kekUsage(kekId) { return this._call(VOP.KEK_USAGE, [kekId]); }
  retireKek(kekId) { return this._call(VOP.KEK_RETIRE, [kekId]); }
  rotateTenantDek(tenant) { return this._call(VOP.ROTATE_DEK, [tenant]); }

  importBuffer(data, options = {}) {
    return this._call(VOP.IMPORT_BUFFER, [], [enumValue(ImportFormat, options.format ?? 0, 'format'), importFlags(options)], data);
  }
  importFile(file, options = {}) {
    return this._call(VOP.IMPORT_FILE, [String(file)], [enumValue(ImportFormat, options.format ?? 0, 'format'), importFlags(options)]);
  }
  /** An online, consistent copy of the vault file. */
  backup(destPath) { return this._call(VOP.BACKUP, [String(destPath)]); }

  auditAppend(tenant, name, action, result) { return this._call(VOP.AUDIT_APPEND, [tenant, name, action, result]); }
  auditFlush() { return this._call(VOP.AUDIT_FLUSH); }
  /** Check the audit hash chain: { rows, badSeq, reason, intact }. */
  auditVerify() { return this._call(VOP.AUDIT_VERIFY); }
  /** One page of audit rows. */
  listAudit({ tenant = null, since = 0, until = 0, afterSeq = 0, limit = 0 } = {}) {
    return this._call(VOP.AUDIT_LIST, [tenant], [toMs(since), toMs(until), afterSeq, limit]);
  }
  /** Every audit row matching, fetched lazily. */
  async *audit({ pageSize = 500, ...filter } = {}) {
    let afterSeq = filter.afterSeq || 0;
    for (;;) {
      const page = await this.listAudit({ ...filter, afterSeq, limit: pageSize });
      for (const row of page) yield row;
      if (page.length < pageSize) return;
      afterSeq = page[page.length - 1].seq;
    }
  }

  putTwilioCredentials(tenant, credentials, { expectedVersion = ANY_VERSION } = {}) {
    return this._call(VOP.TWILIO_CREDS_PUT, [tenant], [expectedVersion], credsArg(credentials, TWILIO_SECRET_FIELDS));
  }
  async getTwilioCredentials(tenant) { return wrapSecrets(await this._call(VOP.TWILIO_CREDS_GET, [tenant])); }
  putVapiCredentials(tenant, credentials, { expectedVersion = ANY_VERSION } = {}) {
    return this._call(VOP.VAPI_CREDS_PUT, [tenant], [expectedVersion], vapiCredsArg(credentials));
  }
  async getVapiCredentials(tenant) { return wrapSecrets(await this._call(VOP.VAPI_CREDS_GET, [tenant])); }
  putSmtpCredentials(tenant, credentials, { expectedVersion = ANY_VERSION } = {}) {
    const c = credsArg(credentials, ['password']);
    if (c && c.tls !== undefined) c.tls = enumValue(SmtpTls, c.tls, 'tls');
    return this._call(VOP.SMTP_CREDS_PUT, [tenant], [expectedVersion], c);
  }
  async getSmtpCredentials(tenant) { return wrapSecrets(await this._call(VOP.SMTP_CREDS_GET, [tenant])); }

  /**
   * Record a sighting in the seen-request store (vo_vault_seen_put): { first, seenAtMs,
   * sameMark } (first: false when a live entry had this id; seenAtMs is then its time).
   * `id` and `mark` are strings (their UTF-8 bytes); times are Unix milliseconds.
   */
  seenPut(tenant, scope, id, mark = null, { nowMs = Date.now(), expiresAtMs } = {}) {
    return this._call(VOP.SEEN_PUT, [tenant, scope, id, mark], [nowMs, expiresAtMs ?? nowMs + 86400000]);
  }
  /** Delete expired sightings; returns how many went. */
  seenPrune({ nowMs = Date.now(), maxRows = 0 } = {}) { return this._call(VOP.SEEN_PRUNE, [], [nowMs, maxRows]); }
  /** Entries in the seen-request store (live and expired). */
  seenCount() { return this._call(VOP.SEEN_COUNT); }
  /**
   * A signed checkpoint of the audit log (one line of JSON), signed with the Ed25519 key
   * derived from `keyId` of `signingKeys` (key specs as for Vault.open).
   */
  auditCheckpoint(signingKeys, keyId) {
    return this._call(VOP.AUDIT_CHECKPOINT, [keyId], [], keySpecs(signingKeys));
  }
  /** Check a checkpoint against this vault: { rows, badSeq, reason, intact }. */
  auditVerifyCheckpoint(checkpoint, publicKey) {
    return this._call(VOP.AUDIT_VERIFY_CHECKPOINT, [checkpoint, publicKey]);
  }
  /** The public key that verifies checkpoints signed with `keyId` of `keys`. */
  static async checkpointPublicKey(keys, keyId) { return native.checkpointPublicKey(keySpecs(keys), keyId); }

  /** A new webhook URL token for the tenant (replaces the previous one). */
  mintRoutingToken(tenant) { return this._call(VOP.ROUTING_MINT, [tenant]); }
  /** The tenant of a webhook URL token (NotFoundError / RequestError otherwise). */
  resolveRoutingToken(token) { return this._call(VOP.ROUTING_RESOLVE, [token]); }
  /** Where the tenant's Twilio auth token rotation stands (RotationState). */
  tokenRotationState(tenant) { return this._call(VOP.ROTATION_GET, [tenant]); }
  [inspect]() { return `Vault { ${this.closed ? 'closed' : 'open'} }`; }
}

/**
 * Call start(o) with the open options, Secrets in them turned into Buffers that are zeroed
 * once the addon copied them (synchronously, before start returns its Promise).
 */
function withPlainKeys(options, start) {
  const o = { ...options };
  if (o.auditReads !== undefined) o.auditReads = enumValue(AuditReads, o.auditReads, 'auditReads');
  const copies = [];
  const plain = (v) => { if (!(v instanceof Secret)) return v; const b = v.bytes(); copies.push(b); return b; };
  if (Array.isArray(o.keys)) {
    o.keys = o.keys.map((k) => ({ ...k, key: plain(k.key), passphrase: plain(k.passphrase) }));
  }
  try {
    return start(o);
  } finally {
    for (const b of copies) b.fill(0);
  }
}

function keySpecs(keys) {
  if (!Array.isArray(keys)) throw new TypeError('keys must be an array of key specs');
  return keys.map((k) => ({ ...k, key: k.key instanceof Secret ? k.key.bytes() : k.key,
    passphrase: k.passphrase instanceof Secret ? k.passphrase.bytes() : k.passphrase }));
}

function toMs(t) {
  return t instanceof Date ? t.getTime() : t || 0;
}

// ---- services -----------------------------------------------------------------------------------

const SVC = { ONBOARDING: 0, IMPORT: 1, ROT_BEGIN: 2, ROT_PROMOTE: 3, ROT_ABORT: 4, ROUTE: 5, GUARD: 6, ROUTE_GUARD: 7 };

function servicesOpts(o) { return clientOpts(o); }
async function svc(op, vault, tenant, a, b, opts) {
  return native.servicesCall(op, handleOf(vault, Vault, 'vault'), tenant, a, b, servicesOpts(opts));
}

const services = {
  /** Validate the tenant's credentials against the providers, then store them. */
  onboard(vault, tenant, { twilio = null, vapi = null } = {}, options) {
    return svc(SVC.ONBOARDING, vault, tenant, credsArg(twilio, TWILIO_SECRET_FIELDS), vapiCredsArg(vapi), options);
  },
  /** Import the tenant's Twilio numbers into Vapi (idempotent, audited): a per-number report. */
  importNumbers(vault, tenant, importOptions = {}, options) {
    return svc(SVC.IMPORT, vault, tenant, importOptions, null, options);
  },
  tokenRotation: {
    begin: (vault, tenant, options) => svc(SVC.ROT_BEGIN, vault, tenant, null, null, options),
    promote: (vault, tenant, options) => svc(SVC.ROT_PROMOTE, vault, tenant, null, null, options),
    abort: (vault, tenant, options) => svc(SVC.ROT_ABORT, vault, tenant, null, null, options),
    state: (vault, tenant) => vault.tokenRotationState(tenant),
  },
};

const routing = {
  mint: (vault, tenant) => vault.mintRoutingToken(tenant),
  resolve: (vault, token) => vault.resolveRoutingToken(token),
  /**
   * Resolve a URL token to its tenant and verify the request with that tenant's keys
   * (runs on the libuv pool: it reads the vault). Resolves with a VerifyResult plus `tenant`;
   * answer result.httpStatus when !result.valid.
   */
  verify(vault, token, provider, request, { now } = {}) {
    return svc(SVC.ROUTE, vault, token, {
      provider: enumValue(WebhookProvider, provider, 'provider'),
      request,
      now: now ?? Math.floor(Date.now() / 1000),
    }, null, null);
  },
  /** routing.verify plus the webhook guard (vo_routing_guard): retries resolve as duplicates. */
  guard(vault, token, provider, request, { guard: g, now } = {}) {
    return svc(SVC.ROUTE_GUARD, vault, token, {
      provider: enumValue(WebhookProvider, provider, 'provider'),
      request,
      guard: g,
      now: now ?? Math.floor(Date.now() / 1000),
    }, null, null);
  },
};

/**
 * The webhook guard: verify and, when authentic, record the request in the vault's
 * seen-request store in one call (runs on the libuv pool). A provider retry resolves with
 * code VO_EDUPLICATE (httpStatus 200: answer, do not act again); a replay with reason
 * 'replay' (403). `guard`: { retentionSeconds, retryWindowSeconds }.
 */
const guard = {
  twilio: (vault, tenant, { authTokens, request, maxBody, exactUrlOnly, guard: g, now } = {}) =>
    svc(SVC.GUARD, vault, tenant, { provider: 0, keys: tokensArg(authTokens), request, maxBody, exactUrlOnly, guard: g, now: now ?? Math.floor(Date.now() / 1000) }, null, null),
  vapi: (vault, tenant, { secrets, request, options, guard: g, now } = {}) =>
    svc(SVC.GUARD, vault, tenant, { provider: 1, keys: tokensArg(secrets), request, vapiOptions: vapiOptionsArg(options), guard: g, now: now ?? Math.floor(Date.now() / 1000) }, null, null),
  std: (vault, tenant, { secrets, request, guard: g, now } = {}) =>
    svc(SVC.GUARD, vault, tenant, { provider: 2, keys: tokensArg(secrets), request, guard: g, now: now ?? Math.floor(Date.now() / 1000) }, null, null),
};

/** Mail with a tenant's SMTP credentials from the vault (libcurl SMTP, TLS required off loopback). */
const smtp = {
  /** Send { from, to: [..], subject, text, html } with the tenant's credentials; audited. */
  send: async (vault, tenant, message, options) =>
    native.smtpSend(handleOf(vault, Vault, 'vault'), tenant, message, options || null),
  /** Connect, TLS, log in, NOOP: check credentials before storing them. */
  check: async (credentials, options) => {
    const c = credsArg(credentials, ['password']);
    if (c && c.tls !== undefined) c.tls = enumValue(SmtpTls, c.tls, 'tls');
    return native.smtpCheck(c, options || null);
  },
};

// ---- webhooks (synchronous: CPU only) -------------------------------------------------------

/**
 * Verify a Twilio webhook (X-Twilio-Signature) from the raw body. Never throws for what the
 * network sent: returns { valid, reason, reasonName, httpStatus, keyIndex, urlForm, ... }.
 */
function verifyTwilio({ authTokens, url, signature, contentType, body, maxBody, exactUrlOnly }) {
  const tokens = Array.isArray(authTokens) && authTokens.every((t) => typeof t === 'string') ? authTokens : tokensArg(authTokens);
  return new TwilioVerifyResult(native.twilioVerify(tokens, url, signature ?? null, contentType ?? null, body ?? '', maxBody || 0, !!exactUrlOnly));
}

const CODE_NAMES = Object.fromEntries(Object.entries(errors.CODES).map(([k, v]) => [-v, k]));
CODE_NAMES[0] = 'VO_OK';
const REASON_NAMES = Object.keys(VerifyReason).map((k) => k.toLowerCase());
const kPacked = Symbol('packed');

/**
 * The result of a Twilio verification. The native verifier returns it packed in one number
 * (building an object through N-API costs more than the verification): the fields are
 * decoded on access (layout in src/n_webhook.c).
 */
// (`& 0x3ffffff` keeps the low 26 bits: ToInt32 of the integer keeps its low 32 exactly.)
class TwilioVerifyResult {
  constructor(packed) { this[kPacked] = packed; }
  get valid() { return ((this[kPacked] & 0x3ffffff) >>> 20) === 0; }
  get code() { const c = ((this[kPacked] & 0x3ffffff) >>> 20) & 63; return c ? -c : 0; }
  get codeName() { return CODE_NAMES[-this.code]; }
  get reason() { return (this[kPacked] & 0x3ffffff) & 31; }
  get reasonName() { return REASON_NAMES[this.reason] || 'unknown'; }
  get httpStatus() { return Math.floor(this[kPacked] / 67108864); }
  get keyIndex() { return (((this[kPacked] & 0x3ffffff) >>> 5) & 255) - 1; }
  get urlForm() { return (((this[kPacked] & 0x3ffffff) >>> 13) & 7) - 1; }
  get signatureIndex() { return -1; }
  get formsTried() { return ((this[kPacked] & 0x3ffffff) >>> 16) & 15; }
  get timestamp() { return 0; }
  get seen() { return 0; }
  get seenAtMs() { return 0; }
  toJSON() {
    const o = {};
    for (const k of VERIFY_FIELDS) o[k] = this[k];
    return o;
  }
  [inspect](depth, options, insp) { return 'TwilioVerifyResult ' + (insp || util.inspect)(this.toJSON(), options); }
}
const VERIFY_FIELDS = ['valid', 'code', 'codeName', 'reason', 'reasonName', 'httpStatus', 'keyIndex', 'urlForm', 'signatureIndex', 'formsTried', 'timestamp', 'seen', 'seenAtMs'];
for (const k of VERIFY_FIELDS) Object.defineProperty(TwilioVerifyResult.prototype, k, { enumerable: true });

/**
 * A Twilio verifier for handlers that keep their auth tokens: the tokens are copied once
 * into the C library's guarded memory (never kept as JavaScript strings) and each verify()
 * is one native call. close() wipes them.
 */
class TwilioVerifier extends NativeHandle {
  constructor(authTokens, { maxBody = 0, exactUrlOnly = false } = {}) {
    super(native.twilioKeysNew(tokensArg(authTokens), maxBody || 0, !!exactUrlOnly));
    Object.defineProperty(this, 'maxBody', { value: maxBody || 0, enumerable: true });
    Object.defineProperty(this, 'exactUrlOnly', { value: !!exactUrlOnly, enumerable: true });
  }
  /** Verify one request from its raw body: (url, X-Twilio-Signature, Content-Type, body). */
  verify(url, signature, contentType, body) {
    return new TwilioVerifyResult(native.twilioVerifyWith(this[kHandle], url, signature ?? null,
      contentType ?? null, body ?? ''));
  }
  [inspect]() { return `TwilioVerifier { ${this.closed ? 'closed' : 'tokens in guarded memory'} }`; }
}

function tokensArg(t) {
  const list = Array.isArray(t) ? t : [t];
  return list.filter((x) => x != null).map((x) => (x instanceof Secret ? x.reveal() : x));
}

const twilio = {
  verify: verifyTwilio,
  /** A reusable verifier holding the auth tokens in guarded memory. */
  verifier: (authTokens, options) => new TwilioVerifier(authTokens, options),
  /** The X-Twilio-Signature of a form webhook (for tests and outbound simulations). */
  sign: (authToken, url, params) => native.twilioSign(authToken instanceof Secret ? authToken.reveal() : authToken, url, params || []),
  /** The bodySHA256 query value of a JSON webhook. */
  bodySha256: (body) => native.twilioBodySha256(body),
  /** The VO_E* code for a Twilio error (HTTP status, Twilio code). */
  errorCode: (httpStatus, twilioCode) => native.twilioErrorCode(httpStatus, twilioCode ?? 0),
};

/** Verify a Vapi server message (x-vapi-secret, bearer or HMAC credentials). */
function verifyVapi({ secrets, request, options, now }) {
  return native.vapiVerify(vapiOptionsArg(options) || null, tokensArg(secrets), request,
    now ?? Math.floor(Date.now() / 1000));
}

const vapi = {
  verify: verifyVapi,
  sign: ({ options, secret, method = 'POST', url = null, timestamp = null, messageId = null, body = '' }) =>
    native.vapiSign(vapiOptionsArg(options) || null, secret instanceof Secret ? secret.reveal() : secret, method, url, timestamp == null ? null : String(timestamp), messageId, body),
  parseMessage: (body) => native.vapiMessageParse(body),
  assistantReply: ({ assistantId = null, assistant = null, error = null } = {}) =>
    native.vapiAssistantReply(assistantId, jsonField(assistant), error),
  toolResults: (results) => native.vapiToolResults(results),
  errorCode: (httpStatus, error) => native.vapiErrorCode(httpStatus, error ?? null),
};

const standardWebhooks = {
  sign: (secret, msgId, timestamp, body) =>
    native.stdSign(secret instanceof Secret ? secret.reveal() : secret, msgId, Math.trunc(Number(timestamp)), body),
  verify: ({ secrets, id, timestamp, signature, body, now }) =>
    native.stdVerify(tokensArg(secrets), id ?? null, timestamp == null ? null : String(timestamp), signature ?? null, body ?? '', now ?? Math.floor(Date.now() / 1000)),
  verifyRequest: ({ secrets, request, now }) =>
    native.stdVerifyRequest(tokensArg(secrets), request, now ?? Math.floor(Date.now() / 1000)),
  /** A new signing secret ("whsec_..."), as a Secret. */
  newSecret: () => new Secret(native.stdSecretNew()),
};

/** Parse an application/x-www-form-urlencoded body exactly as the verifier does: [[name, value]]. */
function parseForm(body) { return native.formParse(body); }
/** The same as an object (a repeated name keeps an array of its values). */
function parseFormObject(body) {
  const out = Object.create(null);
  for (const [k, v] of native.formParse(body)) {
    if (k in out) out[k] = [].concat(out[k], v);
    else out[k] = v;
  }
  return out;
}

/**
 * The public URL a provider called, from a configured base URL or the forwarded headers of
 * trusted proxies (vo_public_url_build).
 */
function publicUrl(options, { peerAddress = null, scheme = null, target, headers = [] }) {
  const o = { ...(options || {}) };
  if (Array.isArray(o.forwardedHeaders)) {
    o.forwardedHeaders = o.forwardedHeaders.reduce((acc, h) => acc | enumValue(ForwardedHeaders, h, 'forwardedHeaders'), 0);
  }
  return native.publicUrlBuild(o, peerAddress, scheme, target, headers);
}

/** The HTTP status a handler answers for a verify outcome (vo_verify_http_status). */
function verifyHttpStatus(code, reason) { return native.verifyStatus(code, reason).httpStatus; }

function version() { return native.version(); }
function limits() { return native.limits(); }
/** Whether an optional part is compiled in (vo_feature_enabled): 'sqlite', 'postgres', 'fuzz', 'http2'. */
function featureEnabled(name) { return native.featureEnabled(String(name)) === 1; }
function newCorrelationId() { return native.correlationIdNew(); }
/** Apply the library's log redaction to a text (the second line of defence). */
function redact(text) { return native.logRedact(text); }
function validateCredentials(kind, credentials) {
  const arg = kind === 'twilio' ? credsArg(credentials, TWILIO_SECRET_FIELDS)
    : kind === 'vapi' ? vapiCredsArg(credentials) : credsArg(credentials, ['password']);
  native.credentialsValidate(kind, arg);
}

module.exports = {
  ...errors,
  version, limits, featureEnabled, newCorrelationId, redact, setLogger, validateCredentials,
  Secret, Vault, TwilioClient, VapiClient, HttpClient, ResourceIterator, TwilioResource,
  TwilioVerifier, TwilioVerifyResult,
  VapiResource, services, routing, guard, smtp, twilio, vapi, standardWebhooks, verifyTwilio, verifyVapi,
  parseForm, parseFormObject, publicUrl, verifyHttpStatus,
  LogLevel, VerifyReason, VerifySeen, TwilioUrlForm, VapiAuth, HmacAlgorithm, SignatureEncoding,
  ForwardedHeaders, ImportFormat, AuditReads, AuditBreak, RotationState, WebhookProvider,
  VapiSms, SmtpTls, HttpIdempotency, VapiMessageKind, ANY_VERSION,
};
// `import voiceops from 'voiceops'` (and TypeScript's default import) get the same object.
module.exports.default = module.exports;

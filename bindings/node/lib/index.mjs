// ES module entry: the same objects as require('voiceops').
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const voiceops = require('./index.js');

export default voiceops;
export const {
  VoiceOpsError, InvalidArgumentError, OutOfMemoryError, BufferRangeError, TooBigError,
  ParseError, AuthError, CryptoError, NotFoundError, ExistsError, ConflictError, StorageError,
  BusyError, NetworkError, TimeoutError, RateLimitError, UnavailableError, ProtocolError,
  ValidationError, ForbiddenError, ExpiredError, NotInitializedError, UnsupportedError,
  InternalError, HandleError, RequestError, TlsError, DuplicateError, CODES, errorClass,
  version, limits, featureEnabled, newCorrelationId, redact, setLogger, validateCredentials,
  Secret, Vault, TwilioClient, VapiClient, HttpClient, ResourceIterator, TwilioResource,
  TwilioVerifier, TwilioVerifyResult,
  VapiResource, services, routing, guard, smtp, twilio, vapi, standardWebhooks, verifyTwilio, verifyVapi,
  parseForm, parseFormObject, publicUrl, verifyHttpStatus,
  LogLevel, VerifyReason, VerifySeen, TwilioUrlForm, VapiAuth, HmacAlgorithm, SignatureEncoding,
  ForwardedHeaders, ImportFormat, AuditReads, AuditBreak, RotationState, WebhookProvider,
  VapiSms, SmtpTls, HttpIdempotency, VapiMessageKind, ANY_VERSION,
} = voiceops;

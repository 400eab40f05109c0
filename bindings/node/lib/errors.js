'use strict';
// VoiceOpsError and one subclass per C error kind (include/voiceops/error.h). The native
// addon copies the C error on the thread that made the call (vo_error_snapshot_take) and
// builds the error through fromNative() on the JS thread. Messages come from the C library,
// which never puts a secret in them.

const CODES = {
  VO_ERROR: -1, VO_EINVAL: -2, VO_ENOMEM: -3, VO_ERANGE: -4, VO_ETOOBIG: -5, VO_EPARSE: -6,
  VO_EAUTH: -7, VO_ECRYPTO: -8, VO_ENOTFOUND: -9, VO_EEXISTS: -10, VO_ECONFLICT: -11,
  VO_ESTORAGE: -12, VO_EBUSY: -13, VO_ENETWORK: -14, VO_ETIMEOUT: -15, VO_ERATELIMIT: -16,
  VO_EUNAVAILABLE: -17, VO_EPROTOCOL: -18, VO_EVALIDATION: -19, VO_EFORBIDDEN: -20,
  VO_EEXPIRED: -21, VO_ENOTINIT: -22, VO_EUNSUPPORTED: -23, VO_EINTERNAL: -24,
  VO_EHANDLE: -25, VO_EREQUEST: -26, VO_ETLS: -27, VO_EDUPLICATE: -28,
};
const NAMES = Object.fromEntries(Object.entries(CODES).map(([k, v]) => [v, k]));

class VoiceOpsError extends Error {
  constructor(message, props = {}) {
    super(message);
    const errno = typeof props.errno === 'number' ? props.errno : CODES[props.code] ?? -1;
    Object.defineProperties(this, {
      name: { value: new.target.name, enumerable: false, configurable: true, writable: true },
    });
    /** The C code name, e.g. 'VO_EAUTH'. */
    this.code = NAMES[errno] || 'VO_ERROR';
    /** The C code, e.g. -7. */
    this.errno = errno;
    /** HTTP status of a remote failure, else 0. */
    this.httpStatus = props.httpStatus || 0;
    /** Provider error code (Twilio 20003, ...), else 0. */
    this.providerCode = props.providerCode || 0;
    /** Provider request id (Twilio-Request-Id, ...), else ''. */
    this.requestId = props.requestId || '';
    /** Correlation id of the failed operation, else ''. */
    this.correlationId = props.correlationId || '';
    /** Provider documentation URL, else ''. */
    this.moreInfo = props.moreInfo || '';
    /** Server-requested delay in milliseconds, or null. */
    this.retryAfterMs = props.retryAfterMs ?? null;
    /** Server-requested delay in seconds, or null. */
    this.retryAfter = this.retryAfterMs == null ? null : this.retryAfterMs / 1000;
  }
}

const classes = {};
function define(name, code) {
  const cls = { [name]: class extends VoiceOpsError {} }[name];
  classes[code] = cls;
  return cls;
}

const InvalidArgumentError = define('InvalidArgumentError', CODES.VO_EINVAL);
const OutOfMemoryError = define('OutOfMemoryError', CODES.VO_ENOMEM);
const RangeError_ = define('BufferRangeError', CODES.VO_ERANGE);
const TooBigError = define('TooBigError', CODES.VO_ETOOBIG);
const ParseError = define('ParseError', CODES.VO_EPARSE);
const AuthError = define('AuthError', CODES.VO_EAUTH);
const CryptoError = define('CryptoError', CODES.VO_ECRYPTO);
const NotFoundError = define('NotFoundError', CODES.VO_ENOTFOUND);
const ExistsError = define('ExistsError', CODES.VO_EEXISTS);
const ConflictError = define('ConflictError', CODES.VO_ECONFLICT);
const StorageError = define('StorageError', CODES.VO_ESTORAGE);
const BusyError = define('BusyError', CODES.VO_EBUSY);
const NetworkError = define('NetworkError', CODES.VO_ENETWORK);
const TimeoutError = define('TimeoutError', CODES.VO_ETIMEOUT);
const RateLimitError = define('RateLimitError', CODES.VO_ERATELIMIT);
const UnavailableError = define('UnavailableError', CODES.VO_EUNAVAILABLE);
const ProtocolError = define('ProtocolError', CODES.VO_EPROTOCOL);
const ValidationError = define('ValidationError', CODES.VO_EVALIDATION);
const ForbiddenError = define('ForbiddenError', CODES.VO_EFORBIDDEN);
const ExpiredError = define('ExpiredError', CODES.VO_EEXPIRED);
const NotInitializedError = define('NotInitializedError', CODES.VO_ENOTINIT);
const UnsupportedError = define('UnsupportedError', CODES.VO_EUNSUPPORTED);
const InternalError = define('InternalError', CODES.VO_EINTERNAL);
const HandleError = define('HandleError', CODES.VO_EHANDLE);
const RequestError = define('RequestError', CODES.VO_EREQUEST);
const TlsError = define('TlsError', CODES.VO_ETLS);
const DuplicateError = define('DuplicateError', CODES.VO_EDUPLICATE);

/** The error class for a C code (VoiceOpsError for codes without their own class). */
function errorClass(errno) {
  return classes[errno] || VoiceOpsError;
}

/** Called by the addon with the copied C error. */
function fromNative(props) {
  const Cls = errorClass(props.code);
  const err = new Cls(props.message, { ...props, errno: props.code });
  // The stack is captured here, on the JS thread, and holds only JS frames and the message.
  return err;
}

module.exports = {
  CODES, VoiceOpsError, errorClass, fromNative,
  InvalidArgumentError, OutOfMemoryError, BufferRangeError: RangeError_, TooBigError,
  ParseError, AuthError, CryptoError, NotFoundError, ExistsError, ConflictError, StorageError,
  BusyError, NetworkError, TimeoutError, RateLimitError, UnavailableError, ProtocolError,
  ValidationError, ForbiddenError, ExpiredError, NotInitializedError, UnsupportedError,
  InternalError, HandleError, RequestError, TlsError, DuplicateError,
};

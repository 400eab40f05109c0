/**
 * @file voiceops/smtp.h
 * @brief Sending mail with a tenant's SMTP credentials from the vault (libcurl SMTP).
 *
 * A small sender for notification and test mail: plain text with an optional HTML
 * alternative, to one or more recipients, with the tenant's `credentials/smtp` (see
 * voiceops/credentials.h). Transport security is not optional:
 * - credentials with VO_SMTP_TLS_STARTTLS (the default) require STARTTLS: a server that
 *   does not offer it is refused, unless the host is loopback (a local relay), where
 *   STARTTLS is used when offered;
 * - VO_SMTP_TLS_IMPLICIT speaks TLS from the first byte (smtps, port 465);
 * - VO_SMTP_TLS_NONE is accepted for loopback hosts only;
 * - the server certificate and host name are always verified (the system store, or
 *   vo_smtp_options.ca_file).
 *
 * Every send is recorded in the vault's audit log: action `smtp.send`, name
 * `to:<recipient domain>[,...]`, result `ok` or the VO_E* name. Never the password, the
 * addresses' local parts or the message.
 *
 * This header compiles alone as C99 and C++.
 */
#ifndef VOICEOPS_SMTP_H
#define VOICEOPS_SMTP_H

#include "common.h"
#include "credentials.h"
#include "vault.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest text or HTML body accepted by vo_smtp_send(), in bytes. */
#define VO_SMTP_BODY_MAX (1024u * 1024u)
/** Most recipients of one message. */
#define VO_SMTP_RECIPIENTS_MAX 50

/** Version of vo_smtp_message understood by this header. */
#define VO_SMTP_MESSAGE_VERSION 1

/**
 * A message to send. Strings are UTF-8 and read during the call only. Header fields must
 * not contain CR or LF (header injection is refused with VO_EINVAL).
 */
typedef struct vo_smtp_message {
    unsigned int version;  /**< VO_SMTP_MESSAGE_VERSION */
    const char *from;      /**< sender address `local@domain` (envelope and From:); required */
    const char *const *to; /**< recipient addresses; at least one */
    size_t to_count;       /**< number of entries in `to` (1..VO_SMTP_RECIPIENTS_MAX) */
    const char *subject;   /**< subject line; NULL = none */
    const char *text;      /**< plain-text body; required (may be "") */
    const char *html;      /**< HTML alternative; NULL = none */
} vo_smtp_message;

/** A message with every field empty (fill from, to, text). */
#define VO_SMTP_MESSAGE_INIT                                 \
  {                                                          \
    VO_SMTP_MESSAGE_VERSION, NULL, NULL, 0, NULL, NULL, NULL \
  }

/**
 * Fill *msg with an empty message of struct version `version` (as VO_SMTP_MESSAGE_INIT), for
 * bindings, which cannot see macros.
 * @param msg      the message to fill.
 * @param version  1..VO_SMTP_MESSAGE_VERSION.
 * @return VO_OK, or VO_EINVAL for NULL or an unknown version. Thread-safe.
 */
VO_EXTERN int vo_smtp_message_init(vo_smtp_message *msg, unsigned int version);

/** Version of vo_smtp_options understood by this header. */
#define VO_SMTP_OPTIONS_VERSION 1

/**
 * Options of vo_smtp_send(). Every field 0 (or NULL) is the default, so a zero-filled struct
 * with only `version` set is the same as VO_SMTP_OPTIONS_INIT.
 */
typedef struct vo_smtp_options {
    unsigned int version; /**< VO_SMTP_OPTIONS_VERSION */
    const char *ca_file;  /**< PEM file of CA certificates to verify the server with
                               (a private CA); NULL = the system's trust store */
    long timeout_ms;      /**< whole send, connection included; 0 = 30000; negative:
                               VO_EINVAL */
} vo_smtp_options;

/** The default options. */
#define VO_SMTP_OPTIONS_INIT         \
  {                                  \
    VO_SMTP_OPTIONS_VERSION, NULL, 0 \
  }

/**
 * Fill *opts with the defaults of struct version `version` (as VO_SMTP_OPTIONS_INIT), for
 * bindings, which cannot see macros.
 * @param opts     the options to fill.
 * @param version  1..VO_SMTP_OPTIONS_VERSION.
 * @return VO_OK, or VO_EINVAL for NULL or an unknown version. Thread-safe.
 */
VO_EXTERN int vo_smtp_options_init(vo_smtp_options *opts, unsigned int version);

/**
 * Send a message with the tenant's SMTP credentials (`credentials/smtp`) from the vault.
 *
 * The message goes out as UTF-8 (`text/plain`, or `multipart/alternative` with the HTML
 * part), base64 transfer encoding, a Date and a random Message-ID; the subject is encoded
 * (RFC 2047) when it is not ASCII. Authentication uses the stored username and password,
 * when set. The send is audited (see the file comment), also when it fails; when the audit
 * row cannot be written after a successful send, that error is returned (the mail was
 * sent: the message says so).
 *
 * @param vault   an open vault.
 * @param tenant  the tenant whose SMTP credentials are used.
 * @param msg     the message (its version set).
 * @param opts    options, or NULL for the defaults.
 * @return VO_OK; VO_EINVAL (NULL or malformed argument, address or header field; unknown
 *         struct version); VO_ETOOBIG (body above VO_SMTP_BODY_MAX); VO_ENOTFOUND (no tenant
 *         or no SMTP credentials); VO_EFORBIDDEN (credentials without TLS for a host that
 *         is not loopback); VO_EAUTH (the server refused the login); VO_ETLS (certificate
 *         not verified, or the TLS handshake failed); VO_EPROTOCOL (STARTTLS required but
 *         not offered, or the server refused the sender, a recipient or the data);
 *         VO_ENETWORK (connection failed or dropped); VO_ETIMEOUT; vault errors.
 *         Thread-safe (the vault handle serialises its own calls).
 */
VO_EXTERN int vo_smtp_send(vo_vault *vault, const char *tenant, const vo_smtp_message *msg,
                           const vo_smtp_options *opts);

/**
 * Check SMTP credentials against their server without sending anything: connect, TLS as
 * vo_smtp_send() requires it (same policy, same certificate verification), log in with the
 * username and password when set, one NOOP, quit. For validating settings before they are
 * stored (`voiceops creds set smtp --check`). Not audited (no vault is involved).
 *
 * @param creds  the credentials to check (only read).
 * @param opts   options, or NULL for the defaults (ca_file, timeout_ms).
 * @return VO_OK; VO_EINVAL (NULL, incomplete credentials, unknown options version);
 *         VO_EFORBIDDEN, VO_EAUTH, VO_ETLS, VO_EPROTOCOL, VO_ENETWORK, VO_ETIMEOUT as for
 *         vo_smtp_send(). Thread-safe.
 */
VO_EXTERN int vo_smtp_check(const vo_smtp_credentials *creds, const vo_smtp_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_SMTP_H */

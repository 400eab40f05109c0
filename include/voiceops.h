/**
 * @file voiceops.h
 * @brief libvoiceops umbrella header: includes every public module header.
 */
#ifndef VOICEOPS_H
#define VOICEOPS_H

#include "voiceops/common.h"
#include "voiceops/error.h"
#include "voiceops/log.h"
#include "voiceops/encoding.h"
#include "voiceops/secret.h"
#include "voiceops/webhook.h"
#include "voiceops/vapi_message.h"
#include "voiceops/vault.h"
#include "voiceops/credentials.h"
#include "voiceops/http.h"
#include "voiceops/twilio.h"
#include "voiceops/vapi.h"
#include "voiceops/services.h"
#include "voiceops/smtp.h"

#endif /* VOICEOPS_H */

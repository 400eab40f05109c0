/* libFuzzer target: Twilio error bodies ({"code", "message", "more_info"} or RFC 7807). */
#include "fuzz_rest_error.h"
#include "twilio/twilio_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_rest_error(&vo__twilio_provider, data, size);
}

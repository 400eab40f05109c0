/* libFuzzer target: Vapi error bodies ({"error", "message": string or array}). */
#include "fuzz_rest_error.h"
#include "vapi/vapi_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_rest_error(&vo__vapi_provider, data, size);
}

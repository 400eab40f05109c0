"""ApiError, and the error bodies of each provider (Twilio `{"code", "message", "more_info",
"status"}`, Vapi `{"statusCode", "message", "error"}`)."""

from __future__ import annotations


class ApiError(Exception):
    """An HTTP error response, already shaped like the provider's."""

    def __init__(self, status: int, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
           422: "Unprocessable Entity", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


def twilio_error(status: int, code: int, message: str, headers=None) -> ApiError:
    return ApiError(status, {"code": code, "message": message,
                             "more_info": "https://www.twilio.com/docs/errors/%d" % code,
                             "status": status}, headers)


def twilio_not_found(path: str) -> ApiError:
    return twilio_error(404, 20404, "The requested resource %s was not found" % path)


def twilio_auth_error() -> ApiError:
    return twilio_error(401, 20003, "Authenticate",
                        {"WWW-Authenticate": 'Basic realm="Twilio API"'})


def vapi_error(status: int, message, headers=None) -> ApiError:
    return ApiError(status, {"statusCode": status, "message": message,
                             "error": REASONS.get(status, "Error")}, headers)


def vapi_auth_error() -> ApiError:
    return vapi_error(401, "Invalid Key. Hot tip, you may be using the private key instead of "
                           "the public key, or vice versa.")

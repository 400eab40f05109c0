"""Tests for the voiceops sandbox server: started in a subprocess, exercised over real HTTP."""

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "voiceops_sandbox.py")
ACCT = "AC" + "0123456789abcdef" * 2
TOKEN = "f" * 32
OTHER = "AC" + "fedcba9876543210" * 2
OTHER_TOKEN = "e" * 32
VKEY = "vapi-private-key-1"


# ---------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def server(tmp_path_factory):
    port_file = tmp_path_factory.mktemp("sb") / "port"
    proc = subprocess.Popen([sys.executable, SERVER, "--port", "0", "--port-file", str(port_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.fullmatch(r"sandbox listening on (http://127\.0\.0\.1:(\d+))\n", line)
    assert m, "unexpected first line %r" % line
    assert port_file.read_text().strip() == m.group(2)
    yield m.group(1)
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body

    @property
    def json(self):
        return json.loads(self.raw) if self.raw else None


def call(base, method, path, *, form=None, body=None, jsn=None, basic=None, bearer=None,
         headers=None, timeout=10):
    url = path if path.startswith("http") else base + path
    h = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form, doseq=True).encode()
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif jsn is not None:
        data = json.dumps(jsn).encode()
        h.setdefault("Content-Type", "application/json")
    elif body is not None:
        data = body
    if basic:
        h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % basic).encode()).decode()
    if bearer:
        h["Authorization"] = "Bearer " + bearer
    req = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Resp(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read())


@pytest.fixture
def sb(server):
    """Fresh state per test, with two Twilio accounts and a Vapi key."""
    assert call(server, "POST", "/__sandbox/reset").status == 200
    r = call(server, "POST", "/__sandbox/twilio/accounts",
             jsn={"account_sid": ACCT, "auth_token": TOKEN, "friendly_name": "tenant-1"})
    assert r.status == 201
    call(server, "POST", "/__sandbox/twilio/accounts",
         jsn={"account_sid": OTHER, "auth_token": OTHER_TOKEN})
    call(server, "POST", "/__sandbox/vapi/keys", jsn={"api_key": VKEY})
    return server


def tw(base, method, path, form=None, auth=(ACCT, TOKEN), acct=ACCT, **kw):
    if path.startswith("/v1/") or path.startswith("/2010-04-01/Accounts.json"):
        p = path
    else:
        p = "/2010-04-01/Accounts/%s%s" % (acct, path)
    return call(base, method, p, form=form, basic=auth, **kw)


def va(base, method, path, jsn=None, key=VKEY, **kw):
    return call(base, method, path, jsn=jsn, bearer=key, **kw)


def assert_twilio_error(r, status, code):
    assert r.status == status, r.raw
    j = r.json
    assert set(j) == {"code", "message", "more_info", "status"}
    assert j["code"] == code and j["status"] == status
    assert j["more_info"] == "https://www.twilio.com/docs/errors/%d" % code
    assert re.fullmatch(r"RQ[0-9a-f]{32}", r.headers["Twilio-Request-Id"])


def assert_vapi_error(r, status):
    assert r.status == status, r.raw
    j = r.json
    assert j["statusCode"] == status and "message" in j and "error" in j
    return j["message"]


def seed_numbers(base, n, acct=ACCT, start=100):
    nums = [{"phone_number": "+1650555%04d" % (start + i), "friendly_name": "n%d" % i}
            for i in range(n)]
    r = call(base, "POST", "/__sandbox/twilio/accounts/%s/numbers" % acct, jsn=nums)
    assert r.status == 201, r.raw
    return r.json["numbers"]


def requests_log(base, **q):
    return call(base, "GET", "/__sandbox/requests?" + urllib.parse.urlencode(q)).json


RFC2822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


# ---------------------------------------------------------------------------
# startup, control API
# ---------------------------------------------------------------------------

def test_refuses_non_loopback():
    p = subprocess.run([sys.executable, SERVER, "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and "non-loopback" in p.stderr


def test_control_accounts_and_keys(sb):
    r = call(sb, "POST", "/__sandbox/twilio/accounts", jsn={})
    assert r.status == 201
    sid, tok = r.json["account_sid"], r.json["auth_token"]
    assert re.fullmatch(r"AC[0-9a-f]{32}", sid) and re.fullmatch(r"[0-9a-f]{32}", tok)
    assert tw(sb, "GET", ".json", auth=(sid, tok), acct=sid).status == 200
    k = call(sb, "POST", "/__sandbox/twilio/accounts/%s/keys" % sid, jsn={}).json
    assert re.fullmatch(r"SK[0-9a-f]{32}", k["sid"]) and k["secret"]
    assert tw(sb, "GET", ".json", auth=(k["sid"], k["secret"]), acct=sid).status == 200
    assert call(sb, "POST", "/__sandbox/twilio/accounts/ACnope/keys", jsn={}).status == 404
    assert call(sb, "POST", "/__sandbox/twilio/accounts", jsn={"account_sid": "bad"}).status == 400
    assert call(sb, "GET", "/__sandbox/nope").status == 404
    assert call(sb, "POST", "/__sandbox/faults", body=b"{not json").status == 400


# ---------------------------------------------------------------------------
# Twilio: auth, accounts
# ---------------------------------------------------------------------------

def test_twilio_auth_failures(sb):
    for auth in (None, (ACCT, "wrong"), (OTHER, OTHER_TOKEN), ("SK" + "0" * 32, "x")):
        r = tw(sb, "GET", "/Calls.json", auth=auth)
        assert_twilio_error(r, 401, 20003)
        assert r.json["message"] == "Authenticate"
        assert r.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    r = call(sb, "GET", "/2010-04-01/Accounts/%s/Calls.json" % ACCT,
             headers={"Authorization": "Basic !!!notbase64"})
    assert_twilio_error(r, 401, 20003)


def test_account_fetch_list_and_subaccounts(sb):
    r = tw(sb, "GET", ".json")
    assert r.status == 200
    a = r.json
    assert set(a) == {"auth_token", "date_created", "date_updated", "friendly_name",
                      "owner_account_sid", "sid", "status", "subresource_uris", "type", "uri"}
    assert a["sid"] == ACCT and a["friendly_name"] == "tenant-1" and RFC2822.match(a["date_created"])
    assert a["uri"] == "/2010-04-01/Accounts/%s.json" % ACCT
    assert a["subresource_uris"]["calls"] == "/2010-04-01/Accounts/%s/Calls.json" % ACCT
    sub = tw(sb, "POST", "/2010-04-01/Accounts.json", form={"FriendlyName": "sub one"})
    assert sub.status == 201
    s = sub.json
    assert s["owner_account_sid"] == ACCT and s["friendly_name"] == "sub one" and s["auth_token"]
    # parent credentials reach the subaccount; the subaccount's own token works too
    assert tw(sb, "GET", ".json", acct=s["sid"]).status == 200
    assert tw(sb, "GET", ".json", acct=s["sid"], auth=(s["sid"], s["auth_token"])).status == 200
    # ... but not the parent
    assert tw(sb, "GET", ".json", auth=(s["sid"], s["auth_token"])).status == 401
    lst = tw(sb, "GET", "/2010-04-01/Accounts.json").json
    assert {x["sid"] for x in lst["accounts"]} == {ACCT, s["sid"]}
    assert lst["next_page_uri"] is None and lst["page"] == 0
    lst = tw(sb, "GET", "/2010-04-01/Accounts.json?FriendlyName=sub+one").json
    assert [x["sid"] for x in lst["accounts"]] == [s["sid"]]
    assert "FriendlyName=sub+one" in lst["first_page_uri"]


# ---------------------------------------------------------------------------
# Twilio: numbers
# ---------------------------------------------------------------------------

NUMBER_KEYS = {"account_sid", "address_sid", "address_requirements", "api_version", "beta",
               "capabilities", "date_created", "date_updated", "friendly_name", "identity_sid",
               "phone_number", "origin", "sid", "sms_application_sid", "sms_fallback_method",
               "sms_fallback_url", "sms_method", "sms_url", "status_callback",
               "status_callback_method", "trunk_sid", "uri", "voice_receive_mode",
               "voice_application_sid", "voice_caller_id_lookup", "voice_fallback_method",
               "voice_fallback_url", "voice_method", "voice_url", "emergency_status",
               "emergency_address_sid", "emergency_address_status", "bundle_sid", "status",
               "type"}


def test_incoming_numbers_paging_follows_next_page_uri(sb):
    seeded = seed_numbers(sb, 7)
    seed_numbers(sb, 2, acct=OTHER, start=900)
    seen, uri, pages = [], "/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json?PageSize=3" % ACCT, 0
    while uri:
        r = call(sb, "GET", uri, basic=(ACCT, TOKEN))
        assert r.status == 200
        env = r.json
        assert set(env) == {"end", "first_page_uri", "next_page_uri", "page", "page_size",
                            "previous_page_uri", "start", "uri", "incoming_phone_numbers"}
        assert env["page"] == pages and env["page_size"] == 3 and env["start"] == 3 * pages
        assert (env["previous_page_uri"] is None) == (pages == 0)
        for n in env["incoming_phone_numbers"]:
            assert set(n) == NUMBER_KEYS
        seen += [n["sid"] for n in env["incoming_phone_numbers"]]
        uri = env["next_page_uri"]
        pages += 1
    assert pages == 3 and seen == [n["sid"] for n in seeded]
    r = tw(sb, "GET", "/IncomingPhoneNumbers.json?PageSize=5000").json
    assert r["page_size"] == 1000 and len(r["incoming_phone_numbers"]) == 7
    r = tw(sb, "GET", "/IncomingPhoneNumbers.json?PhoneNumber=%2B16505550102").json
    assert [n["phone_number"] for n in r["incoming_phone_numbers"]] == ["+16505550102"]
    r = tw(sb, "GET", "/IncomingPhoneNumbers.json?FriendlyName=n4").json
    assert [n["friendly_name"] for n in r["incoming_phone_numbers"]] == ["n4"]
    assert_twilio_error(tw(sb, "GET", "/IncomingPhoneNumbers.json?PageSize=abc"), 400, 20001)


def test_number_fetch_update_release(sb):
    n = seed_numbers(sb, 1)[0]
    path = "/IncomingPhoneNumbers/%s.json" % n["sid"]
    r = tw(sb, "GET", path)
    assert r.status == 200 and r.json["uri"] == "/2010-04-01/Accounts/%s%s" % (ACCT, path)
    upd = {"VoiceUrl": "https://example.com/voice", "VoiceMethod": "GET",
           "SmsUrl": "https://example.com/sms", "StatusCallback": "https://example.com/st",
           "FriendlyName": "main line", "VoiceFallbackUrl": "https://example.com/fb"}
    j = tw(sb, "POST", path, form=upd).json
    assert (j["voice_url"], j["voice_method"], j["sms_url"], j["status_callback"],
            j["friendly_name"], j["voice_fallback_url"]) == (
        "https://example.com/voice", "GET", "https://example.com/sms", "https://example.com/st",
        "main line", "https://example.com/fb")
    assert_twilio_error(tw(sb, "POST", path, form={"VoiceMethod": "PUT"}), 400, 20001)
    # another tenant cannot see it
    r = tw(sb, "GET", path, acct=OTHER, auth=(OTHER, OTHER_TOKEN))
    assert_twilio_error(r, 404, 20404)
    r = tw(sb, "DELETE", path)
    assert r.status == 204 and r.raw == b""
    r = tw(sb, "GET", path)
    assert_twilio_error(r, 404, 20404)
    assert r.json["message"] == "The requested resource /2010-04-01/Accounts/%s%s was not found" % (
        ACCT, path)


def test_available_and_purchase(sb):
    r = tw(sb, "GET", "/AvailablePhoneNumbers/US/Local.json")
    env = r.json
    assert r.status == 200 and len(env["available_phone_numbers"]) >= 5
    a = env["available_phone_numbers"][0]
    assert set(a) == {"friendly_name", "phone_number", "lata", "locality", "rate_center",
                      "latitude", "longitude", "region", "postal_code", "iso_country",
                      "address_requirements", "beta", "capabilities"}
    j = tw(sb, "GET", "/AvailablePhoneNumbers/US/Local.json?AreaCode=212").json
    assert {x["phone_number"][:5] for x in j["available_phone_numbers"]} == {"+1212"}
    j = tw(sb, "GET", "/AvailablePhoneNumbers/US/Local.json?InRegion=TX&VoiceEnabled=true").json
    assert [x["region"] for x in j["available_phone_numbers"]] == ["TX"]
    j = tw(sb, "GET", "/AvailablePhoneNumbers/US/Local.json?Contains=555010*&PageSize=2").json
    assert len(j["available_phone_numbers"]) == 2
    j = tw(sb, "GET", "/AvailablePhoneNumbers/US/TollFree.json").json
    assert len(j["available_phone_numbers"]) >= 3
    assert all(x["phone_number"].startswith("+18") for x in j["available_phone_numbers"])
    assert tw(sb, "GET", "/AvailablePhoneNumbers/US/Bogus.json").status == 404
    # seed a custom available number and buy it
    r = call(sb, "POST", "/__sandbox/twilio/available",
             jsn={"country": "US", "type": "Local", "numbers": [
                 {"phone_number": "+17205550199", "region": "CO", "locality": "Denver"}]})
    assert r.status == 201
    bought = tw(sb, "POST", "/IncomingPhoneNumbers.json",
                form={"PhoneNumber": "+17205550199", "VoiceUrl": "https://e.com/v"})
    assert bought.status == 201 and set(bought.json) == NUMBER_KEYS
    assert bought.json["voice_url"] == "https://e.com/v" and bought.json["account_sid"] == ACCT
    # no longer available
    j = tw(sb, "GET", "/AvailablePhoneNumbers/US/Local.json?InRegion=CO").json
    assert j["available_phone_numbers"] == []
    assert_twilio_error(tw(sb, "POST", "/IncomingPhoneNumbers.json",
                           form={"PhoneNumber": "+17205550199"}), 400, 21422)
    assert_twilio_error(tw(sb, "POST", "/IncomingPhoneNumbers.json",
                           form={"PhoneNumber": "+19995550000"}), 400, 21422)
    assert_twilio_error(tw(sb, "POST", "/IncomingPhoneNumbers.json",
                           form={"AreaCode": "999"}), 400, 21452)
    by_area = tw(sb, "POST", "/IncomingPhoneNumbers.json", form={"AreaCode": "415"})
    assert by_area.status == 201 and by_area.json["phone_number"].startswith("+1415")


# ---------------------------------------------------------------------------
# Twilio: calls, messages, keys, auth tokens
# ---------------------------------------------------------------------------

CALL_KEYS = {"sid", "date_created", "date_updated", "parent_call_sid", "account_sid", "to",
             "to_formatted", "from", "from_formatted", "phone_number_sid", "status",
             "start_time", "end_time", "duration", "price", "price_unit", "direction",
             "answered_by", "api_version", "forwarded_from", "group_sid", "caller_name",
             "queue_time", "trunk_sid", "uri", "subresource_uris"}


def test_calls(sb):
    seed_numbers(sb, 1)
    base = {"To": "+14155550123", "From": "+16505550100"}
    assert_twilio_error(tw(sb, "POST", "/Calls.json", form={"From": "+1650", "Url": "x"}), 400, 21201)
    assert_twilio_error(tw(sb, "POST", "/Calls.json", form={"To": "+14155550123", "Url": "x"}),
                        400, 21213)
    assert_twilio_error(tw(sb, "POST", "/Calls.json", form=base), 400, 21205)
    assert_twilio_error(tw(sb, "POST", "/Calls.json",
                           form=dict(base, Url="http://a", Twiml="<Response/>")), 400, 21205)
    assert_twilio_error(tw(sb, "POST", "/Calls.json", form=dict(base, To="12", Url="http://a")),
                        400, 21211)
    r = tw(sb, "POST", "/Calls.json",
           form=dict(base, Url="https://e.com/twiml", StatusCallback="https://e.com/cb",
                     StatusCallbackEvent=["initiated", "answered", "completed"],
                     StatusCallbackMethod="POST", Timeout="30", MachineDetection="Enable"))
    assert r.status == 201
    c = r.json
    assert set(c) == CALL_KEYS and c["status"] == "queued" and c["direction"] == "outbound-api"
    assert re.fullmatch(r"CA[0-9a-f]{32}", c["sid"]) and RFC2822.match(c["date_created"])
    assert c["phone_number_sid"] is not None and c["to_formatted"] == "(415) 555-0123"
    ctl = call(sb, "GET", "/__sandbox/twilio/calls/%s" % c["sid"]).json
    assert ctl["params"]["StatusCallbackEvent"] == ["initiated", "answered", "completed"]
    for i in range(4):
        tw(sb, "POST", "/Calls.json", form=dict(base, To="+1415555020%d" % i, Twiml="<Response/>"))
    lst = tw(sb, "GET", "/Calls.json?PageSize=2").json
    assert len(lst["calls"]) == 2 and lst["next_page_uri"] and "calls" in lst
    assert lst["calls"][0]["to"] == "+14155550203"  # newest first
    only = tw(sb, "GET", "/Calls.json?To=%2B14155550123").json["calls"]
    assert [x["sid"] for x in only] == [c["sid"]]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert len(tw(sb, "GET", "/Calls.json?StartTime>=%s" % today).json["calls"]) == 5
    assert len(tw(sb, "GET", "/Calls.json?StartTime%3C=2000-01-01").json["calls"]) == 0
    path = "/Calls/%s.json" % c["sid"]
    assert tw(sb, "GET", path).json["sid"] == c["sid"]
    u = tw(sb, "POST", path, form={"Status": "completed"}).json
    assert u["status"] == "completed" and u["end_time"]
    assert tw(sb, "GET", "/Calls.json?Status=completed").json["calls"][0]["sid"] == c["sid"]
    assert_twilio_error(tw(sb, "POST", path, form={"Url": "http://x"}), 400, 21220)
    assert_twilio_error(tw(sb, "POST", path, form={"Status": "bogus"}), 400, 21218)
    assert_twilio_error(tw(sb, "GET", "/Calls/CA%s.json" % ("0" * 32)), 404, 20404)


def test_messages(sb):
    assert_twilio_error(tw(sb, "POST", "/Messages.json", form={"From": "+1650", "Body": "x"}),
                        400, 21604)
    assert_twilio_error(tw(sb, "POST", "/Messages.json", form={"To": "+14155550123", "Body": "x"}),
                        400, 21603)
    assert_twilio_error(tw(sb, "POST", "/Messages.json",
                           form={"To": "+14155550123", "From": "+16505550100"}), 400, 21602)
    r = tw(sb, "POST", "/Messages.json",
           form={"To": "+14155550123", "From": "+16505550100", "Body": "hello"})
    assert r.status == 201
    m = r.json
    assert set(m) == {"body", "num_segments", "direction", "from", "to", "date_updated", "price",
                      "error_message", "uri", "account_sid", "num_media", "status",
                      "messaging_service_sid", "sid", "date_sent", "date_created", "error_code",
                      "price_unit", "api_version", "subresource_uris"}
    assert m["sid"].startswith("SM") and m["body"] == "hello" and m["num_segments"] == "1"
    mm = tw(sb, "POST", "/Messages.json",
            form={"To": "+14155550123", "MessagingServiceSid": "MG" + "a" * 32,
                  "MediaUrl": ["https://e.com/a.png", "https://e.com/b.png"]}).json
    assert mm["sid"].startswith("MM") and mm["num_media"] == "2"
    lst = tw(sb, "GET", "/Messages.json").json
    assert [x["sid"] for x in lst["messages"]] == [mm["sid"], m["sid"]]
    assert tw(sb, "GET", "/Messages/%s.json" % m["sid"]).json["body"] == "hello"
    assert tw(sb, "GET", "/Messages/%s.json" % m["sid"], acct=OTHER,
              auth=(OTHER, OTHER_TOKEN)).status == 404


def test_keys(sb):
    r = tw(sb, "POST", "/Keys.json", form={"FriendlyName": "deploy"})
    assert r.status == 201
    k = r.json
    assert set(k) == {"sid", "friendly_name", "date_created", "date_updated", "secret"}
    lst = tw(sb, "GET", "/Keys.json").json
    assert [x["sid"] for x in lst["keys"]] == [k["sid"]] and "secret" not in lst["keys"][0]
    assert tw(sb, "GET", "/Calls.json", auth=(k["sid"], k["secret"])).status == 200
    assert tw(sb, "GET", "/Calls.json", auth=(k["sid"], "nope")).status == 401
    got = tw(sb, "GET", "/Keys/%s.json" % k["sid"]).json
    assert got["friendly_name"] == "deploy" and "secret" not in got
    assert tw(sb, "DELETE", "/Keys/%s.json" % k["sid"]).status == 204
    assert tw(sb, "GET", "/Calls.json", auth=(k["sid"], k["secret"])).status == 401


def test_auth_token_rotation(sb):
    r = tw(sb, "POST", "/v1/AuthTokens/Secondary")
    assert r.status == 201
    s = r.json
    assert set(s) == {"account_sid", "date_created", "date_updated", "secondary_auth_token", "url"}
    assert s["url"].endswith("/v1/AuthTokens/Secondary") and s["account_sid"] == ACCT
    sec = s["secondary_auth_token"]
    assert tw(sb, "GET", ".json", auth=(ACCT, TOKEN)).status == 200
    assert tw(sb, "GET", ".json", auth=(ACCT, sec)).status == 200
    p = tw(sb, "POST", "/v1/AuthTokens/Promote")
    assert p.status == 200
    assert set(p.json) == {"account_sid", "auth_token", "date_created", "date_updated", "url"}
    assert p.json["auth_token"] == sec
    assert tw(sb, "GET", ".json", auth=(ACCT, TOKEN)).status == 401
    assert tw(sb, "GET", ".json", auth=(ACCT, sec)).status == 200
    s2 = tw(sb, "POST", "/v1/AuthTokens/Secondary", auth=(ACCT, sec)).json["secondary_auth_token"]
    assert tw(sb, "DELETE", "/v1/AuthTokens/Secondary", auth=(ACCT, sec)).status == 204
    assert tw(sb, "GET", ".json", auth=(ACCT, s2)).status == 401


# ---------------------------------------------------------------------------
# Vapi
# ---------------------------------------------------------------------------

def test_vapi_auth_and_errors(sb):
    for key in (None, "wrong"):
        r = va(sb, "GET", "/assistant", key=key)
        assert_vapi_error(r, 401)
        assert r.json["message"].startswith("Invalid Key. Hot tip")
        assert r.json["error"] == "Unauthorized"
    msg = assert_vapi_error(va(sb, "POST", "/assistant", jsn={"bogus": 1}), 400)
    assert msg == ["property bogus should not exist"]
    assert_vapi_error(va(sb, "POST", "/assistant", body=b"{oops",
                         headers={"Content-Type": "application/json"}), 400)
    assert_vapi_error(va(sb, "GET", "/assistant/not-a-uuid"), 400)
    assert_vapi_error(va(sb, "GET", "/assistant/" + "1" * 8 + "-1111-4111-8111-" + "1" * 12), 404)
    assert_vapi_error(va(sb, "GET", "/nope"), 404)
    assert_vapi_error(va(sb, "POST", "/assistant", jsn={"maxDurationSeconds": 1}), 400)


def test_vapi_assistants_crud_and_windows(sb):
    ids = []
    for i in range(5):
        r = va(sb, "POST", "/assistant", jsn={"name": "a%d" % i, "firstMessage": "hi",
                                               "model": {"provider": "openai", "model": "gpt-4o"}})
        assert r.status == 201
        a = r.json
        assert {"id", "orgId", "createdAt", "updatedAt"} <= set(a) and ISO.match(a["createdAt"])
        ids.append(a["id"])
    # other org sees nothing
    call(sb, "POST", "/__sandbox/vapi/keys", jsn={"api_key": "k2"})
    assert va(sb, "GET", "/assistant", key="k2").json == []
    lst = va(sb, "GET", "/assistant?limit=2").json
    assert [x["id"] for x in lst] == ids[:-3:-1]
    # page through with createdAtLt windows
    seen, q = [], "/assistant?limit=2"
    while True:
        page = va(sb, "GET", q).json
        if not page:
            break
        seen += [x["id"] for x in page]
        q = "/assistant?limit=2&createdAtLt=" + urllib.parse.quote(page[-1]["createdAt"])
    assert seen == ids[::-1]
    first = va(sb, "GET", "/assistant/" + ids[0]).json
    assert va(sb, "GET", "/assistant?createdAtGt=" + urllib.parse.quote(first["createdAt"])
              ).json[-1]["id"] == ids[1]
    assert_vapi_error(va(sb, "GET", "/assistant?createdAtGt=yesterday"), 400)
    assert_vapi_error(va(sb, "GET", "/assistant?limit=5000"), 400)
    u = va(sb, "PATCH", "/assistant/" + ids[0], jsn={"name": "renamed"}).json
    assert u["name"] == "renamed" and u["updatedAt"] > u["createdAt"] and u["firstMessage"] == "hi"
    assert va(sb, "DELETE", "/assistant/" + ids[0]).json["id"] == ids[0]
    assert_vapi_error(va(sb, "GET", "/assistant/" + ids[0]), 404)


def _import(sb, **over):
    body = {"provider": "twilio", "number": "+16505550100", "twilioAccountSid": ACCT,
            "twilioAuthToken": TOKEN, "name": "main"}
    body.update(over)
    return va(sb, "POST", "/phone-number", jsn={k: v for k, v in body.items() if v is not None})


def test_vapi_phone_number_import(sb):
    seed_numbers(sb, 3)
    seed_numbers(sb, 1, acct=OTHER, start=900)
    assert_vapi_error(_import(sb, twilioAuthToken="wrong"), 400)
    assert_vapi_error(_import(sb, number="+16505550900"), 400)       # owned by OTHER
    assert_vapi_error(_import(sb, twilioAuthToken=None), 400)        # no credentials
    assert_vapi_error(_import(sb, provider="acme"), 400)
    r = _import(sb)
    assert r.status == 201
    pn = r.json
    assert pn["provider"] == "twilio" and pn["number"] == "+16505550100" and pn["status"] == "active"
    assert "twilioAuthToken" not in pn and TOKEN not in r.raw.decode()
    assert {"id", "orgId", "createdAt", "updatedAt", "twilioAccountSid"} <= set(pn)
    # Vapi points the Twilio number at itself
    tnum = tw(sb, "GET", "/IncomingPhoneNumbers.json?PhoneNumber=%2B16505550100").json
    assert tnum["incoming_phone_numbers"][0]["voice_url"].startswith("https://api.vapi.ai/")
    msg = assert_vapi_error(_import(sb), 400)                         # duplicate in org
    assert "already" in str(msg).lower()
    key = call(sb, "POST", "/__sandbox/twilio/accounts/%s/keys" % ACCT, jsn={}).json
    r2 = _import(sb, number="+16505550101", twilioAuthToken=None, twilioApiKey=key["sid"],
                 twilioApiSecret=key["secret"])
    assert r2.status == 201 and "twilioApiSecret" not in r2.json
    assert_vapi_error(_import(sb, number="+16505550102", twilioAuthToken=None,
                              twilioApiKey=key["sid"], twilioApiSecret="bad"), 400)
    _import(sb, number="+16505550102")
    lst = va(sb, "GET", "/phone-number").json
    assert isinstance(lst, list) and len(lst) == 3
    v2 = va(sb, "GET", "/v2/phone-number?limit=2&page=1").json
    assert set(v2) == {"results", "metadata"} and len(v2["results"]) == 2
    md = v2["metadata"]
    assert (md["itemsPerPage"], md["currentPage"], md["totalItems"]) == (2, 1, 3)
    v2b = va(sb, "GET", "/v2/phone-number?limit=2&page=2").json
    assert len(v2b["results"]) == 1
    assert {x["id"] for x in v2["results"] + v2b["results"]} == {x["id"] for x in lst}
    got = va(sb, "GET", "/phone-number/" + pn["id"]).json
    assert got["id"] == pn["id"]
    upd = va(sb, "PATCH", "/phone-number/" + pn["id"], jsn={"name": "renamed"}).json
    assert upd["name"] == "renamed"
    assert_vapi_error(va(sb, "PATCH", "/phone-number/" + pn["id"],
                         jsn={"twilioAuthToken": "wrong"}), 400)
    assert va(sb, "DELETE", "/phone-number/" + pn["id"]).status == 200
    assert_vapi_error(va(sb, "GET", "/phone-number/" + pn["id"]), 404)


def test_vapi_calls(sb):
    seed_numbers(sb, 1)
    pn = _import(sb).json
    asst = va(sb, "POST", "/assistant", jsn={"name": "bot"}).json
    assert_vapi_error(va(sb, "POST", "/call", jsn={"phoneNumberId": pn["id"],
                                                   "customer": {"number": "+14155550123"}}), 400)
    assert_vapi_error(va(sb, "POST", "/call", jsn={"assistantId": asst["id"],
                                                   "phoneNumberId": pn["id"]}), 400)
    assert_vapi_error(va(sb, "POST", "/call", jsn={"assistantId": asst["id"],
                                                   "phoneNumberId": pn["id"],
                                                   "customer": {"number": "4155550123"}}), 400)
    r = va(sb, "POST", "/call", jsn={"assistantId": asst["id"], "phoneNumberId": pn["id"],
                                      "customer": {"number": "+14155550123"}})
    assert r.status == 201
    c = r.json
    assert c["type"] == "outboundPhoneCall" and c["status"] == "queued"
    assert {"id", "orgId", "createdAt", "updatedAt"} <= set(c)
    # the emulated Vapi places the call through the tenant's Twilio account
    tcalls = tw(sb, "GET", "/Calls.json").json["calls"]
    assert [x["sid"] for x in tcalls] == [c["phoneCallProviderId"]]
    web = va(sb, "POST", "/call", jsn={"assistant": {"firstMessage": "hi"}}).json
    assert web["type"] == "webCall"
    assert [x["id"] for x in va(sb, "GET", "/call?assistantId=" + asst["id"]).json] == [c["id"]]
    assert len(va(sb, "GET", "/call").json) == 2
    assert va(sb, "PATCH", "/call/" + c["id"], jsn={"name": "x"}).json["name"] == "x"
    assert va(sb, "DELETE", "/call/" + c["id"]).status == 200
    assert_vapi_error(va(sb, "GET", "/call/" + c["id"]), 404)


# ---------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------

def _fault(sb, **spec):
    r = call(sb, "POST", "/__sandbox/faults", jsn=spec)
    assert r.status == 201, r.raw
    return r.json


def test_fault_429_500_503_and_counts(sb):
    calls_path = "/2010-04-01/Accounts/%s/Calls.json" % ACCT
    _fault(sb, path=calls_path, method="POST", count=2, kind="429", retry_after="2")
    assert len(call(sb, "GET", "/__sandbox/faults").json) == 1
    form = {"To": "+14155550123", "From": "+16505550100", "Url": "http://x"}
    assert tw(sb, "GET", "/Calls.json").status == 200      # method filter: GET not faulted
    for _ in range(2):
        r = tw(sb, "POST", "/Calls.json", form=form)
        assert_twilio_error(r, 429, 20429)
        assert r.headers["Retry-After"] == "2"
    assert call(sb, "GET", "/__sandbox/faults").json == []
    assert tw(sb, "GET", "/Calls.json").json["calls"] == []  # faulted requests not processed
    assert tw(sb, "POST", "/Calls.json", form=form).status == 201
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    _fault(sb, path="/2010-04-01/*", kind="503", retry_after=date)
    r = tw(sb, "GET", "/Calls.json")
    assert_twilio_error(r, 503, 20503)
    assert r.headers["Retry-After"] == date
    _fault(sb, path="/assistant", kind="500")
    r = va(sb, "GET", "/assistant")
    assert assert_vapi_error(r, 500) and r.json["error"] == "Internal Server Error"
    _fault(sb, path="/assistant*", kind="429", retry_after="1")
    r = va(sb, "GET", "/assistant")
    assert_vapi_error(r, 429)
    assert r.headers["Retry-After"] == "1"
    log = requests_log(sb)
    assert [e["fault"] for e in log if e["fault"]] == ["429", "429", "503", "500", "429"]
    _fault(sb, path="/x", kind="500", count=3)
    assert call(sb, "DELETE", "/__sandbox/faults").status == 200
    assert call(sb, "GET", "/__sandbox/faults").json == []
    assert call(sb, "POST", "/__sandbox/faults", jsn={"path": "/x", "kind": "nope"}).status == 400


def _raw_conn(sb):
    u = urllib.parse.urlsplit(sb)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def _auth_hdr():
    return "Basic " + base64.b64encode(("%s:%s" % (ACCT, TOKEN)).encode()).decode()


def test_fault_drop_and_drop_after_read(sb):
    path = "/2010-04-01/Accounts/%s/Calls.json" % ACCT
    body = urllib.parse.urlencode({"To": "+14155550123", "From": "+16505550100", "Url": "http://x"})
    hdrs = {"Authorization": _auth_hdr(), "Content-Type": "application/x-www-form-urlencoded"}
    for kind, created in (("drop", 0), ("drop_after_read", 1)):
        _fault(sb, path=path, method="POST", kind=kind)
        conn = _raw_conn(sb)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError,
                            http.client.BadStatusLine)):
            conn.request("POST", path, body=body, headers=hdrs)
            conn.getresponse().read()
        conn.close()
        assert len(tw(sb, "GET", "/Calls.json").json["calls"]) == created
    log = requests_log(sb, method="POST")
    assert [(e["fault"], e["status"]) for e in log] == [("drop", None), ("drop_after_read", None)]
    assert [e["auth_user"] for e in log] == [ACCT, ACCT]
    assert log[1]["processed_status"] == 201


def test_fault_delay_and_malformed(sb):
    _fault(sb, path="/assistant", kind="delay", delay_ms=400)
    t0 = time.monotonic()
    assert va(sb, "GET", "/assistant").status == 200
    assert time.monotonic() - t0 >= 0.38
    _fault(sb, path="/2010-04-01/Accounts/%s/Calls.json" % ACCT, kind="malformed")
    r = tw(sb, "GET", "/Calls.json")
    assert r.status == 200
    with pytest.raises(ValueError):
        json.loads(r.raw)
    assert tw(sb, "GET", "/Calls.json").json["calls"] == []


# ---------------------------------------------------------------------------
# request log, robustness, keep-alive
# ---------------------------------------------------------------------------

def test_request_log_and_redaction(sb):
    seed_numbers(sb, 1)
    tw(sb, "POST", "/Calls.json", form={"To": "+14155550123", "From": "+16505550100",
                                        "Url": "http://x", "SipAuthPassword": "pw"},
       headers={"X-Correlation-Id": "corr-123"})
    _import(sb)
    log = requests_log(sb)
    assert len(log) == 2
    c, p = log
    assert c["method"] == "POST" and c["path"] == "/2010-04-01/Accounts/%s/Calls.json" % ACCT
    assert c["auth_kind"] == "basic" and c["auth_user"] == ACCT and TOKEN not in json.dumps(log)
    assert c["correlation_id"] == "corr-123" and c["status"] == 201 and c["fault"] is None
    assert c["form"]["To"] == ["+14155550123"] and c["form"]["SipAuthPassword"] == ["[REDACTED]"]
    assert c["content_type"].startswith("application/x-www-form-urlencoded")
    assert p["auth_kind"] == "bearer" and p["auth_user"] is None
    assert p["json"]["twilioAuthToken"] == "[REDACTED]" and p["json"]["number"] == "+16505550100"
    assert {"method", "path", "query", "content_type", "form", "json", "status", "auth_kind",
            "auth_user", "correlation_id", "fault", "time"} <= set(c)
    tw(sb, "GET", "/Calls.json?PageSize=5")
    got = requests_log(sb, method="GET", path="/2010-04-01/Accounts/*")
    assert len(got) == 1 and got[0]["query"] == {"PageSize": ["5"]}
    assert requests_log(sb, path="/phone-number")[0]["method"] == "POST"
    assert call(sb, "DELETE", "/__sandbox/requests").status == 200
    assert requests_log(sb) == []


def test_bad_input_and_unknown_paths(sb):
    assert_twilio_error(tw(sb, "GET", "/Nope.json"), 404, 20404)
    assert_twilio_error(tw(sb, "POST", "/Calls.json", body=b"To=%ff%fe",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, 20001)
    big = b"x" * (1024 * 1024 + 10)
    r = tw(sb, "POST", "/Calls.json", body=big,
           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 413
    r = va(sb, "POST", "/assistant", body=big, headers={"Content-Type": "application/json"})
    assert_vapi_error(r, 413)
    r = va(sb, "POST", "/assistant", body=b"[1,2]", headers={"Content-Type": "application/json"})
    assert_vapi_error(r, 400)
    assert_vapi_error(va(sb, "PUT", "/assistant"), 404)
    assert call(sb, "GET", "/__sandbox/health").json == {"ok": True}


def test_keep_alive_reuses_connection(sb):
    before = call(sb, "GET", "/__sandbox/stats").json
    conn = _raw_conn(sb)
    for _ in range(5):
        conn.request("GET", "/2010-04-01/Accounts/%s/Calls.json" % ACCT,
                     headers={"Authorization": _auth_hdr()})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["calls"] == []
    conn.request("GET", "/assistant", headers={"Authorization": "Bearer " + VKEY})
    assert conn.getresponse().read() == b"[]"
    conn.close()
    after = call(sb, "GET", "/__sandbox/stats").json
    # one connection for the six API requests, plus one for each urllib control call
    assert after["requests"] - before["requests"] == 6
    assert after["connections"] - before["connections"] == 2
    assert after["api_connections"] - before["api_connections"] == 1


def test_concurrent_requests(sb):
    errors = []

    def worker(i):
        try:
            r = tw(sb, "POST", "/Messages.json",
                   form={"To": "+14155550123", "From": "+16505550100", "Body": "m%d" % i})
            assert r.status == 201
        except Exception as e:  # pragma: no cover
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert not errors
    assert len(tw(sb, "GET", "/Messages.json").json["messages"]) == 20


# ---------------------------------------------------------------------------
# webhooks
# ---------------------------------------------------------------------------

@pytest.fixture
def receiver():
    got = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            got.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": self.rfile.read(n)})
            out = b"<Response/>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield "http://127.0.0.1:%d" % srv.server_address[1], got
    srv.shutdown()
    srv.server_close()


def _hand_twilio_sig(token, url, params):
    s = url
    for k in sorted(params):
        for v in sorted(params[k]):
            s += k + v
    return base64.b64encode(hmac.new(token.encode(), s.encode(), hashlib.sha1).digest()).decode()


def test_twilio_webhook_form(sb, receiver):
    url, got = receiver
    target = url + "/voice?tenant=t1"
    params = {"CallSid": "CA" + "1" * 32, "From": "+14155550123", "To": "+16505550100",
              "CallStatus": "ringing", "AccountSid": ACCT, "StatusCallbackEvent": ["b", "a"]}
    r = call(sb, "POST", "/__sandbox/webhooks/send",
             jsn={"provider": "twilio", "account_sid": ACCT, "url": target, "params": params})
    assert r.status == 200 and r.json["status"] == 200 and r.json["body"] == "<Response/>"
    req = got[-1]
    assert req["path"] == "/voice?tenant=t1"
    assert req["headers"]["content-type"].startswith("application/x-www-form-urlencoded")
    parsed = urllib.parse.parse_qs(req["body"].decode(), keep_blank_values=True)
    assert parsed["StatusCallbackEvent"] == ["b", "a"] and parsed["CallStatus"] == ["ringing"]
    expect = _hand_twilio_sig(TOKEN, target, parsed)
    assert req["headers"]["x-twilio-signature"] == expect
    # a rotated-out token would not verify
    assert _hand_twilio_sig(OTHER_TOKEN, target, parsed) != expect
    assert call(sb, "POST", "/__sandbox/webhooks/send",
                jsn={"provider": "twilio", "account_sid": "ACnope", "url": target,
                     "params": {}}).status == 404


def test_twilio_webhook_json(sb, receiver):
    url, got = receiver
    target = url + "/events"
    payload = {"event": "call.completed", "n": 1}
    r = call(sb, "POST", "/__sandbox/webhooks/send",
             jsn={"provider": "twilio", "account_sid": ACCT, "url": target, "json": payload})
    assert r.json["status"] == 200
    req = got[-1]
    body = req["body"]
    assert json.loads(body) == payload
    digest = hashlib.sha256(body).hexdigest()
    assert req["path"] == "/events?bodySHA256=" + digest
    full = target + "?bodySHA256=" + digest
    assert req["headers"]["x-twilio-signature"] == _hand_twilio_sig(TOKEN, full, {})


def test_vapi_webhooks(sb, receiver):
    url, got = receiver
    msg = {"type": "status-update", "status": "ended", "call": {"id": "c1"}}
    r = call(sb, "POST", "/__sandbox/webhooks/send",
             jsn={"provider": "vapi", "url": url + "/vapi", "message": msg,
                  "auth": {"type": "secret", "secret": "s3cret"}})
    assert r.json["status"] == 200
    req = got[-1]
    assert req["headers"]["x-vapi-secret"] == "s3cret"
    assert json.loads(req["body"]) == {"message": msg}
    assert req["headers"]["content-type"] == "application/json"

    call(sb, "POST", "/__sandbox/webhooks/send",
         jsn={"provider": "vapi", "url": url + "/vapi", "message": msg,
              "auth": {"type": "bearer", "token": "tkn"}})
    assert got[-1]["headers"]["authorization"] == "Bearer tkn"
    call(sb, "POST", "/__sandbox/webhooks/send",
         jsn={"provider": "vapi", "url": url + "/vapi", "message": msg,
              "auth": {"type": "bearer", "token": "tkn", "header": "X-Api-Key", "prefix": False}})
    assert got[-1]["headers"]["x-api-key"] == "tkn"

    for alg, enc in (("sha256", "hex"), ("sha1", "base64"), ("sha512", "hex")):
        call(sb, "POST", "/__sandbox/webhooks/send",
             jsn={"provider": "vapi", "url": url + "/vapi", "message": msg,
                  "auth": {"type": "hmac", "secret": "hk", "algorithm": alg, "encoding": enc,
                           "timestamp": "1700000000", "prefix": "v1="}})
        req = got[-1]
        assert req["headers"]["x-timestamp"] == "1700000000"
        mac = hmac.new(b"hk", b"1700000000." + req["body"], getattr(hashlib, alg)).digest()
        sig = mac.hex() if enc == "hex" else base64.b64encode(mac).decode()
        assert req["headers"]["x-signature"] == "v1=" + sig
    # custom headers, base64 secret, custom payload format
    secret = base64.b64encode(b"raw-key").decode()
    call(sb, "POST", "/__sandbox/webhooks/send",
         jsn={"provider": "vapi", "url": url + "/vapi", "message": msg,
              "auth": {"type": "hmac", "secret": secret, "secret_is_base64": True,
                       "signature_header": "X-Sig", "timestamp_header": "X-Ts",
                       "payload_format": "{body}"}})
    req = got[-1]
    assert "x-ts" in req["headers"]
    assert req["headers"]["x-sig"] == hmac.new(b"raw-key", req["body"], hashlib.sha256).hexdigest()
    r = call(sb, "POST", "/__sandbox/webhooks/send",
             jsn={"provider": "vapi", "url": "http://127.0.0.1:1/x", "message": msg})
    assert r.status == 502


def test_control_drivers_batch_calls_and_v2_order(sb):
    seed_numbers(sb, 2)
    c = tw(sb, "POST", "/Calls.json", form={"To": "+14155550123", "From": "+16505550100",
                                            "Url": "http://x"}).json
    r = call(sb, "POST", "/__sandbox/twilio/calls/%s" % c["sid"],
             jsn={"status": "completed", "duration": 42, "answered_by": "human"})
    assert r.status == 200
    got = tw(sb, "GET", "/Calls/%s.json" % c["sid"]).json
    assert (got["status"], got["duration"], got["answered_by"]) == ("completed", "42", "human")
    assert got["start_time"] and got["end_time"]
    asst = va(sb, "POST", "/assistant", jsn={"name": "bot"}).json
    pn = _import(sb).json
    _import(sb, number="+16505550101")
    batch = va(sb, "POST", "/call", jsn={"assistantId": asst["id"], "phoneNumberId": pn["id"],
                                         "customers": [{"number": "+14155550100"},
                                                       {"number": "bad"}]})
    assert batch.status == 201
    assert len(batch.json["results"]) == 1 and len(batch.json["errors"]) == 1
    assert isinstance(batch.json["errors"][0]["error"], str)
    vc = batch.json["results"][0]
    r = call(sb, "POST", "/__sandbox/vapi/calls/%s" % vc["id"],
             jsn={"status": "ended", "endedReason": "customer-ended-call"})
    assert r.status == 200
    got = va(sb, "GET", "/call/" + vc["id"]).json
    assert got["status"] == "ended" and got["endedReason"] == "customer-ended-call" and got["endedAt"]
    asc = va(sb, "GET", "/v2/phone-number?sortOrder=ASC").json["results"]
    desc = va(sb, "GET", "/v2/phone-number").json["results"]
    assert [x["number"] for x in asc] == ["+16505550100", "+16505550101"] == \
        [x["number"] for x in desc][::-1]
    assert_vapi_error(va(sb, "GET", "/v2/phone-number?page=0"), 400)


def test_webhook_signed_with_given_token_and_subaccount_control(sb, receiver):
    url, got = receiver
    r = call(sb, "POST", "/__sandbox/twilio/accounts", jsn={"owner_account_sid": ACCT})
    sub = r.json
    assert sub["owner_account_sid"] == ACCT
    assert tw(sb, "GET", ".json", acct=sub["account_sid"]).status == 200
    call(sb, "POST", "/__sandbox/webhooks/send",
         jsn={"provider": "twilio", "auth_token": "stale", "url": url + "/s",
              "params": {"A": "1"}, "headers": {"X-Extra": "yes"}})
    req = got[-1]
    assert req["headers"]["x-extra"] == "yes"
    assert req["headers"]["x-twilio-signature"] == _hand_twilio_sig("stale", url + "/s", {"A": ["1"]})


def test_vapi_pinned_assistant_delete_is_409(sb):
    a = va(sb, "POST", "/assistant", jsn={"name": "parent"}).json
    r = call(sb, "POST", "/__sandbox/vapi/assistants/" + a["id"], jsn={"pinned": True})
    assert r.status == 200 and r.json["pinned"] is True
    r = va(sb, "DELETE", "/assistant/" + a["id"])
    assert r.status == 409
    assert r.json["error"] == "assistant_pinned" and r.json["message"]
    assert va(sb, "GET", "/assistant/" + a["id"]).status == 200   # nothing deleted
    call(sb, "POST", "/__sandbox/vapi/assistants/" + a["id"], jsn={"pinned": False})
    assert va(sb, "DELETE", "/assistant/" + a["id"]).status == 200
    assert call(sb, "POST", "/__sandbox/vapi/assistants/" + a["id"], jsn={}).status == 404


def test_vapi_import_sms_enabled_takes_messaging_url(sb):
    call(sb, "POST", "/__sandbox/twilio/accounts/%s/numbers" % ACCT,
         jsn=[{"phone_number": "+16505550100", "sms_url": "https://tenant.example/sms"},
              {"phone_number": "+16505550101", "sms_url": "https://tenant.example/sms"}])
    assert _import(sb, smsEnabled=False).status == 201
    assert _import(sb, number="+16505550101", name="b").status == 201   # default: enabled
    nums = {n["phone_number"]: n for n in
            tw(sb, "GET", "/IncomingPhoneNumbers.json").json["incoming_phone_numbers"]}
    assert nums["+16505550100"]["sms_url"] == "https://tenant.example/sms"
    assert nums["+16505550101"]["sms_url"] == "https://api.vapi.ai/twilio/sms"
    assert nums["+16505550100"]["voice_url"] == "https://api.vapi.ai/twilio/inbound_call"


def test_fault_skip_lets_first_requests_through(sb):
    r = call(sb, "POST", "/__sandbox/faults",
             jsn={"path": "/assistant", "method": "POST", "kind": "500", "skip": 2})
    assert r.status == 201 and r.json["skip"] == 2
    assert [va(sb, "POST", "/assistant", jsn={}).status for _ in range(4)] == [201, 201, 500, 201]
    assert call(sb, "POST", "/__sandbox/faults", jsn={"path": "/x", "kind": "500",
                                                      "skip": -1}).status == 400

#!/usr/bin/env python3
"""Write the canned Twilio IncomingPhoneNumbers page (20 numbers, no next page) the benchmark serves."""
import json
import sys

ACCT = "AC0123456789abcdef0123456789abcdef"
base = "/2010-04-01/Accounts/%s/IncomingPhoneNumbers.json" % ACCT
items = []
for i in range(20):
    sid = "PN%032x" % (i + 1)
    items.append({
        "account_sid": ACCT, "address_requirements": "none", "address_sid": None, "api_version": "2010-04-01",
        "beta": False, "capabilities": {"voice": True, "sms": True, "mms": True, "fax": False},
        "date_created": "Thu, 30 Jul 2015 20:12:31 +0000", "date_updated": "Thu, 30 Jul 2015 20:12:33 +0000",
        "emergency_status": "Active", "emergency_address_sid": None, "friendly_name": "(415) 555-%04d" % i,
        "identity_sid": None, "origin": "origin", "phone_number": "+1415555%04d" % i, "sid": sid,
        "sms_application_sid": "", "sms_fallback_method": "POST", "sms_fallback_url": "", "sms_method": "POST",
        "sms_url": "", "status_callback": "", "status_callback_method": "POST", "trunk_sid": None,
        "uri": "/2010-04-01/Accounts/%s/IncomingPhoneNumbers/%s.json" % (ACCT, sid),
        "voice_application_sid": "", "voice_caller_id_lookup": False, "voice_fallback_method": "POST",
        "voice_fallback_url": None, "voice_method": "POST", "voice_url": "https://example.com/voice",
        "voice_receive_mode": "voice", "status": "in-use", "bundle_sid": None,
        "subresource_uris": {"assigned_add_ons": "/2010-04-01/Accounts/%s/IncomingPhoneNumbers/%s/AssignedAddOns.json" % (ACCT, sid)},
    })
page = {"end": 19, "first_page_uri": base + "?PageSize=20&Page=0", "next_page_uri": None, "page": 0,
        "page_size": 20, "previous_page_uri": None, "start": 0, "uri": base + "?PageSize=20&Page=0",
        "incoming_phone_numbers": items}
with open(sys.argv[1], "w") as f:
    json.dump(page, f)

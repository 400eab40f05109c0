"""VapiState: the emulated Vapi data (orgs keyed by private API key; each org's assistants,
calls and phone numbers), and the field lists of the Vapi request bodies."""

from __future__ import annotations

import uuid


ASSISTANT_FIELDS = [
    "transcriber", "model", "voice", "firstMessage", "firstMessageInterruptionsEnabled",
    "firstMessageMode", "voicemailDetection", "clientMessages", "serverMessages",
    "maxDurationSeconds", "backgroundSound", "modelOutputInMessagesEnabled",
    "transportConfigurations", "observabilityPlan", "credentials", "hooks", "name",
    "voicemailMessage", "endCallMessage", "endCallPhrases", "compliancePlan", "metadata",
    "backgroundSpeechDenoisingPlan", "analysisPlan", "artifactPlan", "startSpeakingPlan",
    "stopSpeakingPlan", "monitorPlan", "credentialIds", "server", "keypadInputPlan"]
CALL_CREATE_FIELDS = [
    "assistantVersion", "transport", "customers", "name", "schedulePlan", "assistantId",
    "assistant", "assistantOverrides", "squadId", "squad", "squadOverrides", "workflowId",
    "workflow", "workflowOverrides", "phoneNumberId", "phoneNumber", "customerId", "customer"]
TWILIO_PN_FIELDS = [
    "fallbackDestination", "hooks", "provider", "smsEnabled", "number", "twilioAccountSid",
    "twilioAuthToken", "twilioApiKey", "twilioApiSecret", "name", "assistantId", "workflowId",
    "squadId", "server"]
PN_SECRET_FIELDS = ("twilioAuthToken", "twilioApiSecret")


class VapiState:
    """All Vapi data, per org.  Callers hold Sandbox.lock."""

    def __init__(self):
        self.key_to_org: dict[str, str] = {}
        self.orgs: dict[str, dict] = {}

    def register_key(self, api_key=None, org_id=None):
        api_key = api_key or str(uuid.uuid4())
        org_id = org_id or self.key_to_org.get(api_key) or str(uuid.uuid4())
        self.key_to_org[api_key] = org_id
        self.orgs.setdefault(org_id, {"assistants": {}, "calls": {}, "phone_numbers": {}})
        return api_key, org_id

    def org_for(self, key):
        oid = self.key_to_org.get(key)
        return (oid, self.orgs[oid]) if oid else (None, None)

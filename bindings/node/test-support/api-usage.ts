// Compiled with `tsc --noEmit --strict` by test/examples.test.mjs: the declarations cover the
// API as the tests use it (never executed).
import voiceops, {
  Vault, TwilioClient, VapiClient, HttpClient, Secret, services, routing, twilio, vapi,
  standardWebhooks, verifyTwilio, verifyVapi, parseForm, parseFormObject, publicUrl, setLogger,
  VoiceOpsError, RateLimitError, HandleError, VerifyReason, type VerifyResult, type TenantInfo,
} from 'voiceops';
import { twilioWebhook, routedWebhook } from 'voiceops/express';
import { verifyWebhook, withWebhook } from 'voiceops/next';

export async function usage(): Promise<void> {
  const vault = await Vault.open('v.db', { keys: [{ id: 'k', key: Buffer.alloc(32) }], auditReads: 'sync' });
  if (voiceops.featureEnabled('postgres')) {
    await Vault.copy('postgresql://app@db/app?schema=voiceops', 'v.db', { keys: [{ id: 'k', file: '/etc/k' }], actor: 'migrate' });
  }
  const t: TenantInfo = await vault.getTenant('acme');
  const page: TenantInfo[] = await vault.listTenants({ limit: 10 });
  for await (const x of vault.tenants()) console.log(x.id, t.createdAt, page.length);
  const v: number = await vault.putSecret('acme', 'n', 'value', { expectedVersion: voiceops.ANY_VERSION });
  const { secret, version } = await vault.getSecret('acme', 'n');
  const shown: string = secret.reveal() + version + v;
  const creds = await vault.getTwilioCredentials('acme');
  const token: Secret | null = creds.credentials.authToken;
  const http = new HttpClient({ maxAttempts: 2 });
  const tw = await TwilioClient.forTenant(vault, 'acme', { apiBaseUrl: 'http://127.0.0.1:1', httpClient: http });
  for await (const n of tw.numbers.list({ PageSize: 20 })) console.log(n.sid, n.phoneNumber);
  const call = await tw.calls.create('+1', '+2', { Url: 'https://x' });
  const { key, secret: keySecret } = await tw.keys.create('k');
  const va = new VapiClient(Secret.from('key'), { baseUrl: 'http://127.0.0.1:1' });
  const a = await va.assistants.create({ name: 'x', model: { provider: 'openai' } });
  const nums = await va.numbers.listV2({ pageSize: 5 }).toArray();
  const report = await services.importNumbers(vault, 'acme', { assistantId: a.id ?? undefined });
  const state: number = await services.tokenRotation.state(vault, 'acme');
  const routed = await routing.verify(vault, 'tok', 'twilio', { url: 'https://x', headers: [['a', 'b']], body: '' });
  const guarded = await routing.guard(vault, 'tok', 'vapi', { url: 'https://x' }, { guard: { retentionSeconds: 3600 } });
  const seen = await vault.seenPut('acme', 'scope', 'id', null);
  const cp: string = await vault.auditCheckpoint([{ id: 'k', key: Buffer.alloc(32) }], 'k');
  console.log(guarded.seen, seen.first, cp, (await voiceops.guard.std(vault, 'acme', { secrets: 'x', request: { url: 'u' } })).seenAtMs);
  const r: VerifyResult = verifyTwilio({ authTokens: ['t'], url: 'https://x', signature: 's', contentType: null, body: Buffer.alloc(0) });
  const verifier = twilio.verifier(token ?? 'x');
  const r2 = verifier.verify('https://x', null, null, '');
  const r3 = verifyVapi({ secrets: 's', request: { url: 'https://x', headers: {}, body: '' }, options: { type: 'hmac', algorithm: 'sha512' } });
  const sig: string = standardWebhooks.sign(standardWebhooks.newSecret(), 'id', 1, 'b');
  const msg = vapi.parseMessage('{}');
  const pairs: Array<[string, string]> = parseForm('a=1');
  const obj = parseFormObject('a=1');
  const url: string = publicUrl({ trustedProxies: ['10.0.0.0/8'], forwardedHeaders: ['x_forwarded_proto'] }, { target: '/', scheme: 'http', peerAddress: '10.0.0.1' });
  setLogger((rec) => console.log(rec.levelName, rec.message), 'debug');
  try { await tw.account.get(); } catch (e) {
    if (e instanceof RateLimitError) console.log(e.retryAfter, e.httpStatus, e.requestId);
    else if (e instanceof HandleError || e instanceof VoiceOpsError) console.log(e.code, e.correlationId);
  }
  console.log(shown, call.sid, key.sid, keySecret.length, nums.length, report.imported, state, routed.tenant,
    r.valid, r2.httpStatus, r3.reasonName === 'ok' || r3.reason === VerifyReason.OK, sig, msg.toolCalls, pairs, obj, url);
  const mw = twilioWebhook({ authTokens: ['t'], publicUrl: { baseUrl: 'https://x' } });
  const mw2 = routedWebhook({ vault, provider: 'vapi', publicUrl: { baseUrl: 'https://x' } });
  const hook = await verifyWebhook(new Request('https://x/a/tok'), { vault, provider: 'twilio', publicUrl: { baseUrl: 'https://x' } });
  if (hook.ok) console.log(hook.tenant, hook.params); else console.log(hook.response.status);
  const handler = withWebhook({ vault, provider: 'twilio', publicUrl: { baseUrl: 'https://x' } }, (_req, _ctx, h) => Response.json({ t: h.tenant }));
  const mw3 = twilioWebhook({ authTokens: ['t'], vault, tenant: 'acme', guard: { retentionSeconds: 3600 }, onDuplicate: 'call', publicUrl: { baseUrl: 'https://x' } });
  const mw4 = routedWebhook({ vault, provider: 'twilio', guard: true, publicUrl: { baseUrl: 'https://x' },
    onFailure: (_req, res, f) => { res.status(f.duplicate ? 200 : f.status).send(f.message); } });
  const g = await verifyWebhook(new Request('https://x/a/tok'), { vault, provider: 'twilio', guard: true, publicUrl: { baseUrl: 'https://x' } });
  if (g.ok) { const again: boolean = g.duplicate; console.log(again); } else if (g.duplicate) console.log(g.status);
  const gh = withWebhook({ vault, tenant: 'acme', secrets: ['s'], provider: 'vapi', guard: true, onDuplicate: 'call', publicUrl: { baseUrl: 'https://x' } },
    (_req, _ctx, h) => new Response(h.duplicate ? 'again' : 'first'));
  console.log(typeof mw, typeof mw2, typeof mw3, typeof mw4, typeof handler, typeof gh);
  tw.close(); va.close(); http.close(); verifier.close(); vault.close();
}

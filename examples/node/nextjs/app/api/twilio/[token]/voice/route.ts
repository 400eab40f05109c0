// Twilio voice webhook for every tenant: the token in the URL names the tenant, whose auth
// token (and, during a rotation, its secondary) verifies the signature.
import { verifyWebhook } from 'voiceops/next';
import { app, publicBaseUrl } from '../../../../../lib/voiceops';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function POST(request: Request, context: { params: Promise<{ token: string }> }): Promise<Response> {
  const { vault } = await app();
  const { token } = await context.params;
  const hook = await verifyWebhook(request, { vault, provider: 'twilio', token, publicUrl: { baseUrl: publicBaseUrl() } });
  if (!hook.ok) return hook.response;
  const from = String(hook.params?.From ?? 'unknown');
  const twiml = `<Response><Say>Hello ${hook.tenant}, call from ${from}.</Say></Response>`;
  return new Response(twiml, { headers: { 'content-type': 'text/xml' } });
}
